"""Reminders: settings, push subscriptions, the calendar link and feed, the inbox, notification actions."""

import datetime as dt
from functools import wraps

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from itsdangerous import BadSignature
from sqlalchemy import select

from app.extensions import csrf, db
from app.models import Application, DoseSlot, Person
from app.patients import doses, plans
from app.reminders import preferences
from app.reminders.calendar import calendar_feed
from app.reminders.inbox import inbox_items
from app.reminders.push import application_server_key, load_vapid
from app.reminders.scheduler import action_signer
from app.web.patient.access import person_or_404
from app.web.patient.forms import EmptyForm
from app.web.patient.messages import clock, verdict_message
from app.web.patient.record_errors import record_error_message
from app.web.reminders.forms import NOT_IN_LIST, SettingsForm

bp = Blueprint("reminders", __name__)
ACTION_TOKEN_AGE = 2 * 24 * 3600  # seconds; the rule judges the tap anyway
PUSH_TAKEN = _l(
    "This device already gets reminders for someone in another account. To get yours here, first sign in to "
    "that account and turn notifications off on this device."
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def json_login_required(view):
    """login_required for the JSON that push.js posts: a 401 with a message, not a redirect to the
    sign-in page, which fetch would follow and take for success."""

    @wraps(view)
    def signed_in_only(*args, **kwargs):
        if not current_user.is_authenticated:
            return jsonify(message=_("Sign in to use this.")), 401
        return view(*args, **kwargs)

    return signed_in_only


@bp.route("/people/<int:person_id>/reminders", methods=["GET", "POST"])
@login_required
def settings(person_id):
    person = person_or_404(person_id)
    form, stored = SettingsForm(), preferences.outbox.settings_for(person.id)
    if form.validate_on_submit():
        try:
            preferences.save_settings(person, form.settings(), utcnow())
        except preferences.ReminderError:
            form.missed_after.errors.append(str(NOT_IN_LIST))
        else:
            flash(_("Your reminder settings are saved."), "info")
            return redirect(url_for(".settings", person_id=person.id))
    elif request.method == "GET":
        form.fill(stored)
    vapid_key = application_server_key(load_vapid(current_app.instance_path))
    return render_template(
        "reminders/settings.html", person=person, form=form, stored=stored, button_form=EmptyForm(),
        devices=preferences.subscription_count(person), vapid_key=vapid_key, new_feed=_new_feed(person),
    ), 400 if form.errors else 200  # fmt: skip


# Only the hash of a calendar token is stored, so its address can be shown just once: kept in the session
# from the POST that made it to the page the redirect lands on, then dropped.
NEW_FEED = "new_calendar_feed"


def _new_feed(person: Person) -> str | None:
    """The feed address made just now for person, once; None on any later view."""
    made = session.pop(NEW_FEED, None)
    if not made or made.get("person") != person.id:
        return None
    return url_for(".calendar", token=made["token"], _external=True)


@bp.post("/people/<int:person_id>/reminders/calendar")
@login_required
def calendar_link(person_id):
    person = person_or_404(person_id)
    action = request.form.get("action")
    if EmptyForm().validate() and action in ("create", "rotate", "revoke"):
        token = preferences.calendar_link(person, action)
        if token:
            session[NEW_FEED] = {"person": person.id, "token": token}
        flash({"create": _("Your calendar link is ready."), "rotate": _("New link made. The old one no longer works."),
               "revoke": _("Calendar link turned off.")}[action], "info")  # fmt: skip
    return redirect(url_for(".settings", person_id=person.id) + "#calendar")


@bp.get("/calendar/<token>.ics")
def calendar(token):
    person = preferences.person_for_calendar(token)
    if person is None:
        abort(404)
    body = calendar_feed(person, plans.current_plan(person), person.account.locale,
                         url_for("patient.today", person_id=person.id, _external=True), utcnow())  # fmt: skip
    return body, 200, {"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "no-store"}


@bp.post("/people/<int:person_id>/reminders/push")
@json_login_required
def subscribe(person_id):
    person = person_or_404(person_id)
    subscription = _subscription(_json_object())
    if subscription is None:
        return _unusable_subscription()
    try:
        preferences.add_subscription(person, *subscription, utcnow())
    except preferences.ReminderError:  # "push_taken": registered to a person of another account
        return jsonify(message=str(PUSH_TAKEN)), 409
    return jsonify(message=_("Reminders will now come to this device."))


@bp.post("/people/<int:person_id>/reminders/push/remove")
@json_login_required
def unsubscribe(person_id):
    person = person_or_404(person_id)
    endpoint = _json_object().get("endpoint")
    if not isinstance(endpoint, str):
        return _unusable_subscription()
    preferences.remove_subscription(person, endpoint, utcnow())
    return jsonify(message=_("This device will get no more reminders."))


def _json_object() -> dict:
    """The request's JSON body if it is an object; {} for anything else (a list, a string, not JSON)."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _subscription(data: dict) -> tuple[str, str, str] | None:
    """(endpoint, p256dh, auth) from a browser's PushSubscription JSON, or None if we cannot use it."""
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    values = (data.get("endpoint"), keys.get("p256dh"), keys.get("auth"))
    usable = all(isinstance(v, str) and 0 < len(v) <= most for v, most in zip(values, (1024, 200, 64), strict=True))
    return values if usable and values[0].startswith("https://") else None


def _unusable_subscription():
    return jsonify(message=_("This browser sent a subscription we cannot use.")), 400


@bp.post("/people/<int:person_id>/reminders/act")
@csrf.exempt  # the signed token is the proof; it comes from our own notification
def act(person_id):
    """A notification's "Applied" or "Skip" button: the same rule as the Today page."""
    try:
        claim = action_signer(current_app).loads(request.form.get("token", ""), max_age=ACTION_TOKEN_AGE)
    except BadSignature:
        abort(404)
    if claim.get("p") != person_id or request.form.get("action") not in ("applied", "skip"):
        abort(404)
    slot = db.session.get(DoseSlot, claim["s"])
    if slot is None or slot.person_id != person_id:
        abort(404)
    person, now = db.session.get(Person, slot.person_id), utcnow()
    with force_locale(person.account.locale):
        try:
            if request.form["action"] == "applied":
                # Not `_, judgement = ...`: that would make `_` (gettext) local to this view.
                judgement = doses.record_application(person, now, now, source="push", for_slot=slot.id)[1]
                return jsonify(message=verdict_message(judgement, person.timezone), verdict=judgement.verdict.value)
            doses.skip_dose(person, slot.id, _("Skipped from a reminder"), now)
            return jsonify(message=_("Dose skipped. Apply your next dose at its usual time."), verdict="skipped")
        except doses.RecordError as error:
            message = (
                _stale_action(slot, person)
                if error.code in ("reminder_closed", "slot_closed")
                else record_error_message(error.code)
            )
            return jsonify(message=message, error=error.code), 409


def _stale_action(slot: DoseSlot, person: Person) -> str:
    """A notification acted on once its dose was recorded or its window closed: nothing is stored."""
    applied = db.session.scalar(select(Application.applied_at).where(Application.counts_for_slot_id == slot.id))
    if applied is not None:
        return _(
            "You had already applied this dose at %(at)s. Nothing more was recorded. Do not apply more cream.",
            at=clock(applied, person.timezone),
        )
    return _(
        "This reminder was for the %(dose)s dose, which has closed. Nothing was recorded. "
        "Open Today to see your next dose.",
        dose=clock(slot.scheduled_at, person.timezone),
    )


@bp.get("/people/<int:person_id>/inbox")
@login_required
def inbox(person_id):
    person = person_or_404(person_id)
    items = inbox_items(person, utcnow())
    return render_template("reminders/inbox.html", person=person, items=items, button_form=EmptyForm())


@bp.post("/people/<int:person_id>/inbox/read")
@login_required
def mark_read(person_id):
    person = person_or_404(person_id)
    if EmptyForm().validate():
        preferences.mark_read(person, utcnow())
    return redirect(url_for(".inbox", person_id=person.id))


@bp.post("/people/<int:person_id>/inbox/<int:message_id>/snooze")
@login_required
def snooze(person_id, message_id):
    person = person_or_404(person_id)
    minutes = request.form.get("minutes", type=int)
    if EmptyForm().validate():
        try:
            at = preferences.snooze(person, message_id, minutes, utcnow())
            flash(_("We will remind you again at %(at)s.", at=clock(at, person.timezone)), "info")
        except preferences.ReminderError as error:
            if error.code == "not_found":
                abort(404)
            flash(_("This reminder can no longer be snoozed: the dose is recorded or its time has passed."), "error")
    return redirect(url_for(".inbox", person_id=person.id))
