"""The patient's own pages: plan, Today (apply, skip, undo) and the personal missed-dose page."""

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from wtforms import SelectChoice

from app.dosing.clock import local_instants
from app.leaflets.pdf import PAPER_SIZES
from app.patients import doses, plans, supply
from app.web.leaflets.my_plan import my_plan_pdf
from app.web.patient import amounts
from app.web.patient.access import person_or_404
from app.web.patient.forms import ApplyForm, EmptyForm, PlanForm, SkipForm, StatusForm
from app.web.patient.messages import moment_message, verdict_message
from app.web.patient.missed import missed_dose_rows
from app.web.patient.record_errors import record_error_message
from app.web.request_keys import Answer, answer, refusal, refused, repeat

bp = Blueprint("patient", __name__, url_prefix="/people/<int:person_id>")
bp.before_request(login_required(lambda: None))
# The fingertip-unit guide in words, for every template that shows it (the plan, Today, both leaflets).
bp.add_app_template_global(amounts.plan_amount_lines)
bp.add_app_template_global(amounts.guide_tables)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@bp.get("/today")
def today(person_id):
    person = person_or_404(person_id)
    view = doses.today_view(person, utcnow())
    return render_template(
        "patient/today.html", person=person, view=view, message=moment_message(view.status, person.timezone),
        apply_form=ApplyForm(), skip_form=SkipForm(), undo_form=EmptyForm(),
    )  # fmt: skip


@bp.post("/applications")
def apply(person_id):
    person, now = person_or_404(person_id), utcnow()
    form = ApplyForm(now=now)
    at = _reported_instant(form, person, now) if form.validate() else None
    if at is None:
        return refused(form, lambda: _today_with_errors(person, apply_form=form))
    return answer(_applied(person, form, at, now), url_for(".today", person_id=person.id))


@bp.post("/applications/<int:application_id>/undo")
def undo(person_id, application_id):
    person = person_or_404(person_id)
    if EmptyForm().validate():
        try:
            doses.undo_application(person, application_id, utcnow())
            flash(_("Undone. The report is kept in your record as withdrawn."), "info")
        except doses.RecordError as error:
            flash(record_error_message(error.code), "error")
    return redirect(url_for(".today", person_id=person.id))


@bp.post("/slots/<int:slot_id>/skip")
def skip(person_id, slot_id):
    person, now = person_or_404(person_id), utcnow()
    form = SkipForm(now=now)
    if not form.validate():
        return refused(form, lambda: _today_with_errors(person, skip_form=form))
    return answer(_skipped(person, slot_id, form, now), url_for(".today", person_id=person.id))


@bp.route("/plan", methods=["GET", "POST"])
def plan(person_id):
    person = person_or_404(person_id)
    current = plans.current_plan(person)
    today = utcnow().astimezone(ZoneInfo(person.timezone)).date()
    form = PlanForm(start_date=today, **_current_choices(current))
    form.local_today = today
    medicines = current_app.extensions["content"].medicines.values()
    form.medicine.choices = [SelectChoice(m.slug, m.name(str(get_locale()))) for m in medicines]
    if not form.medicine.data:
        form.medicine.data = form.medicine.choices[0].value
    if form.validate_on_submit():
        plans.create_plan(person, _plan_input(form), utcnow())
        flash(_("Your plan is saved. Your times are below."), "info")
        return redirect(url_for(".today", person_id=person.id))
    status = 400 if form.errors else 200
    tube = amounts.tube_lines(current, supply.estimate(current), today) if current else []
    return render_template("patient/plan.html", person=person, plan=current, form=form, tube_lines=tube,
                           status_form=StatusForm(status=current.status if current else None)), status  # fmt: skip


def _current_choices(plan) -> dict:
    """The plan form filled in as the current plan has it (areas, times, tube), so changing one thing and
    saving again keeps the rest. The start date stays today: a change starts from now."""
    if plan is None:
        return {}
    times = list(plan.times)  # "HH:MM"
    choices = {"body_areas": [*plan.body_areas, *(["other"] if plan.other_area else [])],
               "other_area": plan.other_area, "doses": str(len(times)), "first_time": times[0]}  # fmt: skip
    if len(times) > 1:
        choices["second_time"] = times[1]
    if plan.tube_grams:
        choices |= {"tube_grams": str(plan.tube_grams), "tube_opened": plan.tube_opened}
    return choices


