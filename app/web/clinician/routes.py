"""The dashboard of a clinic's patients, one patient's record, the plan editor, reviews and removal.

Every view of a patient goes through patient_or_404 (a live link to this clinic) and is written to
the patient's audit log.
"""

import datetime as dt

from babel.dates import format_date
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.clinics import audit, care, dashboard, heatmap, links, records
from app.dosing.schedule import PlanRuleError
from app.patients import history
from app.patients.plans import current_plan
from app.web.clinician.access import bp, clinician_required, patient_or_404, utcnow
from app.web.clinician.forms import PlanEditForm, RemoveForm, ReviewForm
from app.web.history.routes import formatting, itch_chart, poem_chart
from app.web.i18n import formatting_locale
from app.web.symptoms.forms import EFFECT_LABELS, RED_FLAG_LABELS

PAGE_SIZE = 25
SORTS = ("attention", *dashboard.SORT_KEYS)
REASON_LABELS = {
    "adherence": _l("applied under 80%"),
    "red_flag": _l("warning sign"),
    "poem_up": _l("POEM up 3 or more"),
    "itch": _l("itch 7 or more"),
    "extra": _l("extra dose"),
}
bp.context_processor(formatting)


@bp.context_processor
def words():
    return {"reason_words": lambda code: str(REASON_LABELS[code]), "effect_words": lambda k: str(EFFECT_LABELS[k]),
            "red_flag_words": lambda key: str(RED_FLAG_LABELS[key]),
            "weekday_initial": lambda day: format_date(day, "EEEEE", locale=formatting_locale())}  # fmt: skip


@bp.get("/")
@clinician_required
def dashboard_page(clinician):
    """Every linked patient with adherence, symptoms and why they need attention; sortable, in pages."""
    sort = request.args.get("sort", "attention")
    page = request.args.get("page", 1, type=int)
    attention_only = request.args.get("filter") == "attention"
    if sort not in SORTS or not 1 <= page <= 10_000:
        abort(400)
    rows = dashboard.patient_rows(clinician.clinic_id, utcnow())
    shown = dashboard.needs_attention(rows) if attention_only else rows
    descending = request.args.get("order", "desc" if sort != "name" else "asc") == "desc"
    shown = (
        dashboard.by_attention(shown, descending)
        if sort == "attention"
        else dashboard.sort_rows(shown, sort, descending)
    )
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    page = min(page, pages)
    on_page = shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    # Each patient on the page had their figures read: the patient sees it in "who viewed my data".
    audit.record_many(clinician, [row.person_id for row in on_page], audit.READ, "dashboard", utcnow())
    return render_template("clinician/dashboard.html", clinician=clinician, rows=on_page, total=len(rows),
                           flagged=len(dashboard.needs_attention(rows)), page=page, pages=pages, sort=sort,
                           descending=descending, attention_only=attention_only)  # fmt: skip


@bp.get("/patients/<int:person_id>")
@clinician_required
def patient(clinician, person_id):
    """One patient: plan and editor, 12-week heatmap, itch and POEM, reports to review, applications."""
    person = patient_or_404(clinician, person_id)
    now = utcnow()
    today = history.local_today(person, now)
    record = records.read_record(person, heatmap.first_day(today), today, now)
    plan = current_plan(person)
    audit.record(clinician, person, audit.READ, "patient detail", now)
    return render_template(
        "clinician/patient.html", clinician=clinician, person=person, plan=plan, record=record,
        weeks=heatmap.weeks(record, today), plan_form=_plan_form(plan),
        adherence=list(history.adherences(person, (7, 30), now).items()),
        itch=itch_chart(history.itch_series(person, today - dt.timedelta(days=29), today), today),
        poem=poem_chart(history.poem_series(person, today - dt.timedelta(days=83), today), today),
        review_form=ReviewForm(), remove_form=RemoveForm(),
    )  # fmt: skip


def _plan_form(plan, formdata=None) -> PlanEditForm | None:
    if plan is None:
        return None
    times = [*plan.times, ""]
    return PlanEditForm(
        formdata,
        first_time=times[0],
        second_time=times[1],
        early_minutes=plan.early_minutes,
        cutoff_minutes=plan.cutoff_minutes,
        min_gap_minutes=plan.min_gap_minutes,
        review_date=plan.review_date,
    )


@bp.post("/patients/<int:person_id>/plan")
@clinician_required
def edit_plan(clinician, person_id):
    person = patient_or_404(clinician, person_id)
    plan = current_plan(person) or abort(404)
    form = _plan_form(plan, request.form)
    if form.validate():
        try:
            changes = care.edit_plan(clinician, person, plan, form.rule_change(), utcnow())
        except PlanRuleError:
            form.form_errors.append(_("The doses are too close together for these minutes. Move the times apart "
                                      "or use fewer minutes."))  # fmt: skip
        else:
            flash(_("The plan is changed and %(name)s is told in the app.", name=person.name) if changes
                  else _("Nothing changed in the plan."), "info")  # fmt: skip
            return redirect(url_for(".patient", person_id=person.id) + "#plan")
    return render_template("clinician/plan_edit.html", clinician=clinician, person=person, plan=plan, form=form), 400


@bp.post("/patients/<int:person_id>/reports/<int:report_id>/review")
@clinician_required
def review(clinician, person_id, report_id):
    person = patient_or_404(clinician, person_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    if care.review_report(clinician, person, report_id, form.note.data or "", utcnow()) is None:
        abort(404)
    flash(_("Marked as reviewed."), "info")
    return redirect(url_for(".patient", person_id=person.id) + "#reports")


@bp.post("/patients/<int:person_id>/remove")
@clinician_required
def remove(clinician, person_id):
    person = patient_or_404(clinician, person_id)
    form = RemoveForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm before removing a patient."), "error")
        return redirect(url_for(".patient", person_id=person.id) + "#remove"), 303
    links.remove(clinician, person, utcnow())
    flash(_("%(name)s is removed. The clinic can no longer see their record.", name=person.name), "info")
    return redirect(url_for(".dashboard_page"))
