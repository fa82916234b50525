"""Service tests run inside an app context on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL."""

import datetime as dt

import pytest

from app import create_app
from app.extensions import db
from app.models import Account, Person


@pytest.fixture
def database(db_config, tmp_path):
    """An app context on a fresh schema of each database in turn."""
    app = create_app(db_config)
    app.instance_path = str(tmp_path)
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def make_person(database):
    """Factory: a stored person (in a new account unless one is given)."""

    def make(name="Sam", timezone="Europe/London", account=None, email="sam@example.org"):
        created = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
        if account is None:
            account = Account(email=email, password_hash="unused", locale="en", created_at=created)
            db.session.add(account)
        person = Person(name=name, timezone=timezone, created_at=created, account=account)
        db.session.add(person)
        db.session.commit()
        return person

    return make
