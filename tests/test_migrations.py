"""Migrations build the schema from nothing, on SQLite and on TEST_DATABASE_URL."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.config import ROOT
from app.extensions import db
from app.models import Account, Clinician, Person
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


def test_the_secrets_migration_hashes_tokens_and_encrypts_totp_secrets_and_they_still_work(db_config):
    """Rows from before 3f9c1a7d52e4: a signed-in cookie, a subscribed calendar and an enrolled authenticator
    keep working after the upgrade, and none of their secrets is left readable in the database."""
    import pyotp
    from sqlalchemy import text

    from app.models import LoginSession
    from app.models.accounts import hash_token
    from app.reminders import preferences

    app, migrations = create_app(db_config), str(ROOT / "migrations")
    session_token, calendar_token, totp_secret = "a-session-token", "a-calendar-token", pyotp.random_base32()
    values = {"now": NOW, "session": session_token, "calendar": calendar_token, "totp": totp_secret}
    with app.app_context():
        db.drop_all()
        upgrade(directory=migrations, revision="b8e3f0a6c215")  # the revision before the change
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO accounts (id, email, password_hash, locale, created_at) "
                "VALUES (1, 'sam@example.org', 'unused', 'en', :now)",
                "INSERT INTO people (id, account_id, name, timezone, created_at) "
                "VALUES (1, 1, 'Sam', 'Europe/London', :now)",
                "INSERT INTO login_sessions (token, account_id, created_at, remember) VALUES (:session, 1, :now, true)",
                "INSERT INTO reminder_settings (person_id, push, email, missed_after_minutes, review, calendar_token) "
                "VALUES (1, false, false, 60, true, :calendar)",
                "INSERT INTO clinics (id, name, phone, join_code, created_at) VALUES (1, 'Clinic', '', 'JOIN1', :now)",
                "INSERT INTO clinicians (id, account_id, clinic_id, name, is_admin, totp_secret, totp_last_step, "
                "created_at) VALUES (1, 1, 1, 'Dr Rivera', false, :totp, 0, :now)",
            ):
                connection.execute(text(statement), values)
        upgrade(directory=migrations)
        with db.engine.connect() as connection:
            raw = connection.execute(text("SELECT token_hash FROM login_sessions")).scalar_one()
            raw += connection.execute(text("SELECT calendar_token_hash FROM reminder_settings")).scalar_one()
            raw += connection.execute(text("SELECT totp_secret FROM clinicians")).scalar_one()
        assert session_token not in raw and calendar_token not in raw and totp_secret not in raw
        assert db.session.get(LoginSession, hash_token(session_token)).account_id == 1
        assert preferences.person_for_calendar(calendar_token).name == "Sam"
        assert db.session.get(Clinician, 1).totp_secret == totp_secret
        db.session.remove()
        downgrade(directory=migrations, revision="b8e3f0a6c215")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT totp_secret FROM clinicians")).scalar_one() == totp_secret
            assert connection.execute(text("SELECT count(*) FROM login_sessions")).scalar_one() == 0
        downgrade(directory=migrations, revision="base")
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()
