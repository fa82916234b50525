"""Login sessions at rest: only a hash of the token is stored, and no session outlives 30 days."""

import datetime as dt
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import text, update

from app import accounts
from app.extensions import db
from app.models import LoginSession
from app.models.accounts import hash_token
from app.web.auth.sessions import is_alive
from tests.conftest import csrf_from
from tests.web.test_auth import STRONG


@pytest.fixture
def account(make_account):
    """pat@example.org, whose password is STRONG, with one person."""
    return make_account(password_hash=accounts.hasher.hash(STRONG))


def log_in(client, remember=False):
    data = {"csrf_token": csrf_from(client, "/account/login"), "email": "pat@example.org", "password": STRONG}
    response = client.post("/account/login", data=data | ({"remember": "y"} if remember else {}))
    assert response.status_code == 302
    return response


def signed_in(client) -> bool:
    return client.get("/account/people").status_code == 200


def cookie_token(client) -> str:
    with client.session_transaction() as session:
        return session["_user_id"]


def stored_tokens(app) -> list[str]:
    """The login_sessions key column as the database holds it, read with SQL."""
    with app.app_context(), db.engine.connect() as connection:
        return list(connection.execute(text("SELECT token_hash FROM login_sessions")).scalars())


def test_the_database_holds_only_the_hash_of_the_session_token_and_signing_in_still_works(app, client, account):
    log_in(client, remember=True)
    token = cookie_token(client)
    assert stored_tokens(app) == [hash_token(token)] and token not in stored_tokens(app)[0]
    assert signed_in(client)


def test_the_remember_me_cookie_alone_signs_in_though_only_a_hash_is_stored(app, client, account):
    log_in(client, remember=True)
    remember = client.get_cookie("remember_token").value
    assert not any(part in stored_tokens(app)[0] for part in remember.split("|"))
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert signed_in(fresh)


def test_the_remember_me_cookie_lasts_no_more_than_30_days(client, account):
    response = log_in(client, remember=True)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=30)
    assert expires - dt.datetime.now(dt.UTC) > dt.timedelta(days=29)


def test_a_session_31_days_old_is_refused_however_recently_it_was_used(app, client, account):
    log_in(client, remember=True)
    remember = client.get_cookie("remember_token").value
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        db.session.execute(update(LoginSession).values(created_at=now - dt.timedelta(days=31), seen_at=now))
        db.session.commit()
    assert not signed_in(client)
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert not signed_in(fresh), "remember-me does not bring it back either"


@pytest.mark.parametrize(
    ("age", "alive"),
    [(dt.timedelta(days=29, hours=23), True), (dt.timedelta(days=30), False), (dt.timedelta(days=400), False)],
)
def test_a_session_lives_30_days_from_sign_in(age, alive):
    now = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    login = LoginSession(token_hash=hash_token("t"), account_id=1, created_at=now - age, seen_at=now)
    assert is_alive(login, now) is alive
