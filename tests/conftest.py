"""Fixtures shared by every test: the app, its clients, and a page-checking client."""

import datetime as dt
import os
import secrets
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from bs4 import BeautifulSoup
from sqlalchemy.engine import make_url

from app import accounts, create_app
from app.config import Config, TestingConfig
from app.content.store import ContentStore
from app.extensions import db
from app.models import Account, LoginSession, Person
from app.models.accounts import hash_token
from tests import smtp
from tests.databases import empty_schema, postgres_url, release


@pytest.fixture(scope="session", autouse=True)
def packs_read_once():
    """Every test makes its own app; the shipped content packs (which no test changes) are read once.

    A test that loads its own packs from another folder still reads them itself.
    """
    load, loaded = ContentStore.load.__func__, {}

    def load_once(cls, content_dir, locales):
        if Path(content_dir) != Config.CONTENT_DIR:
            return load(cls, content_dir, locales)
        key = tuple(locales)
        if key not in loaded:
            loaded[key] = load(cls, content_dir, locales)
        return loaded[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ContentStore, "load", classmethod(load_once))
        yield


# Database tests run on SQLite, and on PostgreSQL too when TEST_DATABASE_URL names one. Under
# pytest-xdist (`make test` runs a worker per core) each worker has a database of its own.
if os.environ.get("TEST_DATABASE_URL") and os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["TEST_DATABASE_URL"] = postgres_url(make_url(os.environ["TEST_DATABASE_URL"]).database)
DATABASE_URLS = ["sqlite://"] + ([os.environ["TEST_DATABASE_URL"]] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=DATABASE_URLS, ids=lambda url: url.split(":", 1)[0].split("+")[0])
def db_config(request):
    """TestingConfig on each database the suite can reach, in turn."""
    return type("DatabaseTestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": request.param})


@pytest.fixture
def app(tmp_path, db_config):
    """A fresh app with its own instance cache, on each database the suite can reach in turn."""
    app = create_app(db_config)
    app.instance_path = str(tmp_path)
    # No app context stays pushed: each request must get its own, as in production.
    empty_schema(app)
    yield app
    release(app)


@pytest.fixture
def database(app):
    """The app with its context pushed, for calling services directly as a command or the scheduler would."""
    with app.app_context():
        yield app


@pytest.fixture
def quick_hashes(monkeypatch):
    """argon2id still, with the smallest cost, so dozens of sign-ins take milliseconds."""
    monkeypatch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class PageClient:
    """Fetches pages and checks what every page must have before a test looks further."""

    def __init__(self, client):
        self.client = client

    def get(self, url, status=200, **kwargs) -> BeautifulSoup:
        response = self.client.get(url, **kwargs)
        assert response.status_code == status, f"{url}: {response.status_code}"
        assert response.mimetype == "text/html"
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        check_page(soup, url)
        soup.response = response
        return soup


def check_page(soup: BeautifulSoup, url: str) -> None:
    """A title, a lang attribute, one h1, labelled fields and no traceback."""
    assert soup.title and soup.title.get_text(strip=True), f"{url}: no <title>"
    assert soup.html.get("lang"), f"{url}: no lang on <html>"
    assert len(soup.find_all("h1")) == 1, f"{url}: needs exactly one <h1>"
    assert "Traceback" not in soup.get_text(), f"{url}: a traceback reached the page"
    for field in soup.select("input, select, textarea"):
        if field.get("type") in ("hidden", "submit"):
            continue
        labelled = field.get("aria-label") or (field.get("id") and soup.find("label", attrs={"for": field["id"]}))
        assert labelled, f"{url}: a form field has no label: {field}"


@pytest.fixture
def pages(client):
    """Like client, but every page fetched is checked with check_page."""
    return PageClient(client)


NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def make_account(app):
    """Factory: an account with one person (or the people given), stored and returned."""

    def make(email="pat@example.org", locale="en", people=(("Me", "Europe/London"),), password_hash="unused"):
        with app.app_context():
            account = Account(email=email, password_hash=password_hash, locale=locale, created_at=NOW)
            for name, timezone in people:
                account.people.append(Person(name=name, timezone=timezone, created_at=NOW))
            db.session.add(account)
            db.session.commit()
            db.session.refresh(account)
            for person in account.people:
                db.session.refresh(person)
            db.session.expunge_all()
            return account

    return make


@pytest.fixture
def sign_in(app, client):
    """Sign the test client in as an account, through a real server-side login session."""

    def sign(account):
        token = secrets.token_urlsafe(32)
        with app.app_context():
            # Started now by the wall clock: a session dies 30 days after sign-in (app/web/auth/sessions.py).
            started = dt.datetime.now(dt.UTC)
            db.session.add(LoginSession(token_hash=hash_token(token), account_id=account.id, created_at=started))
            db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        return token

    return sign


def csrf_from(client, url) -> str:
    """The CSRF token of the form on the page at url, as a browser would send it."""
    soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return soup.find("input", attrs={"name": "csrf_token"})["value"]


@pytest.fixture
def inbox(app):
    """A real SMTP server on 127.0.0.1 and a free port; the app sends its mail there."""
    yield from smtp.serve(app)
