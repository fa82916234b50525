"""Test databases: a PostgreSQL database per pytest-xdist worker, and a fresh, empty schema for each
test, made cheaply on PostgreSQL."""

import os

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from app.extensions import db


def postgres_url(name: str, base: str | None = None) -> str | None:
    """`base` (default TEST_DATABASE_URL) with its database renamed to `name`, made if missing; None
    when there is no PostgreSQL to use. Under pytest-xdist the name ends with the worker's id, so
    workers never share a database; TEST_DATABASE_PREFIX keeps several checkouts testing on one server
    apart."""
    base = base or os.environ.get("TEST_DATABASE_URL")
    if not base:
        return None
    if prefix := os.environ.get("TEST_DATABASE_PREFIX"):
        name = f"{prefix}_{name.removeprefix(prefix + '_')}"
    if worker := os.environ.get("PYTEST_XDIST_WORKER"):
        name = f"{name.removesuffix('_' + worker)}_{worker}"
    import psycopg
    from psycopg import sql

    url = make_url(base)
    with psycopg.connect(_libpq(url), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.set(database=name).render_as_string(hide_password=False)


def _libpq(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


# PostgreSQL databases whose schema this process made and keeps from test to test, emptied each time.
_KEPT: set[str] = set()


def empty_schema(app) -> None:
    """Every model table, empty, with ids counting from 1 again.

    On PostgreSQL the tables are made once a process and emptied with TRUNCATE before each test:
    dropping and making them took ~230 ms a test, emptying them ~75 ms. They are made anew whenever
    a test left other tables than the models' (the migration test drops them all, say).
    """
    with app.app_context():
        engine, tables = db.engine, set(db.metadata.tables)
        url = _key(engine)
        if engine.dialect.name == "postgresql" and url in _KEPT and set(inspect(engine).get_table_names()) == tables:
            quoted = ", ".join(engine.dialect.identifier_preparer.quote(name) for name in sorted(tables))
            with engine.begin() as connection:
                connection.exec_driver_sql(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        else:
            db.drop_all()  # a shared PostgreSQL database may hold tables from an interrupted run
            db.create_all()
            if engine.dialect.name == "postgresql":
                _KEPT.add(url)


def release(app) -> None:
    """After a test: end its sessions; tables stay only where empty_schema keeps them for the next test."""
    with app.app_context():
        db.session.remove()
        if _key(db.engine) not in _KEPT:
            db.drop_all()
        db.engine.dispose()


def _key(engine) -> str:
    return engine.url.render_as_string(hide_password=False)
