"""A patient's record for the clinic's own systems (CSV tables, a FHIR R4 Bundle) and the personal
"my plan" leaflet. Every export is written to the patient's audit log."""

import datetime as dt
import json

from flask import Response, abort, request

from app.clinics import audit, exports, fhir, records
from app.leaflets.pdf import PAPER_SIZES
from app.patients import history
from app.patients.plans import current_plan
from app.web.clinician.access import bp, clinician_required, patient_or_404, utcnow
from app.web.leaflets.my_plan import my_plan_pdf

EXPORT_DAYS, MAX_DAYS = 90, 730
TABLES = ("slots", "applications", "symptoms", "poem")


def _period(person, now: dt.datetime) -> tuple[dt.date, dt.date]:
    days = request.args.get("days", EXPORT_DAYS, type=int)
    if not 1 <= days <= MAX_DAYS:
        abort(400)
    today = history.local_today(person, now)
    return today - dt.timedelta(days=days - 1), today


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/patients/<int:person_id>/export/<table>.csv")
@clinician_required
def export_csv(clinician, person_id, table):
    """One of the four tables (slots, applications, symptoms, poem) for the last `days` days (90 unless asked)."""
    person = patient_or_404(clinician, person_id)
    if table not in TABLES:
        abort(404)
    now = utcnow()
    first, last = _period(person, now)
    body = exports.csv_tables(person, records.read_record(person, first, last, now), now)[table]
    audit.record(clinician, person, audit.EXPORT, f"CSV {table} {first}..{last}", now)
    # A byte-order mark, so a spreadsheet reads accented names as UTF-8.
    return _download("\ufeff" + body, "text/csv", f"patient-{person.id}-{table}-{last}.csv")


@bp.get("/patients/<int:person_id>/fhir.json")
@clinician_required
def export_fhir(clinician, person_id):
    """The record as a FHIR R4 Bundle of MedicationAdministrations, Observations and POEM answers."""
    person = patient_or_404(clinician, person_id)
    now = utcnow()
    first, last = _period(person, now)
    bundle = fhir.fhir_bundle(person, records.read_record(person, first, last, now), now)
    audit.record(clinician, person, audit.EXPORT, f"FHIR {first}..{last}", now)
    return _download(json.dumps(bundle, ensure_ascii=False), "application/fhir+json",
                     f"patient-{person.id}-{last}.fhir.json")  # fmt: skip


@bp.get("/patients/<int:person_id>/my-plan.pdf")
@clinician_required
def my_plan(clinician, person_id):
    """A printable leaflet of the patient's own dose times and missed-dose cut-offs, in their language."""
    person = patient_or_404(clinician, person_id)
    paper = request.args.get("paper", "a4")
    plan = current_plan(person)
    if paper not in PAPER_SIZES or plan is None:
        abort(404 if plan is None else 400)
    now = utcnow()
    response = my_plan_pdf(person, plan, clinician.clinic, paper, now)
    audit.record(clinician, person, audit.EXPORT, "my-plan leaflet", now)
    return response
