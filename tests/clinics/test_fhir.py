"""The FHIR R4 Bundle of one person's record, validated with fhir.resources (R4, 4.0.1).

The record is the hand-built week of tests/patients/log.py (plan 08:00/20:00 in London from 25 May
2026, read at 10:00 on 1 June) plus itch and POEM logged through the symptom services.
"""

import copy
import datetime as dt
import json
import uuid
from collections import Counter

import fhir.resources
import pytest
from fhir.resources.bundle import Bundle
from pydantic import ValidationError
from sqlalchemy import event

from app.clinics.fhir import fhir_bundle
from app.clinics.records import read_record
from app.extensions import db
from app.measures.poem import ATTRIBUTION, ITEMS
from app.models import Person
from app.patients.symptoms import answer_poem, log_itch
from tests.patients.log import NOW, build_log, london

FIRST, LAST = dt.date(2026, 5, 25), dt.date(2026, 6, 1)
OURS = "https://thinlayer.example/fhir/CodeSystem"


@pytest.fixture
def sam(app, make_account):
    """The log's week for Sam, with itch on three days and two POEMs (one before the period)."""
    account = make_account()
    with app.app_context():
        person = db.session.get(Person, account.people[0].id)
        build_log(person)
        log_itch(person, dt.date(2026, 5, 20), 8, True, london(20, 21))  # before the period
        log_itch(person, dt.date(2026, 5, 27), 6, True, london(27, 21))
        log_itch(person, dt.date(2026, 5, 31), 3, False, london(31, 21))
        answer_poem(person, dict.fromkeys(ITEMS, 2), london(18, 21))  # before the period
        answer_poem(person, dict(zip(ITEMS, (4, 3, 0, 1, 2, 2, 4), strict=True)), london(25, 21))
        answer_poem(person, dict.fromkeys(ITEMS, 1), london(1, 9, month=6))
        yield person


def bundle_for(person, now=NOW, first=FIRST, last=LAST) -> dict:
    return fhir_bundle(person, read_record(person, first, last, now), now)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


def code_of(concept: dict) -> tuple[str, str]:
    return concept["coding"][0]["system"], concept["coding"][0]["code"]


def test_the_validator_is_fhir_r4():
    assert fhir.resources.__fhir_version__ == "4.0.1"


def test_the_whole_bundle_is_valid_fhir_r4_after_a_trip_through_json(sam):
    bundle = bundle_for(sam)
    parsed = Bundle.parse_raw(json.dumps(bundle))
    assert parsed.type == "collection"
    assert len(parsed.entry) == len(bundle["entry"]) == 1 + 18 + 2 + 1 + 2 * 2


def test_a_medication_administration_without_status_is_rejected(sam):
    bundle = bundle_for(sam)
    broken = copy.deepcopy(bundle)
    del resources(broken, "MedicationAdministration")[0]["status"]
    with pytest.raises(ValidationError, match="status"):
        Bundle.parse_obj(broken)
    Bundle.parse_obj(bundle)  # the untouched one still passes


def test_an_r5_shaped_category_list_is_rejected(sam):
    broken = copy.deepcopy(bundle_for(sam))
    administration = resources(broken, "MedicationAdministration")[0]
    administration["category"] = [administration["category"]]  # R5 made it a list; R4 has one
    with pytest.raises(ValidationError, match="category"):
        Bundle.parse_obj(broken)


def test_every_slot_with_a_final_state_is_completed_or_not_done_with_its_reason(sam):
    scheduled = [r for r in resources(bundle_for(sam), "MedicationAdministration")
                 if code_of(r["category"])[1] == "scheduled"]  # fmt: skip
    outcomes = Counter(
        (r["status"], code_of(r["statusReason"][0])[1] if "statusReason" in r else None) for r in scheduled
    )
    # 16 slots from 25 May to 1 June; the evening of 1 June is still upcoming at NOW.
    assert outcomes == {("completed", None): 8, ("not-done", "missed"): 2, ("not-done", "skipped"): 1,
                        ("not-done", "paused"): 4}  # fmt: skip
    reasons = {code_of(r["statusReason"][0]) for r in scheduled if r["status"] == "not-done"}
    assert {system for system, _ in reasons} == {f"{OURS}/not-done-reason"}
    assert all(r["medicationCodeableConcept"]["text"] == "Pimecrolimus 1% cream" for r in scheduled)


def test_completed_is_dated_when_applied_and_not_done_when_due(sam):
    scheduled = resources(bundle_for(sam), "MedicationAdministration")
    completed = {r["effectiveDateTime"] for r in scheduled if r["status"] == "completed"}
    assert "2026-05-26T20:30:00Z" in completed  # the 20:00 dose applied late at 21:30 London
    missed = {r["effectiveDateTime"] for r in scheduled if r.get("statusReason") and
              code_of(r["statusReason"][0])[1] == "missed"}  # fmt: skip
    assert missed == {"2026-05-27T07:00:00Z", "2026-05-31T19:00:00Z"}  # 08:00 on the 27th, 20:00 on the 31st
    skipped = next(r for r in scheduled if r.get("statusReason") and code_of(r["statusReason"][0])[1] == "skipped")
    assert skipped["effectiveDateTime"] == "2026-05-28T07:00:00Z"
    assert "skin sore" in skipped["note"][0]["text"]


