"""A person's record as a FHIR R4 Bundle (type "collection") of plain JSON-able dicts.

- Patient: an id and the name the account gave; nothing else about the person.
- MedicationAdministration for every slot with a final state: "completed" at the time the dose that
  counts was applied, or "not-done" at the slot time with a reason (missed, skipped, paused).
  Slots still open or upcoming at `now` have no final state yet and are left out.
- MedicationAdministration "completed" for each application that never counted, told apart by its
  `category` (a CodeableConcept, 0..1 in R4): "extra" (a second dose, or one in a skip zone) or
  "unscheduled" (no dose was planned then). Slot doses carry category "scheduled".
- Observation for each day's peak itch (our own code: we know of no LOINC code for this item) and
  for each POEM total (LOINC 89870-0); QuestionnaireResponse for each POEM's seven answers.
- One Questionnaire for POEM when the record holds any: its `copyright` names the copyright holder
  and the paper that validated it; each QuestionnaireResponse points to it by its canonical URL, and
  each POEM total carries the same attribution as a note.

Ids are uuid5 of the record's kind and database id, so the same record exports the same way twice.
"""

import datetime as dt
import uuid

from app.clinics.records import ApplicationRecord, PatientRecord, SlotRecord
from app.dosing.windows import SlotState, Verdict
from app.measures import poem
from app.models import ItchEntry, Person, Plan, PoemResponse

CODES = "https://thinlayer.example/fhir/CodeSystem"
NOT_DONE_SYSTEM = f"{CODES}/not-done-reason"
CATEGORY_SYSTEM = f"{CODES}/administration-category"
OBSERVATION_SYSTEM = f"{CODES}/observation"
LOINC = "http://loinc.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# Fixed for ever: changing it would change every exported id.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://thinlayer.example/fhir")

NOT_DONE = {
    SlotState.MISSED: ("missed", "Missed: the window closed with no application"),
    SlotState.SKIPPED: ("skipped", "Skipped on purpose by the patient"),
    SlotState.PAUSED: ("paused", "Plan paused (skin clear): counts neither way"),
}
# Slots whose state is final at `now`; open and upcoming ones are left out of the export.
FINAL = frozenset({SlotState.ON_TIME, SlotState.LATE, *NOT_DONE})
CATEGORIES = {
    "scheduled": "Scheduled dose",
    "extra": "Extra application: never counted as a dose",
    "unscheduled": "Application when no dose was planned",
}
ITCH_TEXT = "Peak itch NRS (0-10), last 24 hours"
POEM_QUESTIONNAIRE = "https://thinlayer.example/fhir/Questionnaire/poem"


def fhir_bundle(person: Person, record: PatientRecord, now: dt.datetime) -> dict:
    """The record as a FHIR R4 collection Bundle: Patient, MedicationAdministrations, Observations, POEM answers."""
    patient_id = _id("Patient", person.id)
    subject = {"reference": f"urn:uuid:{patient_id}"}
    resources = [{"resourceType": "Patient", "id": patient_id, "name": [{"text": person.name}]}]
    resources += [_slot_administration(s, record, subject) for s in record.slots if s.state in FINAL]
    resources += [_other_administration(a, subject) for a in record.applications if not a.counts]
    resources += [_itch_observation(entry, subject) for entry in record.itch]
    if record.poems:
        resources.append(_poem_questionnaire())
    for response in record.poems:
        resources += [_poem_answers(response, subject), _poem_observation(response, subject)]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(now),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def _id(kind: str, db_id: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}/{db_id}"))


