"""Migrations build the schema from nothing, on SQLite and on TEST_DATABASE_URL."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.config import ROOT
from app.extensions import db
from app.models import Account, Person
from tests.patients.log import NOW, build_log
from tests.patients.test_outcomes import settled


def test_upgrade_and_downgrade_run_from_an_empty_database(db_config):
    app = create_app(db_config)
    with app.app_context():
        db.drop_all()
        upgrade(directory=str(ROOT / "migrations"))
        assert "alembic_version" in inspect(db.engine).get_table_names()
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()


def test_the_outcome_migration_fills_each_slot_from_its_applications_and_skips(db_config):
    """A database from before DoseSlot.outcome gets each slot's outcome from its records on upgrade."""
    app, migrations = create_app(db_config), str(ROOT / "migrations")
    with app.app_context():
        db.drop_all()
        upgrade(directory=migrations)
        account = Account(email="sam@example.org", password_hash="unused", locale="en", created_at=NOW)
        db.session.add(Person(name="Sam", timezone="Europe/London", created_at=NOW, account=account))
        db.session.commit()
        build_log(account.people[0])  # every kind of slot: on time, late, missed, skipped, paused, to come
        outcomes = settled()
        db.session.remove()
        downgrade(directory=migrations, revision="49fa6818b49f")  # the revision before the column
        assert "outcome" not in {column["name"] for column in inspect(db.engine).get_columns("dose_slots")}
        upgrade(directory=migrations)
        assert settled() == outcomes and set(outcomes.values()) == {"on_time", "late", "skipped", None}
        db.session.remove()
        downgrade(directory=migrations, revision="base")
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()
