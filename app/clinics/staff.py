"""Clinics and their clinicians: creation, emailed invitations, and the TOTP second factor."""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import pyotp
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import accounts
from app.extensions import db
from app.models import Account, Clinic, Clinician, ClinicInvite

# Easy to read aloud and type: no 0/O, 1/I/l (and no lower case at all).
JOIN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 8
INVITE_LIFETIME = dt.timedelta(days=7)
TOTP_ISSUER = "Thinlayer"


class StaffError(Exception):
    """Something asked for cannot be done; the web layer or the command says why."""


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(text: str) -> str:
    """A typed code as stored: spaces and dashes dropped, upper case. 0, O, 1, I and L are never issued,
    so a code with one of them matches nothing rather than the wrong clinic."""
    return "".join(c for c in text.upper() if c not in " -")[:32]


def create_clinic(name: str, phone: str, now: dt.datetime) -> Clinic:
    """A clinic with a fresh join code (drawn again in the unlikely case it is taken)."""
    for _ in range(5):
        clinic = Clinic(name=name.strip(), phone=phone.strip(), join_code=new_join_code(), created_at=now)
        db.session.add(clinic)
        try:
            db.session.commit()
            return clinic
        except IntegrityError:
            db.session.rollback()
    raise StaffError("could not draw a free join code")


def clinic_by_code(text: str) -> Clinic | None:
    return db.session.scalar(select(Clinic).where(Clinic.join_code == normalise_join_code(text)))


def create_clinician(clinic: Clinic, email: str, password: str, name: str, is_admin: bool, now: dt.datetime,
                     locale: str = "en") -> Clinician:  # fmt: skip
    """A clinician account (no patients of its own); it must enrol a TOTP authenticator at first sign-in."""
    accounts._require_strong(password, (email, name))
    if accounts.find_account(email) is not None:
        raise accounts.EmailTaken()
    account = Account(email=accounts.normalise_email(email), password_hash=accounts.hasher.hash(password),
                      locale=locale, created_at=now)  # fmt: skip
    clinician = Clinician(account=account, clinic_id=clinic.id, name=name.strip(), is_admin=is_admin, created_at=now)
    db.session.add(clinician)
    db.session.commit()
    return clinician


def clinician_for(account_id: int) -> Clinician | None:
    return db.session.scalar(select(Clinician).where(Clinician.account_id == account_id))


# --- invitations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invite:
    invite: ClinicInvite
    token: str  # only ever in the email; the database holds its hash


def invite_clinician(by: Clinician, email: str, is_admin: bool, now: dt.datetime) -> Invite:
    """A single-use link, valid for a week, for someone to join `by`'s clinic; only admins may invite."""
    if not by.is_admin:
        raise StaffError("only a clinic admin can invite")
    token = secrets.token_urlsafe(32)
    invite = ClinicInvite(token_hash=_hash(token), clinic_id=by.clinic_id, email=accounts.normalise_email(email),
                          is_admin=is_admin, invited_by=by.id, expires_at=now + INVITE_LIFETIME)  # fmt: skip
    db.session.add(invite)
    db.session.commit()
    return Invite(invite, token)


def open_invite(token: str, now: dt.datetime) -> ClinicInvite | None:
    invite = db.session.get(ClinicInvite, _hash(token))
    return invite if invite and invite.used_at is None and invite.expires_at > now else None


def accept_invite(token: str, name: str, password: str, now: dt.datetime) -> Clinician | None:
    """The invited person's clinician account; None if the link is unknown, used or expired."""
    invite = open_invite(token, now)
    if invite is None:
        return None
    clinic = db.session.get(Clinic, invite.clinic_id)
    clinician = create_clinician(clinic, invite.email, password, name, invite.is_admin, now)
    unused = (ClinicInvite.token_hash == _hash(token), ClinicInvite.used_at.is_(None))
    used = db.session.execute(update(ClinicInvite).where(*unused).values(used_at=now))
    db.session.commit()
    return clinician if used.rowcount == 1 else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- TOTP ---------------------------------------------------------------------------------------


def start_enrolment(clinician: Clinician) -> str:
    """The otpauth URI for the authenticator app; the secret is made once, so reloading the page keeps
    the QR code already scanned. Until the first code confirms it, sign-in still asks to enrol."""
    if clinician.totp_secret is None:
        clinician.totp_secret = pyotp.random_base32()
        db.session.commit()
    return provisioning_uri(clinician)


def provisioning_uri(clinician: Clinician) -> str:
    return pyotp.TOTP(clinician.totp_secret).provisioning_uri(name=clinician.account.email, issuer_name=TOTP_ISSUER)


def check_code(clinician: Clinician, code: str, now: dt.datetime) -> bool:
    """True once for a code from the authenticator (30-second steps, one step of clock drift allowed).

    A code that has been used is refused after that, so a code seen over a shoulder cannot be replayed.
    """
    code = "".join(c for c in code if c.isdigit())
    if not clinician.totp_secret or len(code) != 6:
        return False
    totp, step = pyotp.TOTP(clinician.totp_secret), int(now.timestamp()) // 30
    for candidate in (step - 1, step, step + 1):
        if candidate > clinician.totp_last_step and secrets.compare_digest(totp.at(candidate * 30), code):
            used = db.session.execute(update(Clinician).where(Clinician.id == clinician.id,
                                                              Clinician.totp_last_step < candidate)
                                      .values(totp_last_step=candidate))  # fmt: skip
            db.session.commit()
            if used.rowcount == 1:
                clinician.totp_last_step = candidate
                return True
            return False
    return False


def record_wrong_code(clinician: Clinician, ip: str | None, now: dt.datetime) -> bool:
    """Count a wrong code against the account's sign-in limit; True once it is reached.

    The password step and the code step share the limit, so guessing codes ends in the same
    15-minute wait as guessing passwords.
    """
    email = clinician.account.email
    accounts.record_failure(email, ip, now)
    return accounts.is_limited(email, ip, now)


def confirm_enrolment(clinician: Clinician, code: str, now: dt.datetime) -> bool:
    """Enrolment ends when the first code from the new authenticator checks out."""
    if clinician.totp_enrolled_at is not None or not check_code(clinician, code, now):
        return False
    clinician.totp_enrolled_at = now
    db.session.commit()
    return True
