"""SQLite overwrites what is deleted: a deleted row's text is not left in the database file."""

import datetime as dt

from sqlalchemy import delete, text

from app import create_app
from app.config import TestingConfig
from app.extensions import db
from app.models import Account, Person

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
MARK = "forget-me-eczema-on-both-hands"


def checkpointed(path) -> bytes:
    """The database file once the WAL is written back into it and emptied, as a backup would copy it."""
    with db.engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_a_deleted_persons_name_no_longer_appears_in_the_sqlite_file(tmp_path):
    path = tmp_path / "thinlayer.sqlite3"
    app = create_app(type("FileConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))
    with app.app_context():
        db.create_all()
        account = Account(email="sam@example.org", password_hash="-", locale="en", created_at=NOW)
        db.session.add(Person(name=MARK, timezone="Europe/London", created_at=NOW, account=account))
        db.session.commit()
        assert MARK.encode() in checkpointed(path)  # the test can see it while it is there
        db.session.execute(delete(Account))
        db.session.commit()
        assert MARK.encode() not in checkpointed(path)
        db.engine.dispose()
