"""Service tests run inside one app context, with the clock passed in as the services expect."""

import datetime as dt

import pytest
from argon2 import PasswordHasher

from app import accounts

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
STRONG = "correct horse battery staple"


@pytest.fixture
def ctx(app):
    """An app context for calling services directly, as a command or the scheduler would."""
    with app.app_context():
        yield


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """argon2id still, with the smallest cost, so dozens of sign-ins take milliseconds."""
    monkeypatch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
