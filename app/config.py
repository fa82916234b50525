"""Configuration classes, chosen by the THINLAYER_ENV environment variable."""

import datetime as dt
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

from app.keyring import keyring_from

ROOT = Path(__file__).resolve().parent.parent
# A sign-in lasts at most this long, however active (app/web/auth/sessions.py), and so does remember-me.
SESSION_LIFETIME = dt.timedelta(days=30)


def _flag(name: str, default: bool) -> bool:
    """A yes/no setting from the environment: 1, true, yes or on is yes; unset is the default."""
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    """Settings shared by every environment."""

    LANGUAGES = ("en", "es", "fr")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "app" / "translations")
    CONTENT_DIR = ROOT / "content"
    # Printed on leaflets as a QR code, so it must be the address patients can reach.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    # Web Push: who push services may contact about our messages (RFC 8292), and a switch for tests.
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:reminders@thinlayer.invalid")
    PUSH_ENABLED = True
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "8025"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "Thinlayer <no-reply@thinlayer.invalid>")
    MAIL_USE_STARTTLS = _flag("MAIL_USE_STARTTLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Cookies live no longer than the server-side session they name (Flask-Login's default is 365 days).
    PERMANENT_SESSION_LIFETIME = SESSION_LIFETIME
    REMEMBER_COOKIE_DURATION = SESSION_LIFETIME
    # Keys for the TOTP secrets at rest, comma-separated Fernet keys: the first encrypts, all decrypt
    # (app/keyring.py; `flask rotate-totp-keys` re-encrypts with the first).
    TOTP_KEYS = ""
    # How many reverse proxies stand in front of the app and set X-Forwarded-For / -Proto (werkzeug's
    # ProxyFix): 0 trusts no header, so a client cannot pick its own address.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # One JSON object a line on standard error (app/logs.py), for a log collector; plain text when off.
    LOG_JSON = _flag("LOG_JSON", False)
    # /metrics in Prometheus's format, to loopback clients only; off unless asked for.
    METRICS_ENABLED = _flag("METRICS_ENABLED", False)
    # /healthz answers 503 when no sweep finished in the last SCHEDULER_LATE_SECONDS, if a scheduler is expected.
    EXPECT_SCHEDULER = _flag("EXPECT_SCHEDULER", False)
    SCHEDULER_LATE_SECONDS = 120
    # /healthz and `flask scheduler` compare the database's Alembic revision with the migration head.
    SCHEMA_CHECK = True
    HSTS = False
    WTF_CSRF_TIME_LIMIT = None
    # Request size: no form or JSON body here comes near 1 MiB; more is a 413 before it is read. A multipart
    # form's text parts are held in memory: at most 100 kB a part, and 200 parts (the longest text field takes
    # 2,000 characters; the biggest form has a few dozen fields). app/web/input_checks.py refuses file parts.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 100_000
    MAX_FORM_PARTS = 200
    # The leaflet PDF cache on disk (instance/cache/leaflets): the least recently used go first beyond this.
    LEAFLET_CACHE_MAX_FILES = 100
    LEAFLET_CACHE_MAX_BYTES = 50 * 1024 * 1024
    # For a static file asked for without its current content hash (a page from before a deploy); with the
    # hash it is kept a year (app/web/static_files.py).
    SEND_FILE_MAX_AGE_DEFAULT = 3600
    # Compression (flask-compress): brotli when the browser takes it, else gzip, for text only; PNG and PDF
    # are compressed already. Bodies under 500 bytes gain less than the header costs. Not registered by
    # flask-compress itself: app/web/compression.py decides which responses may be compressed (BREACH).
    COMPRESS_REGISTER = False
    COMPRESS_ALGORITHM = ("br", "gzip")
    COMPRESS_ALGORITHM_STREAMING = ("br", "gzip")  # static files are sent as streams
    COMPRESS_MIN_SIZE = 500
    # Brotli quality 5, not flask-compress's 4: a topic page 1,543 bytes instead of 1,648, screen.css 2,824
    # instead of 3,101 (gzip: 3,017) for 0.1 ms more; 11 saves 10% more but takes 12-70 ms a response.
    COMPRESS_BR_LEVEL = 5
    COMPRESS_MIMETYPES = (
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
    )

    @classmethod
    def init_instance(cls, app):
        """Hook for settings that depend on the instance folder."""


class LocalConfig(Config):
    """The embedded default: SQLite in the instance folder, a secret key kept beside it."""

    @classmethod
    def init_instance(cls, app):
        instance = Path(app.instance_path)
        instance.mkdir(parents=True, exist_ok=True)
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _kept_secret(instance / "secret_key")
        if not app.config.get("TOTP_KEYS"):
            made = os.environ.get("TOTP_KEYS") or _kept_secret(instance / "totp_key", _new_fernet_key)
            app.config["TOTP_KEYS"] = made
        keyring_from(app.config["TOTP_KEYS"])  # a malformed key stops start-up, not the first sign-in
        if not app.config.get("SQLALCHEMY_DATABASE_URI"):
            default = f"sqlite:///{instance / 'thinlayer.sqlite3'}"
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL") or default


class TestingConfig(LocalConfig):
    """Tests: an in-memory SQLite; database tests also run on TEST_DATABASE_URL (tests/conftest.py)."""

    TESTING = True
    SECRET_KEY = "testing"
    TOTP_KEYS = "dGVzdGluZy10b3RwLWtleS0zMi1ieXRlcy1sb25nISE="  # fixed, so a test can name the key
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # Test schemas are made from the models (db.create_all), so they carry no Alembic revision.
    SCHEMA_CHECK = False
    EXPECT_SCHEDULER = False


class ProductionConfig(Config):
    """Production: secrets come from the environment, and missing ones stop start-up."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    LOG_JSON = _flag("LOG_JSON", True)
    EXPECT_SCHEDULER = _flag("EXPECT_SCHEDULER", True)
    # Browsers go to https:// only, for a year, on every subdomain too (the proxy serves TLS).
    HSTS = True

    @classmethod
    def init_instance(cls, app):
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL", "TOTP_KEYS") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(f"production needs these environment variables: {', '.join(missing)}")
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
        app.config["TOTP_KEYS"] = os.environ["TOTP_KEYS"]
        keyring_from(app.config["TOTP_KEYS"])  # a malformed key stops start-up


CONFIGS = {"local": LocalConfig, "testing": TestingConfig, "production": ProductionConfig}


def config_from_env() -> type[Config]:
    """The config class named by THINLAYER_ENV (default: local)."""
    name = os.environ.get("THINLAYER_ENV", "local")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"THINLAYER_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None


def _new_fernet_key() -> str:
    return Fernet.generate_key().decode()


def _kept_secret(path: Path, make=lambda: secrets.token_urlsafe(48)) -> str:
    """Read the secret at path, making it (readable by the owner only) on first use.

    The new key is written to a private temporary file and linked into place, so two
    server workers starting at once agree on one key and never read a half-written file.
    """
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(make())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
