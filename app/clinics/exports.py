"""A person's record as four CSV tables for a clinician's spreadsheet: slots, applications, symptoms, POEM.

Instants are given in UTC (ISO 8601) and, where a person reads them, on the person's own clock.
Text a person typed (a skip reason, a side effect in their own words) may start like a formula; such
a cell gets a leading apostrophe so that a spreadsheet shows it as text instead of running it.
Each POEM row names the measure's copyright holder and source, so a copied row keeps its attribution.
"""

import csv
import datetime as dt
import io

from app.clinics.records import PatientRecord
from app.measures import poem
from app.models import Person
from app.patients.data_rights import FORMULA_STARTS

SLOT_COLUMNS = ("local_date", "local_time", "scheduled_utc", "state", "applied_at_utc", "applied_at_local",
                "skip_reason")  # fmt: skip
APPLICATION_COLUMNS = ("applied_at_utc", "applied_at_local", "verdict", "extra", "source", "recorded_at_utc")
SYMPTOM_COLUMNS = ("type", "local_date", "peak_itch", "woke_up", "effects", "other", "red_flags", "recorded_at_utc")
POEM_COLUMNS = ("local_date", *poem.ITEMS, "total", "band", "attribution")


def csv_tables(person: Person, record: PatientRecord, now: dt.datetime) -> dict[str, str]:
    """The record as CSV text by table name ("slots", "applications", "symptoms", "poem"), each with a header row.

    `person` and `now` are taken for symmetry with the FHIR export; the record already holds what they say.
    """
    return {
        "slots": _csv(SLOT_COLUMNS, _slot_rows(record)),
        "applications": _csv(APPLICATION_COLUMNS, _application_rows(record)),
        "symptoms": _csv(SYMPTOM_COLUMNS, _symptom_rows(record)),
        "poem": _csv(POEM_COLUMNS, _poem_rows(record)),
    }


def safe_cell(value) -> str:
    """A value as CSV text; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(columns: tuple[str, ...], rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return out.getvalue()


def _utc(at: dt.datetime | None) -> str | None:
    return at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if at else None


def _local(record: PatientRecord, at: dt.datetime | None) -> str | None:
    return record.local(at).strftime("%Y-%m-%d %H:%M") if at else None


def _slot_rows(record: PatientRecord) -> list[tuple]:
    return [
        (item.slot.local_date.isoformat(), item.slot.local_time, _utc(item.slot.scheduled_at), item.state.value,
         _utc(item.applied_at), _local(record, item.applied_at), item.skip_reason)
        for item in record.slots
    ]  # fmt: skip


def _application_rows(record: PatientRecord) -> list[tuple]:
    return [
        (_utc(a.application.applied_at), _local(record, a.application.applied_at), a.application.verdict, a.extra,
         a.application.source, _utc(a.application.recorded_at))
        for a in record.applications
    ]  # fmt: skip


def _symptom_rows(record: PatientRecord) -> list[tuple]:
    """One row per itch entry and per side-effect report, by date (itch first within a day)."""
    itch = [
        (e.local_date, 0, ("itch", e.local_date.isoformat(), e.peak_itch, e.woke_up, None, None, None,
                           _utc(e.recorded_at)))
        for e in record.itch
    ]  # fmt: skip
    reports = [
        (r.local_date, 1, ("side_effects", r.local_date.isoformat(), None, None, "; ".join(r.effects), r.other,
                           "; ".join(r.red_flags), _utc(r.recorded_at)))
        for r in record.side_effects
    ]  # fmt: skip
    return [row for *_, row in sorted(itch + reports, key=lambda item: item[:2])]


def _poem_rows(record: PatientRecord) -> list[tuple]:
    return [(r.local_date.isoformat(), *r.answers, r.total, r.band, poem.ATTRIBUTION) for r in record.poems]


__all__ = ["csv_tables", "safe_cell"]
