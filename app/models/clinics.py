"""Clinics, their clinicians and invitations, and the consented links between patients and clinics."""

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.keyring import totp_keyring
from app.models.types import Encrypted, UTCDateTime


class Clinic(db.Model):
    """A clinic: its name and phone (printed on leaflets) and the short code patients join with."""

    __tablename__ = "clinics"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Clinician(db.Model):
    """An account that works for a clinic; it signs in with a password and a TOTP code."""

    __tablename__ = "clinicians"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), unique=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when enrolment starts; encrypted with the TOTP_KEYS keyring (a Fernet token is ~140 characters).
    totp_secret: Mapped[str | None] = mapped_column(Encrypted(totp_keyring, 255), nullable=True)
    totp_enrolled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)  # a code is accepted once
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    clinic: Mapped[Clinic] = relationship()
    account = relationship("Account")


class ClinicInvite(db.Model):
    """A single-use invitation to join a clinic as a clinician; only a hash of its token is stored."""

    __tablename__ = "clinic_invites"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id", ondelete="SET NULL"), nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ClinicLink(db.Model):
    """A person's consent to share their record with a clinic; access ends the moment `ended_at` is set."""

    __tablename__ = "clinic_links"
    __table_args__ = (UniqueConstraint("person_id", "clinic_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by: Mapped[str] = mapped_column(String(16), default="")  # "patient" or "clinic"
    clinic: Mapped[Clinic] = relationship()
