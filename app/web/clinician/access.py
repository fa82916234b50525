"""Who may use the clinician area: a clinician whose session passed the TOTP step and is not idle.

Clinician sessions end after CLINICIAN_IDLE without a request, far sooner than a patient's, since a
clinic's desktop is shared. Patients are found only through a live link to the clinician's own
clinic, so any other id (guessed, changed in a URL, or of a patient who left) is a 404.
"""

import datetime as dt
from functools import wraps

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.clinics import links, staff
from app.extensions import db
from app.models import Clinician, Person
from app.web.auth.sessions import sign_out

bp = Blueprint("clinician", __name__, url_prefix="/clinic")

CLINICIAN_IDLE = dt.timedelta(minutes=15)
TIMED_OUT = _l("You were signed out after 15 minutes without activity. Sign in again to go on.")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@bp.after_request
def private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def signed_in_clinician() -> Clinician | None:
    """The signed-in account's clinician record (password step done), if it is one."""
    if not current_user.is_authenticated:
        return None
    if "clinician" not in g:
        g.clinician = staff.clinician_for(current_user.account.id)
    return g.clinician


def clinician_required(view):
    """Sign in, then enrol or enter a TOTP code, then go on; an idle session ends here."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        clinician, login, now = signed_in_clinician(), None, utcnow()
        if clinician is None:
            if current_user.is_authenticated:
                abort(404)  # a patient account: there is no clinician area for it
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        login = current_user.login
        if login.seen_at is not None and now - login.seen_at > CLINICIAN_IDLE:
            sign_out(current_user._get_current_object(), now)
            flash(TIMED_OUT, "info")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if login.verified_at is None:
            return redirect(url_for(".verify" if clinician.totp_enrolled_at else ".enrol"))
        login.seen_at = now
        db.session.commit()
        return view(clinician, *args, **kwargs)

    return wrapped


def patient_or_404(clinician: Clinician, person_id: int) -> Person:
    person = links.linked_person(clinician, person_id)
    if person is None:
        abort(404)
    return person
