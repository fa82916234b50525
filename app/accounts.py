"""Accounts: sign up, sign in with a rate limit, password reset, people in an account, preferences.

Plain values in, models out, and the clock is always a parameter. Errors are exceptions the web
layer turns into messages in the reader's language; nothing here knows about requests.
"""

import datetime as dt
import hashlib
import ipaddress
import re
import secrets
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from zxcvbn import zxcvbn

from app.extensions import db
from app.models import Account, LoginFailure, LoginSession, PasswordReset, Person
from app.patients.plans import refresh_slots

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 is "safely unguessable" against an online attack, 4 against offline
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20
RESET_LIFETIME = dt.timedelta(hours=1)
MAX_OPEN_RESETS = 3  # links alive at once for one account: stops the form being used to flood a mailbox
DEFAULT_TIMEZONE = "Europe/London"

# argon2id with the library's RFC 9106 parameters; tests swap in a cheaper one of the same kind.
hasher = PasswordHasher()


class AccountError(Exception):
    """Something the person asked for cannot be done; the web layer says why."""


class EmailTaken(AccountError):
    """Another account already uses this email address."""


class WeakPassword(AccountError):
    """The password is too short or too easy to guess; `check` says why."""

    def __init__(self, check: "PasswordCheck"):
        super().__init__("password too weak")
        self.check = check


class UnknownTimezone(AccountError):
    """The time zone is not an IANA zone this server knows."""


@dataclass(frozen=True)
class PasswordCheck:
    """How strong a password is; warning and suggestions are zxcvbn's English hints."""

    too_short: bool
    score: int
    warning: str = ""
    suggestions: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.too_short and self.score >= MIN_PASSWORD_SCORE


@dataclass(frozen=True)
class ResetLink:
    """A reset just started: the account and the token to mail (the only copy of it)."""

    account: Account
    token: str


# --- values -----------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone a person can pick, sorted; "localtime" and "Factory" are not places."""
    return tuple(sorted(zoneinfo.available_timezones() - {"localtime", "Factory"}))


def check_password(password: str, user_inputs: Iterable[str] = ()) -> PasswordCheck:
    """Length and zxcvbn score of a password; words from the person's email and name count as guessable."""
    words = [w for value in user_inputs if value for w in (value, *re.split(r"[\W_]+", value)) if w]
    # zxcvbn refuses more than 72 characters; anything that long is past the length rule anyway.
    result = zxcvbn(password[:72], user_inputs=words)
    feedback = result["feedback"]
    return PasswordCheck(
        too_short=len(password) < MIN_PASSWORD_LENGTH,
        score=result["score"],
        warning=feedback.get("warning") or "",
        suggestions=tuple(feedback.get("suggestions") or ()),
    )


def _require_strong(password: str, user_inputs: Iterable[str]) -> None:
    check = check_password(password, user_inputs)
    if not check.ok:
        raise WeakPassword(check)


def _require_timezone(timezone: str) -> None:
    if timezone not in timezone_names():
        raise UnknownTimezone(timezone)


# --- sign up and sign in ----------------------------------------------------------------------


def find_account(email: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.email == normalise_email(email)))


def create_account(email: str, password: str, name: str, timezone: str, locale: str, now: dt.datetime) -> Account:
    """A new account with its first person; EmailTaken, WeakPassword or UnknownTimezone otherwise."""
    email, name = normalise_email(email), name.strip()
    _require_strong(password, (email, name))
    _require_timezone(timezone)
    if find_account(email) is not None:
        raise EmailTaken(email)
    account = Account(email=email, password_hash=hasher.hash(password), locale=locale, created_at=now)
    account.people.append(Person(name=name, timezone=timezone, created_at=now))
    db.session.add(account)
    try:
        db.session.commit()
    except IntegrityError:  # the same address signed up a moment ago, in another request
        db.session.rollback()
        raise EmailTaken(email) from None
    return account


def authenticate(email: str, password: str, ip: str | None, now: dt.datetime) -> Account | None:
    """The account if the password matches and neither the email nor the address is over its limit.

    None in every other case, so a caller cannot tell a wrong password from a blocked one.
    A success clears the email's failures.
    """
    if is_limited(email, ip, now):
        return None
    account = find_account(email)
    # An unknown email is checked against a dummy hash, so it takes as long as a known one.
    matches = _verify(account.password_hash if account else _dummy_hash(hasher), password)
    if account is None or not matches:
        record_failure(email, ip, now)
        return None
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == _email_key(email)))
    if hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hasher.hash(password)
    db.session.commit()
    return account


