"""`flask backup PATH` and `flask restore PATH`: a database full of rows, backed up, restored into an empty
database, has every row of every table back, equal; on SQLite (online backup) and PostgreSQL (pg_dump)."""

import pytest
from sqlalchemy import MetaData, select

from app.extensions import db
from app.models import Account, Person
from tests.databases import postgres_url
from tests.ops.conftest import empty_database, migrate
from tests.patients.log import NOW, build_log


def every_row(app) -> dict[str, list[tuple]]:
    """Each table of the database (models' and Alembic's), its rows in a stable order."""
    with app.app_context():
        tables = MetaData()
        tables.reflect(db.engine)
        with db.engine.connect() as connection:
            contents = {
                name: sorted(connection.execute(select(table)).all(), key=repr) for name, table in tables.tables.items()
            }
        db.engine.dispose()
    return contents


def fill(app) -> None:
    """A patient with a week of doses (a plan, slots, applications, skips, itch, side effects, a POEM)."""
    with app.app_context():
        account = Account(email="sam@example.org", password_hash="unused", locale="en", created_at=NOW)
        db.session.add(Person(name="Sam", timezone="Europe/London", created_at=NOW, account=account))
        db.session.commit()
        build_log(account.people[0])
        db.session.remove()


@pytest.fixture
def target_url(database_url, tmp_path):
    """Another empty database on the same engine, to restore into."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    return empty_database(postgres_url("ops_restored"))


def test_a_backup_restored_into_an_empty_database_has_every_row(make_app, target_url, tmp_path):
    source = make_app()
    migrate(source)
    fill(source)
    rows = every_row(source)
    assert len(rows["dose_slots"]) > 10 and rows["applications"] and rows["alembic_version"]
    path = tmp_path / "thinlayer.backup"

    made = source.test_cli_runner().invoke(args=["backup", str(path)])
    assert made.exit_code == 0, made.output
    restored = make_app(target_url).test_cli_runner().invoke(args=["restore", str(path)])
    assert restored.exit_code == 0, restored.output

    assert every_row(make_app(target_url)) == rows


def test_restore_from_a_missing_file_says_so_and_changes_nothing(make_app, tmp_path):
    app = make_app()
    migrate(app)
    fill(app)
    rows = every_row(app)
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "nothing.backup")])
    assert result.exit_code == 1 and "no such backup file" in result.output
    assert every_row(app) == rows