def test_extras_are_completed_and_marked_extra_and_never_take_a_slot(sam):
    others = [r for r in resources(bundle_for(sam), "MedicationAdministration")
              if code_of(r["category"])[1] != "scheduled"]  # fmt: skip
    marked = {(code_of(r["category"]), r["status"], r["effectiveDateTime"]) for r in others}
    extra, unscheduled = (
        (f"{OURS}/administration-category", "extra"),
        (f"{OURS}/administration-category", "unscheduled"),
    )
    assert marked == {
        (extra, "completed", "2026-05-26T21:00:00Z"),  # a second dose at 22:00
        (extra, "completed", "2026-05-27T14:00:00Z"),  # 15:00, in the skip zone
        (unscheduled, "completed", "2026-05-30T07:00:00Z"),  # while the plan was paused
    }  # the extra withdrawn on the 28th is not there


def test_a_slot_still_open_or_upcoming_is_left_out(sam):
    # At 09:00 on the 31st the 08:00 window is open and nothing is applied yet (the 09:30 dose comes later).
    bundle = bundle_for(sam, now=london(31, 9), first=dt.date(2026, 5, 31), last=dt.date(2026, 5, 31))
    assert resources(bundle, "MedicationAdministration") == []
    Bundle.parse_obj(bundle)


def test_peak_itch_is_one_observation_a_day_in_the_period(sam):
    itch = resources(bundle_for(sam), "Observation")
    itch = [o for o in itch if o["code"]["text"] == "Peak itch NRS (0-10), last 24 hours"]
    assert {o["effectiveDateTime"]: o["valueInteger"] for o in itch} == {"2026-05-27": 6, "2026-05-31": 3}
    assert {code_of(o["code"]) for o in itch} == {(f"{OURS}/observation", "peak-itch-nrs")}
    assert [o["component"][0]["valueBoolean"] for o in itch] == [True, False]


def test_poem_totals_carry_loinc_89870_0_and_point_to_their_answers(sam):
    bundle = bundle_for(sam)
    totals = [o for o in resources(bundle, "Observation") if code_of(o["code"]) == ("http://loinc.org", "89870-0")]
    assert [(o["effectiveDateTime"], o["valueInteger"]) for o in totals] == [("2026-05-25", 16), ("2026-06-01", 7)]
    answers = {f"urn:uuid:{r['id']}": r for r in resources(bundle, "QuestionnaireResponse")}
    first = answers[totals[0]["derivedFrom"][0]["reference"]]
    assert first["status"] == "completed"
    assert [(item["linkId"], item["answer"][0]["valueInteger"]) for item in first["item"]] == list(
        zip(ITEMS, (4, 3, 0, 1, 2, 2, 4), strict=True)
    )


def test_poem_answers_point_to_the_poem_questionnaire_which_carries_its_copyright(sam):
    bundle = bundle_for(sam)
    (questionnaire,) = resources(bundle, "Questionnaire")
    assert questionnaire["copyright"] == ATTRIBUTION
    assert questionnaire["copyright"].startswith("POEM © University of Nottingham. Charman CR, Venn AJ, Williams HC.")
    answers = resources(bundle, "QuestionnaireResponse")
    assert len(answers) == 2 and {r["questionnaire"] for r in answers} == {questionnaire["url"]}
    totals = [o for o in resources(bundle, "Observation") if code_of(o["code"]) == ("http://loinc.org", "89870-0")]
    assert [o["note"] for o in totals] == [[{"text": ATTRIBUTION}]] * 2


def test_a_record_without_poem_has_no_questionnaire(sam):
    bundle = bundle_for(sam, first=dt.date(2026, 5, 26), last=dt.date(2026, 5, 31))
    assert not resources(bundle, "QuestionnaireResponse") and not resources(bundle, "Questionnaire")


def test_every_entry_has_a_uuid_full_url_and_points_to_the_patient(sam):
    bundle = bundle_for(sam)
    (patient,) = resources(bundle, "Patient")
    assert patient == {"resourceType": "Patient", "id": patient["id"], "name": [{"text": "Me"}]}
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(
        url == f"urn:uuid:{uuid.UUID(entry['resource']['id'])}"
        for url, entry in zip(urls, bundle["entry"], strict=True)
    )
    about_the_patient = [e["resource"] for e in bundle["entry"][1:] if e["resource"]["resourceType"] != "Questionnaire"]
    assert len(about_the_patient) == len(bundle["entry"]) - 2
    assert {resource["subject"]["reference"] for resource in about_the_patient} == {f"urn:uuid:{patient['id']}"}


def test_the_same_record_exports_the_same_ids_every_time(sam):
    first, again = bundle_for(sam), bundle_for(sam)
    assert first == again
    later = bundle_for(sam, now=london(2, 9, month=6))  # a day on: the evening dose of 1 June is now final
    ids = {entry["resource"]["id"] for entry in first["entry"]}
    assert ids < {entry["resource"]["id"] for entry in later["entry"]}
    assert later["timestamp"] == "2026-06-02T08:00:00Z"


def test_reading_a_record_takes_one_query_per_table_however_long_the_period(sam):
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        read_record(sam, LAST, LAST, NOW)
        one_day = len(statements)
        statements.clear()
        read_record(sam, FIRST, LAST, NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    # slots (with what counts and what is skipped), applications, plans, skip reasons (only when a slot in
    # the period is skipped), itch, side effects, POEM
    assert one_day <= len(statements) == 7
