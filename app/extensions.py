"""Extensions, created unbound and wired in create_app."""

from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for every model."""


# A session lives for one request: objects stay loaded after commit instead of being read again.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
compress = Compress()


def configure_sqlite(engine) -> None:
    """WAL mode, a busy timeout, NORMAL sync, foreign keys checked, deleted content overwritten and a 64 MiB
    page cache, for every SQLite connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL never corrupts the file; at worst the last commits before a power cut are lost.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not left readable in free space: a deleted account's
        # health data must not stay in the file (or in a copy of it). The WAL keeps old page images only
        # until a checkpoint reuses or truncates it.
        cursor.execute("PRAGMA secure_delete=ON")
        # 64 MiB of page cache a connection (SQLite's default is 2 MiB), filled only as pages are read:
        # the clinic dashboard's joins over 1,000 patients ran 12% faster with it.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "checkout")
    def _checked(dbapi_connection, record, _proxy):
        # A bulk job that turned the checks off (app.models.bulk) leaves a note: on again before reuse.
        if record.info.pop("foreign_keys_off", False):
            dbapi_connection.execute("PRAGMA foreign_keys=ON")


def configure_postgresql(engine) -> None:
    """Settings for every PostgreSQL connection.

    JIT compilation off: our queries take milliseconds, and compiling them (30 ms and more, once the
    planner's estimate passes jit_above_cost) costs more than it saves. 16 MB for each sort or hash
    (the default is 4 MB): the clinic dashboard's per-person counts over 1,000 patients sort ~50,000
    rows, which spilled 1.9 MB to disk at the default and took ~20% longer (bench/README.md).
    """
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _settings(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
            cursor.execute("SET work_mem = '16MB'")
        dbapi_connection.commit()


login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None  # the sign-in page itself says what to do, in the reader's language
login_manager.session_protection = None  # sessions are server-side rows (app/web/auth/sessions.py)
