"""Server-side login sessions: the cookie carries a random token, the database says if it is alive.

A new token on every sign-in (no session fixation); sign-out marks the row ended, so the old
cookie, and any remember-me cookie made from it, stops working at once. The row keeps only the
token's SHA-256, so a copy of the database (a backup, a leaked dump) signs no one in. A session
dies SESSION_LIFETIME after sign-in whatever the activity, remember-me or not.
"""

import datetime as dt
import secrets

from flask import session
from flask_login import UserMixin, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.config import SESSION_LIFETIME
from app.extensions import db, login_manager
from app.models import Account, LoginSession
from app.models.accounts import hash_token


class SignedIn(UserMixin):
    """The signed-in account as Flask-Login sees it; get_id() is the session token (from the cookie)."""

    def __init__(self, login: LoginSession, token: str):
        self.login = login
        self.account = login.account
        self._token = token

    def get_id(self) -> str:
        return self._token

    @property
    def id(self) -> int:
        return self.account.id


# The account and its people come in the same query: every signed-in request needs the account, and
# most pages then look up one of its people, which the session then holds without a query. Built once,
# with the token's hash as a parameter: building and keying the statement anew cost more than running it.
_LOGIN = (
    select(LoginSession)
    .options(joinedload(LoginSession.account).joinedload(Account.people))
    .where(LoginSession.token_hash == bindparam("token_hash"))
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@login_manager.user_loader
def load_session(token: str) -> SignedIn | None:
    login = db.session.scalars(_LOGIN, {"token_hash": hash_token(token)}).unique().one_or_none()
    return SignedIn(login, token) if login and is_alive(login, utcnow()) else None


def is_alive(login: LoginSession, now: dt.datetime) -> bool:
    """Not signed out, and younger than SESSION_LIFETIME: recent activity does not stretch it."""
    return login.ended_at is None and now < login.created_at + SESSION_LIFETIME


def sign_in(account: Account, remember: bool, now: dt.datetime) -> LoginSession:
    """Start a brand-new session for account (the old cookie contents are dropped)."""
    session.clear()
    token = secrets.token_urlsafe(32)
    login = LoginSession(token_hash=hash_token(token), account=account, created_at=now, remember=remember)
    db.session.add(login)
    db.session.commit()
    login_user(SignedIn(login, token), remember=remember)
    return login


def sign_out(user: SignedIn, now: dt.datetime) -> None:
    """End the session on the server and in the browser."""
    user.login.ended_at = now
    db.session.commit()
    logout_user()
    session.clear()
    session["_remember"] = "clear"  # keep Flask-Login's note to delete the remember-me cookie
