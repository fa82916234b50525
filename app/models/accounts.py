"""Accounts, the people in them, login sessions, password resets and failed logins."""

import datetime as dt
import hashlib

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime


class Account(db.Model):
    """Someone who signs in: a patient, or a parent who looks after a child's treatment."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    people: Mapped[list["Person"]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="Person.id"
    )


class Person(db.Model):
    """Someone whose treatment is followed: the account holder or a child. Has their own time zone."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    account: Mapped[Account] = relationship(back_populates="people")


def hash_token(token: str) -> str:
    """The SHA-256 of a random token, as stored: a copy of the database gives no usable cookie or link."""
    return hashlib.sha256(token.encode()).hexdigest()


class LoginSession(db.Model):
    """A signed-in session; the cookie holds its random token and the row only the token's hash
    (hash_token), so logout ends it on the server and a copy of the table signs no one in."""

    __tablename__ = "login_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Clinicians only: when this session passed the TOTP step, and its last request (for the idle timeout).
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    account: Mapped[Account] = relationship()


class PasswordReset(db.Model):
    """A single-use reset link; only a hash of its token is stored."""

    __tablename__ = "password_resets"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginFailure(db.Model):
    """A failed sign-in, counted per account and per address to slow down guessing."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)  # "email:..." or "ip:..."
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
