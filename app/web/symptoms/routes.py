"""Symptoms: daily itch, side effects with red flags, and the weekly POEM."""

import datetime as dt
from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.measures import itch as itch_measure
from app.measures import poem as poem_measure
from app.patients import plans, symptoms
from app.patients.doses import Repeated
from app.web.patient.access import person_or_404
from app.web.request_keys import Answer, answer, refusal, refused, repeat
from app.web.symptoms.forms import (
    EFFECT_LABELS,
    ITCH_BANDS,
    ITCH_TAP_TOO_OLD,
    POEM_BANDS,
    RED_FLAG_LABELS,
    ChildPoemForm,
    ItchForm,
    PoemForm,
    SideEffectsForm,
)

bp = Blueprint("symptoms", __name__, url_prefix="/people/<int:person_id>")
bp.before_request(login_required(lambda: None))
# The medicine whose "get help" page is shown when the person has no plan yet.
DEFAULT_MEDICINE = "pimecrolimus"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@bp.context_processor
def words() -> dict:
    """The plain words for every stored key, for all symptoms templates."""
    return {
        "effect_labels": EFFECT_LABELS,
        "red_flag_labels": RED_FLAG_LABELS,
        "itch_band": itch_measure.band,
        "itch_bands": ITCH_BANDS,
        "poem_bands": POEM_BANDS,
        "poem_band_ranges": poem_measure.band_ranges(),
        "poem_attribution": poem_measure.ATTRIBUTION,
    }


@bp.get("/symptoms")
def hub(person_id):
    person = person_or_404(person_id)
    return render_template("symptoms/hub.html", person=person, summary=symptoms.summary(person))


@bp.route("/itch", methods=["GET", "POST"])
def itch(person_id):
    person, now = person_or_404(person_id), utcnow()
    today = symptoms.local_today(person, now)
    entry = symptoms.itch_on(person, today)
    form = ItchForm(data={"peak": entry.peak_itch, "woke_up": entry.woke_up} if entry else None, now=now)
    if form.validate_on_submit():
        return answer(_itch_logged(person, form, now), url_for(".itch", person_id=person.id))
    page = partial(render_template, "symptoms/itch.html", person=person, form=form, entry=entry, today=today)
    return refused(form, lambda: (page(), 400)) if form.errors else page()


def _itch_logged(person, form: ItchForm, now: dt.datetime) -> Answer:
    """Log the score for the person's day at the tap (or now): saved, saved already by this same form, or
    refused as too old (the form has checked the score itself)."""
    saved, tapped = _("Your itch score is saved."), form.tapped_instant()
    day = symptoms.local_today(person, tapped or now)
    try:
        symptoms.log_itch(person, day, form.peak.data, form.woke_up.data, now, form.request_key.data, tapped)
    except Repeated:
        return repeat(saved, "info")
    except symptoms.SymptomError as error:
        if error.code != "tap_too_old":
            raise
        return refusal(str(ITCH_TAP_TOO_OLD), tap_too_old=True)
    return Answer(saved, "info")


@bp.route("/side-effects", methods=["GET", "POST"])
def side_effects(person_id):
    person = person_or_404(person_id)
    form = SideEffectsForm()
    if form.validate_on_submit():
        report = symptoms.report_side_effects(person, form.effects.data, form.other.data, form.red_flags.data, utcnow())
        flash(_("Your report is saved."), "info")
        return redirect(url_for(".side_effect_report", person_id=person.id, report_id=report.id))
    return render_template("symptoms/side_effects.html", person=person, form=form), 400 if form.errors else 200


@bp.get("/side-effects/<int:report_id>")
def side_effect_report(person_id, report_id):
    person = person_or_404(person_id)
    report = symptoms.side_effect_report(person, report_id) or abort(404)
    guidance = symptoms.red_flag_guidance(report.red_flags)
    return render_template("symptoms/side_effect_report.html", person=person, report=report, guidance=guidance,
                           help_page=get_help_url(person))  # fmt: skip


@bp.route("/poem", methods=["GET", "POST"])
def poem(person_id):
    person = person_or_404(person_id)
    for_child = is_child(person)
    form = ChildPoemForm() if for_child else PoemForm()
    if form.validate_on_submit():
        response = symptoms.answer_poem(person, form.answers(), utcnow())
        flash(_("Your answers are saved."), "info")
        return redirect(url_for(".poem_result", person_id=person.id, response_id=response.id))
    page = render_template("symptoms/poem.html", person=person, form=form, for_child=for_child)
    return page, 400 if form.errors else 200


def is_child(person) -> bool:
    """True for a person the account holder looks after, not the holder.

    Nothing stored says who the holder is: the account's first person is the one made at sign-up with
    "Your name", and every person added later is someone else (a child, say). So once the first person
    is deleted, the next one is taken as the holder.
    """
    return person.id != person.account.people[0].id


@bp.get("/poem/<int:response_id>")
def poem_result(person_id, response_id):
    person = person_or_404(person_id)
    response = symptoms.poem_response(person, response_id) or abort(404)
    return render_template("symptoms/poem_result.html", person=person, response=response,
                           previous=symptoms.poem_before(person, response), help_page=get_help_url(person))  # fmt: skip


def get_help_url(person) -> str:
    """The "get help" page of the person's medicine, in their account's language."""
    plan = plans.current_plan(person)
    medicine = plan.medicine if plan else DEFAULT_MEDICINE
    return url_for("public.topic", locale=person.account.locale, medicine=medicine, topic="get-help")