def _instant(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _concept(system: str, code: str, display: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _medication(plan: Plan | None) -> dict:
    if plan is None:
        return {"text": "Unknown medicine (no plan at the time)"}
    return {"text": f"{plan.medicine.capitalize()} {plan.strength} cream"}


def _slot_administration(item: SlotRecord, record: PatientRecord, subject: dict) -> dict:
    """One dose slot: completed when its dose was applied, else not-done with the reason."""
    slot = item.slot
    due = f"Dose due {slot.local_date.isoformat()} {slot.local_time} ({record.timezone})"
    resource = {
        "resourceType": "MedicationAdministration",
        "id": _id("MedicationAdministration/slot", slot.id),
        "category": _concept(CATEGORY_SYSTEM, "scheduled", CATEGORIES["scheduled"]),
        "medicationCodeableConcept": _medication(item.plan),
        "subject": subject,
    }
    if item.applied_at is not None:
        timing = "on time" if item.state is SlotState.ON_TIME else "late"
        note = f"{due}; applied {timing}."
        resource |= {"status": "completed", "effectiveDateTime": _instant(item.applied_at)}
    else:
        code, display = NOT_DONE[item.state]
        note = f"{due}. Reason given: {item.skip_reason}" if item.skip_reason else f"{due}."
        resource |= {
            "status": "not-done",
            "statusReason": [_concept(NOT_DONE_SYSTEM, code, display)],
            "effectiveDateTime": _instant(slot.scheduled_at),
        }
    return resource | {"note": [{"text": note}]}


def _other_administration(item: ApplicationRecord, subject: dict) -> dict:
    """An application that never counted for a slot: an extra, or one made when no dose was planned."""
    application = item.application
    code = "extra" if item.extra else "unscheduled"
    why = "reported in the gap between two doses" if application.verdict == Verdict.SKIP_ZONE else application.verdict
    return {
        "resourceType": "MedicationAdministration",
        "id": _id("MedicationAdministration/application", application.id),
        "status": "completed",
        "category": _concept(CATEGORY_SYSTEM, code, CATEGORIES[code]),
        "medicationCodeableConcept": _medication(item.plan),
        "subject": subject,
        "effectiveDateTime": _instant(application.applied_at),
        "note": [{"text": f"Not counted as a dose ({why})."}],
    }


def _itch_observation(entry: ItchEntry, subject: dict) -> dict:
    """The day's peak itch (0–10) and whether itch woke the person."""
    return {
        "resourceType": "Observation",
        "id": _id("Observation/itch", entry.id),
        "status": "final",
        "category": [_concept(OBSERVATION_CATEGORY, "survey", "Survey")],
        "code": _concept(OBSERVATION_SYSTEM, "peak-itch-nrs", ITCH_TEXT),
        "subject": subject,
        "effectiveDateTime": entry.local_date.isoformat(),
        "valueInteger": entry.peak_itch,
        "component": [
            {
                "code": _concept(OBSERVATION_SYSTEM, "woke-by-itch", "Woken by itch in the night"),
                "valueBoolean": entry.woke_up,
            }
        ],
    }


def _poem_observation(response: PoemResponse, subject: dict) -> dict:
    """The POEM total (0–28) under its LOINC code, derived from the answers' QuestionnaireResponse."""
    return {
        "resourceType": "Observation",
        "id": _id("Observation/poem", response.id),
        "status": "final",
        "category": [_concept(OBSERVATION_CATEGORY, "survey", "Survey")],
        "code": {"coding": [{"system": LOINC, "code": poem.LOINC_TOTAL}], "text": "POEM total score (0-28)"},
        "subject": subject,
        "effectiveDateTime": response.local_date.isoformat(),
        "valueInteger": response.total,
        "interpretation": [{"text": response.band.replace("_", " ")}],
        "derivedFrom": [{"reference": f"urn:uuid:{_id('QuestionnaireResponse/poem', response.id)}"}],
        "note": [{"text": poem.ATTRIBUTION}],
    }


def _poem_questionnaire() -> dict:
    """POEM itself, for its copyright and source; the answers point to it by its canonical URL."""
    return {
        "resourceType": "Questionnaire",
        "id": str(uuid.uuid5(NAMESPACE, "Questionnaire/poem")),
        "url": POEM_QUESTIONNAIRE,
        "name": "POEM",
        "title": "Patient-Oriented Eczema Measure (POEM)",
        "status": "active",
        "subjectType": ["Patient"],
        "copyright": poem.ATTRIBUTION,
    }


def _poem_answers(response: PoemResponse, subject: dict) -> dict:
    """The seven POEM answers (0–4 each), one item per question, linkIds as in app.measures.poem.ITEMS."""
    return {
        "resourceType": "QuestionnaireResponse",
        "id": _id("QuestionnaireResponse/poem", response.id),
        "questionnaire": POEM_QUESTIONNAIRE,
        "status": "completed",
        "subject": subject,
        "authored": _instant(response.recorded_at),
        "item": [
            {"linkId": key, "answer": [{"valueInteger": value}]}
            for key, value in zip(poem.ITEMS, response.answers, strict=True)
        ],
    }


__all__ = ["fhir_bundle"]
