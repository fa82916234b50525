"""An empty database of its own for each operations test, on SQLite and (with TEST_DATABASE_URL) PostgreSQL, and
apps on it configured as a test asks: these tests make their schemas with the migrations, as production does."""

import logging
import os

import pytest
from flask_migrate import upgrade

from app import create_app
from app.config import TestingConfig
from app.extensions import db
from app.schema import MIGRATIONS
from tests.databases import postgres_url

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def empty_database(url: str) -> str:
    """The PostgreSQL database at url with nothing in it (an earlier run may have left tables)."""
    import psycopg
    from sqlalchemy.engine import make_url

    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")
    return url


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """The URL of an empty database, SQLite in a file or PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ops.sqlite3'}"
    return empty_database(postgres_url("ops_checks"))


@pytest.fixture
def make_app(database_url, tmp_path):
    """Factory: an app on the test's database with these settings (over TestingConfig's); disposed after."""
    made = []

    def make(url=None, **settings):
        config = type("OpsConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url or database_url, **settings})
        app = create_app(config)
        app.instance_path = str(tmp_path)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def migrate(app, revision: str = "head") -> None:
    """`flask db upgrade [revision]` on the app's database. Alembic's env.py sets up logging from alembic.ini,
    which takes every handler off the root logger (pytest's too): they are put back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        with app.app_context():
            upgrade(directory=str(MIGRATIONS), revision=revision)
            db.session.remove()
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
