"""Backup and restore of the whole database, on either engine (`flask backup PATH`, `flask restore PATH`).

- SQLite: SQLite's online backup API, page by page, consistent while the app keeps writing; the copy is
  an ordinary SQLite file. Restoring copies it back over the live database the same way.
- PostgreSQL: `pg_dump -Fc` (a consistent snapshot, taken while the app runs) and
  `pg_restore --clean --if-exists` in one transaction, which replaces what the dump holds and leaves
  the database as it was if anything fails.

Stop the web workers and schedulers before a restore: they would go on writing over what it puts back.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, Engine


class BackupError(Exception):
    """A backup or restore that did not complete; the message says why."""


def backup(engine: Engine, path: Path) -> None:
    """Write a copy of the database at `engine` to `path`."""
    if engine.dialect.name == "sqlite":
        _sqlite_copy(engine, path, into_file=True)
    elif engine.dialect.name == "postgresql":
        _run_postgres("pg_dump", engine.url, ["--format=custom", "--no-owner", f"--file={path}"])
    else:
        raise BackupError(f"no backup for {engine.dialect.name} databases")


def restore(engine: Engine, path: Path) -> None:
    """Replace the database at `engine` with the copy at `path` (made by backup())."""
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    if engine.dialect.name == "sqlite":
        _sqlite_copy(engine, path, into_file=False)
    elif engine.dialect.name == "postgresql":
        options = ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", str(path)]
        _run_postgres("pg_restore", engine.url, options)
    else:
        raise BackupError(f"no restore for {engine.dialect.name} databases")
    engine.dispose()  # pooled connections hold pages and statistics of the database before


def _sqlite_copy(engine: Engine, path: Path, into_file: bool) -> None:
    """Copy the live database to the file at path (into_file) or the file's database into the live one."""
    live = engine.raw_connection()
    file = sqlite3.connect(path)
    try:
        source, target = (live.driver_connection, file) if into_file else (file, live.driver_connection)
        source.backup(target)
    except sqlite3.Error as error:
        raise BackupError(f"{path}: {error}") from None
    finally:
        file.close()
        live.close()


def _run_postgres(tool: str, url: URL, options: list[str]) -> None:
    """Run pg_dump or pg_restore on the database at url; the password goes in the environment, not argv."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run([tool, f"--dbname={dsn}", *options], env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()}")