def is_limited(email: str, ip: str | None, now: dt.datetime) -> bool:
    """Too many recent failures for this email, or from this address."""
    since = now - FAILURE_WINDOW

    def failures(key: str) -> int:
        query = select(func.count()).select_from(LoginFailure).where(LoginFailure.key == key, LoginFailure.at > since)
        return db.session.scalar(query)

    return (
        failures(_email_key(email)) >= MAX_FAILURES_PER_EMAIL or failures(_address_key(ip)) >= MAX_FAILURES_PER_ADDRESS
    )


def record_failure(email: str, ip: str | None, now: dt.datetime) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.at <= now - FAILURE_WINDOW))  # keep the table small
    db.session.add_all([LoginFailure(key=_email_key(email), at=now), LoginFailure(key=_address_key(ip), at=now)])
    db.session.commit()


def _email_key(email: str) -> str:
    return f"email:{normalise_email(email)}"[:300]


def _address_key(ip: str | None) -> str:
    """IPv4 addresses count one by one; IPv6 ones by /64, the block one home or phone is given."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return f"ip:{ip or 'unknown'}"[:300]
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.version == 6:
        return f"ip:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"ip:{address}"


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(with_hasher: PasswordHasher) -> str:
    return with_hasher.hash(secrets.token_urlsafe(16))


# --- password reset ---------------------------------------------------------------------------


def start_reset(email: str, now: dt.datetime) -> ResetLink | None:
    """A single-use reset token for this email's account, valid for an hour; None if there is no account.

    Only the token's SHA-256 is stored. None too when the account already has several live links.
    """
    account = find_account(email)
    if account is None or _open_resets(account, now) >= MAX_OPEN_RESETS:
        return None
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(token_hash=_token_hash(token), account_id=account.id, expires_at=now + RESET_LIFETIME))
    db.session.commit()
    return ResetLink(account, token)


def reset_account(token: str, now: dt.datetime) -> Account | None:
    """The account a reset token belongs to, if the link is unused and unexpired (reads only)."""
    reset = db.session.get(PasswordReset, _token_hash(token))
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        return None
    return db.session.get(Account, reset.account_id)


def finish_reset(token: str, password: str, now: dt.datetime) -> Account | None:
    """Set a new password through a reset link and end every session of the account.

    None if the link is unknown, used or expired; WeakPassword (link still usable) if too weak.
    """
    account = reset_account(token, now)
    if account is None:
        return None
    _require_strong(password, (account.email,))
    # One conditional UPDATE, so two requests racing with the same link cannot both use it.
    used = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.token_hash == _token_hash(token), PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:
        db.session.rollback()
        return None
    account.password_hash = hasher.hash(password)
    _end_sessions(account, now)
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.account_id == account.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == _email_key(account.email)))
    db.session.commit()
    return account


def _end_sessions(account: Account, now: dt.datetime) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.account_id == account.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def _open_resets(account: Account, now: dt.datetime) -> int:
    query = select(func.count()).select_from(PasswordReset)
    return db.session.scalar(
        query.where(
            PasswordReset.account_id == account.id, PasswordReset.used_at.is_(None), PasswordReset.expires_at > now
        )
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- people and preferences -------------------------------------------------------------------


def add_person(account: Account, name: str, timezone: str, now: dt.datetime) -> Person:
    """Another person whose treatment this account follows (a child, say)."""
    _require_timezone(timezone)
    person = Person(account_id=account.id, name=name.strip(), timezone=timezone, created_at=now)
    db.session.add(person)
    db.session.commit()
    return person


def update_person(person: Person, name: str, timezone: str, now: dt.datetime) -> Person:
    """Rename a person or move them to another time zone; their future dose slots follow the zone."""
    _require_timezone(timezone)
    moved = timezone != person.timezone
    person.name, person.timezone = name.strip(), timezone
    if moved:
        refresh_slots(person, now)
    db.session.commit()
    return person


def set_locale(account: Account, locale: str) -> Account:
    """The language the account's pages and emails use."""
    account.locale = locale
    db.session.commit()
    return account
