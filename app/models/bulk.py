"""Adding many rows at once, where a row that exists already (same unique key) is left as it is.

Two processes doing this at once add each row once. `insert_new_values` takes tuples already in the
database's own form (see `stored`) and hands them straight to the driver, for the horizon's millions
of rows.
"""

import datetime as dt

from sqlalchemy import Boolean, Date, Integer, String, Table, text

from app.extensions import db
from app.models.types import UTCDateTime

PG_ARRAY_TYPES = {UTCDateTime: "timestamptz", Date: "date", Integer: "int", String: "text", Boolean: "bool"}


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def begin_bulk_write() -> None:
    """Start the session's transaction as a writer, for a bulk job that adds rows pointing at rows it reads.

    On SQLite the job then holds the one write lock from its first read, so nothing it read can be
    deleted before it commits, and the per-row foreign-key checks (a sixth of the horizon's time) are
    skipped for this transaction: the connection turns them on again at its next checkout. On
    PostgreSQL nothing changes: the constraints hold and are checked as always.
    """
    if dialect_name() == "sqlite":
        connection = db.session.connection()
        connection.connection.info["foreign_keys_off"] = True  # app.extensions turns them on at the next checkout
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, where it takes effect

        db.session.execute(text("BEGIN IMMEDIATE"))


def refresh_statistics() -> None:
    """Give SQLite's query planner fresh table statistics, as PostgreSQL's autovacuum does by itself.

    An approximate ANALYZE (at most ~1,000 rows read per index), quick even on millions of rows; the
    daily clean-up runs it. Without statistics SQLite plans the dashboard's joins some 20% slower.
    """
    if dialect_name() == "sqlite":
        db.session.execute(text("PRAGMA analysis_limit=1000"))
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def stored(value, postgres: bool):
    """A value as the driver takes it: SQLite keeps instants as naive UTC text, as SQLAlchemy writes them."""
    if postgres or not isinstance(value, dt.date):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat()


def insert_new_values(table: Table, columns: list[str], rows: list[tuple], chunk: int = 50_000) -> int:
    """Insert the rows (tuples made with `stored`) whose unique keys are free; returns how many were new."""
    names = ", ".join(columns)
    connection = db.session.connection().execution_options(preserve_rowcount=True)
    if dialect_name() != "postgresql":
        sql = f"INSERT OR IGNORE INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"
        return sum(connection.exec_driver_sql(sql, rows[i : i + chunk]).rowcount for i in range(0, len(rows), chunk))
    # One statement per chunk: the columns go as arrays and unnest makes them rows again.
    types = [next(t for k, t in PG_ARRAY_TYPES.items() if isinstance(table.c[c].type, k)) for c in columns]
    arrays = ", ".join(f"%s::{t}[]" for t in types)
    sql = f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"
    added = 0
    for i in range(0, len(rows), chunk):
        added += connection.exec_driver_sql(sql, tuple(map(list, zip(*rows[i : i + chunk], strict=True)))).rowcount
    return added
