"""Service tests run inside an app context on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL."""

import datetime as dt

import pytest

from app.extensions import db
from app.models import Account, Person


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
