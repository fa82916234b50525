"""Factories for clinics and clinicians, and signing a test client in as a clinician past the TOTP step."""

import datetime as dt
import secrets

import pyotp

from app.extensions import db
from app.models import Account, Clinic, Clinician, ClinicLink, LoginSession
from app.models.accounts import hash_token


def make_clinic(app, name="Riverside Skin Clinic", code="RVRS2345", phone="+44 20 7946 0123") -> Clinic:
    with app.app_context():
        clinic = Clinic(name=name, phone=phone, join_code=code, created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        db.session.add(clinic)
        db.session.commit()
        db.session.expunge(clinic)
        return clinic


def make_clinician(app, clinic: Clinic, email: str, name="Dr Rivera", admin=False, enrolled=True) -> Clinician:
    """A clinician account (password "unused"); enrolled with a known TOTP secret unless told otherwise."""
    with app.app_context():
        account = Account(email=email, password_hash="unused", locale="en", created_at=clinic.created_at)
        clinician = Clinician(account=account, clinic_id=clinic.id, name=name, is_admin=admin,
                              totp_secret=pyotp.random_base32() if enrolled else None,
                              totp_enrolled_at=clinic.created_at if enrolled else None, created_at=clinic.created_at)  # fmt: skip
        db.session.add(clinician)
        db.session.commit()
        db.session.refresh(clinician)
        db.session.expunge_all()
        return clinician


def sign_in_clinician(app, client, clinician: Clinician, verified=True) -> str:
    """A server-side session for the clinician's account, past the TOTP step unless told otherwise."""
    token = secrets.token_urlsafe(32)
    with app.app_context():
        login = LoginSession(token_hash=hash_token(token), account_id=clinician.account_id,
                             created_at=dt.datetime.now(dt.UTC),
                             verified_at=dt.datetime.now(dt.UTC) if verified else None)  # fmt: skip
        db.session.add(login)
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return token


def link(app, person_id: int, clinic: Clinic) -> None:
    with app.app_context():
        db.session.add(ClinicLink(person_id=person_id, clinic_id=clinic.id, joined_at=clinic.created_at))
        db.session.commit()