@bp.post("/plan/status")
def plan_status(person_id):
    person = person_or_404(person_id)
    form = StatusForm()
    if form.validate_on_submit() and form.status.data in ("active", "paused", "stopped"):
        plans.set_status(person, form.status.data, utcnow())
    return redirect(url_for(".plan", person_id=person.id))


@bp.get("/missed-dose")
def missed_dose(person_id):
    person = person_or_404(person_id)
    current = plans.current_plan(person)
    rows = missed_dose_rows(person, utcnow()) if current else []
    return render_template("patient/missed_dose.html", person=person, plan=current, rows=rows)


@bp.get("/my-plan.pdf")
def my_plan(person_id):
    """The person's own plan on paper, in the account's language: times, cut-offs, amounts and the guide."""
    person = person_or_404(person_id)
    paper = request.args.get("paper", "a4")
    current = plans.current_plan(person)
    if current is None or paper not in PAPER_SIZES:
        abort(404 if current is None else 400)
    return my_plan_pdf(person, current, None, paper, utcnow())


def _today_with_errors(person, **forms):
    view = doses.today_view(person, utcnow())
    forms = {"apply_form": ApplyForm(), "skip_form": SkipForm(), "undo_form": EmptyForm(), **forms}
    return render_template("patient/today.html", person=person, view=view,
                           message=moment_message(view.status, person.timezone), **forms), 400  # fmt: skip


def _reported_instant(form: ApplyForm, person, now: dt.datetime) -> dt.datetime | None:
    """The UTC instant of "just now", or of a local time today or yesterday; for a tap kept offline, "now"
    and "today" are the tap's.

    None, with the reason on the form, when that local time never happened (the clocks went
    forward) or happened twice (they went back) and the person has not yet said which.
    """
    now = form.tapped_instant() or now
    if form.when.data == "now":
        return now
    tz = ZoneInfo(person.timezone)
    local_day = now.astimezone(tz).date() - dt.timedelta(days=form.when.data == "yesterday")
    return form.pick_instant(local_instants(local_day, form.at_time.time, tz), person.timezone)


def _applied(person, form: ApplyForm, at: dt.datetime, now: dt.datetime) -> Answer:
    """Report the application: the rule's verdict, the first answer again for a resent form, or why not."""
    try:
        keys = {"request_key": form.request_key.data, "tapped_at": form.tapped_instant()}
        judgement = doses.record_application(person, at, now, **keys)[1]
    except doses.Repeated as first:
        if first.judgement is None:  # undone since
            return repeat(_("This dose report was already saved, and later undone."), "info")
        return repeat(verdict_message(first.judgement, person.timezone), first.judgement.verdict.value)
    except doses.RecordError as error:
        return refusal(record_error_message(error.code), tap_too_old=error.code == "tap_too_old")
    return Answer(verdict_message(judgement, person.timezone), judgement.verdict.value)


def _skipped(person, slot_id: int, form: SkipForm, now: dt.datetime) -> Answer:
    """Skip the dose: done, done already by this same form, or why not."""
    done = _("Dose skipped. Apply your next dose at its usual time.")
    try:
        doses.skip_dose(person, slot_id, form.reason.data, now, form.request_key.data, form.tapped_instant())
    except doses.Repeated:
        return repeat(done, "info")
    except doses.RecordError as error:
        too_old = error.code == "tap_too_old"
        return refusal(record_error_message("skip_tap_too_old" if too_old else error.code), tap_too_old=too_old)
    return Answer(done, "info")


def _plan_input(form: PlanForm) -> plans.PlanInput:
    areas = [a for a in form.body_areas.data if a != "other"]
    return plans.PlanInput(
        medicine=form.medicine.data, strength="1%", times=form.times(), start_date=form.start_date.data,
        body_areas=areas, other_area=form.other_area.data or "", review_date=form.review_date.data,
        tube_grams=form.tube()[0], tube_opened=form.tube()[1],
    )  # fmt: skip
