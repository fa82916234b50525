"""The JSON API under /api/v1/ for scripts and the app's own JavaScript.

Signed in with the same session cookie as the pages; every state-changing request carries the
X-CSRFToken header. Every person in a URL goes through person_or_404, and every answer about a
dose comes from app.patients.doses, the same service the pages call.
"""

import datetime as dt

from flask import Blueprint, current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.extensions import csrf, db
from app.models import Application
from app.patients import history, symptoms
from app.patients.doses import record_application, skip_dose, today_view, undo_application
from app.patients.ledger import slots_between
from app.web.api import errors, openapi, schemas
from app.web.patient.access import person_or_404
from app.web.triage import emergency_number

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# CSRF is checked in check_session below, after the sign-in check, so a signed-out call gets a 401.
csrf.exempt(bp)
errors.register(bp)

ID = f"int(min=1, max={schemas.MAX_ID})"
PERSON = f"/people/<{ID}:person_id>"
NEXT_SLOT_WITHIN = dt.timedelta(days=2)
PUBLIC = frozenset({"api.csrf_token", "api.openapi_document"})


def utcnow() -> dt.datetime:
    """The clock every view reads (tests replace it)."""
    return dt.datetime.now(dt.UTC)


@bp.before_request
def check_session():
    """401 unless signed in (never a redirect to the sign-in page); then the CSRF check."""
    if request.endpoint in PUBLIC:
        return None
    if not current_user.is_authenticated:
        return errors.error_response(401, "unauthenticated", _("Sign in to use this."))
    if current_app.config["WTF_CSRF_ENABLED"] and current_app.config["WTF_CSRF_CHECK_DEFAULT"]:
        csrf.protect()
    return None


@bp.get("/csrf-token")
def csrf_token():
    """A token for the X-CSRFToken header, tied to this session."""
    return {"csrf_token": generate_csrf()}


@bp.get("/openapi.json")
def openapi_document():
    """This API described in OpenAPI 3.1 (app/web/api/openapi.py)."""
    return openapi.document(current_app.config["SESSION_COOKIE_NAME"])


@bp.get("/people")
def people():
    """The people whose treatment this account follows."""
    return {"people": [schemas.person_out(person) for person in current_user.account.people]}


@bp.get(f"{PERSON}/today")
def today(person_id: int):
    """Today's slots and what to say now, from the same reading of the rule as the Today page."""
    person = person_or_404(person_id)
    return schemas.today_out(person, today_view(person, utcnow()))


@bp.post(f"{PERSON}/applications")
def add_application(person_id: int):
    """Report an application (now, or up to 24 hours back) and get the rule's verdict."""
    person = person_or_404(person_id)
    data = schemas.application_in()
    now = utcnow()
    application_id, judgement = record_application(person, data.applied_at or now, now, source="api")
    application = db.session.get(Application, application_id)
    next_slot = first_slot_after(person, application.applied_at)
    return schemas.recorded_out(person, application, judgement, next_slot), 201


@bp.delete(f"{PERSON}/applications/<{ID}:application_id>")
def delete_application(person_id: int, application_id: int):
    """Undo a report made in the last 10 minutes; the report and the undo are both kept."""
    person = person_or_404(person_id)
    application = undo_application(person, application_id, utcnow())
    message = _("Undone. The report is kept in your record as withdrawn.")
    return {"application": schemas.application_out(application), "message": message}


@bp.post(f"{PERSON}/skips")
def add_skip(person_id: int):
    """Skip an open or upcoming dose on purpose, with a reason."""
    person = person_or_404(person_id)
    data = schemas.skip_in()
    skipped = skip_dose(person, data.slot_id, data.reason, utcnow())
    message = _("Dose skipped. Apply your next dose at its usual time.")
    return {"skip": schemas.skip_out(skipped), "message": message}, 201


@bp.post(f"{PERSON}/itch")
def log_itch(person_id: int):
    """Today's worst itch; a second log the same day replaces the first (the old values are kept)."""
    person = person_or_404(person_id)
    data = schemas.itch_in()
    now = utcnow()
    entry = symptoms.log_itch(person, symptoms.local_today(person, now), data.peak, data.woke_up, now)
    return {"itch": schemas.itch_out(entry), "message": _("Your itch score is saved.")}, 201


@bp.post(f"{PERSON}/side-effects")
def report_side_effects(person_id: int):
    """Side effects and red flags, with the advice the report page gives."""
    person = person_or_404(person_id)
    data = schemas.side_effects_in()
    report = symptoms.report_side_effects(person, data.effects, data.other, data.red_flags, utcnow())
    guidance = symptoms.red_flag_guidance(report.red_flags)
    number = emergency_number(person)
    body = {"report": schemas.side_effects_out(report), "guidance": guidance, "emergency_number": number}
    return {**body, "message": schemas.guidance_message(guidance, number)}, 201


@bp.post(f"{PERSON}/poem")
def answer_poem(person_id: int):
    """The weekly POEM: seven answers scored 0–4, with the total and its band."""
    person = person_or_404(person_id)
    response = symptoms.answer_poem(person, schemas.poem_in(), utcnow())
    return {"poem": schemas.poem_out(response), "message": _("Your answers are saved.")}, 201


@bp.get(f"{PERSON}/history")
def adherence(person_id: int):
    """Adherence over the last 7 or 30 local days (?days=), counting only windows that have closed."""
    person = person_or_404(person_id)
    days = schemas.days_in()
    return schemas.adherence_out(days, history.adherence(person, days, utcnow()))


@bp.get(f"{PERSON}/calendar")
def calendar(person_id: int):
    """A month (?month=YYYY-MM, default this one) in whole weeks, every slot with its state."""
    person = person_or_404(person_id)
    now = utcnow()
    first = schemas.month_in(history.local_today(person, now))
    first_weekday = get_locale().first_week_day
    month = history.month_calendar(person, first.year, first.month, now, first_weekday)
    return schemas.calendar_out(month, first_weekday)


def first_slot_after(person, at: dt.datetime):
    """The first slot whose window opens after `at`: the dose to point the patient to next."""
    return next((slot for slot in slots_between(person, at, at + NEXT_SLOT_WITHIN) if slot.opens_at > at), None)
