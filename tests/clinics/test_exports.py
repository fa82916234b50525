"""The CSV tables of one person's record: slots, applications, symptoms and POEM.

The record is the hand-built week of tests/patients/log.py (plan 08:00/20:00 in London from 25 May
2026, read at 10:00 on 1 June) plus symptoms logged through the symptom services.
"""

import csv
import datetime as dt
import io
from collections import Counter

import pytest

from app.clinics.exports import csv_tables, safe_cell
from app.clinics.records import read_record
from app.extensions import db
from app.measures.poem import ATTRIBUTION, ITEMS
from app.models import Person
from app.patients.doses import skip_dose
from app.patients.ledger import slots_between
from app.patients.symptoms import answer_poem, log_itch, report_side_effects
from tests.patients.log import NOW, build_log, london

FIRST, LAST = dt.date(2026, 5, 25), dt.date(2026, 6, 1)


@pytest.fixture
def sam(app, make_account):
    """The log's week for Sam, with itch, a side-effect report that reads like a formula, and a POEM."""
    account = make_account()
    with app.app_context():
        person = db.session.get(Person, account.people[0].id)
        build_log(person)
        log_itch(person, dt.date(2026, 5, 20), 8, True, london(20, 21))  # before the period
        report_side_effects(person, ["burning", "redness"], '=HYPERLINK("http://x.example","see")', ["infection"],
                            london(26, 9))  # fmt: skip
        log_itch(person, dt.date(2026, 5, 26), 7, True, london(26, 21))
        log_itch(person, dt.date(2026, 5, 31), 3, False, london(31, 21))
        answer_poem(person, dict(zip(ITEMS, (4, 3, 0, 1, 2, 2, 4), strict=True)), london(25, 21))
        yield person


def tables(person, now=NOW, first=FIRST, last=LAST) -> dict[str, list[dict]]:
    exported = csv_tables(person, read_record(person, first, last, now), now)
    return {name: list(csv.DictReader(io.StringIO(text))) for name, text in exported.items()}


def headers(person) -> dict[str, list[str]]:
    exported = csv_tables(person, read_record(person, FIRST, LAST, NOW), NOW)
    return {name: next(csv.reader(io.StringIO(text))) for name, text in exported.items()}


def test_each_table_starts_with_its_header_row(sam):
    assert headers(sam) == {
        "slots": ["local_date", "local_time", "scheduled_utc", "state", "applied_at_utc", "applied_at_local",
                  "skip_reason"],
        "applications": ["applied_at_utc", "applied_at_local", "verdict", "extra", "source", "recorded_at_utc"],
        "symptoms": ["type", "local_date", "peak_itch", "woke_up", "effects", "other", "red_flags", "recorded_at_utc"],
        "poem": ["local_date", *ITEMS, "total", "band", "attribution"],
    }  # fmt: skip


def test_slots_list_every_slot_of_the_period_with_its_state(sam):
    slots = tables(sam)["slots"]
    assert len(slots) == 16
    assert Counter(row["state"] for row in slots) == {"on_time": 6, "late": 2, "missed": 2, "skipped": 1, "paused": 4,
                                                      "upcoming": 1}  # fmt: skip
    by_time = {(row["local_date"], row["local_time"]): row for row in slots}
    assert by_time["2026-05-26", "20:00"] == {
        "local_date": "2026-05-26", "local_time": "20:00", "scheduled_utc": "2026-05-26T19:00:00Z", "state": "late",
        "applied_at_utc": "2026-05-26T20:30:00Z", "applied_at_local": "2026-05-26 21:30", "skip_reason": "",
    }  # fmt: skip
    assert by_time["2026-05-28", "08:00"]["state"] == "skipped"
    assert by_time["2026-05-28", "08:00"]["skip_reason"] == "skin sore"
    assert by_time["2026-06-01", "20:00"]["applied_at_utc"] == ""


def test_applications_mark_extras_and_leave_out_the_withdrawn_one(sam):
    rows = tables(sam)["applications"]
    assert [(row["applied_at_local"], row["verdict"], row["extra"]) for row in rows] == [
        ("2026-05-25 08:05", "counted", "no"),
        ("2026-05-25 20:30", "counted", "no"),
        ("2026-05-26 08:10", "counted", "no"),
        ("2026-05-26 21:30", "late", "no"),
        ("2026-05-26 22:00", "extra", "yes"),
        ("2026-05-27 15:00", "skip_zone", "yes"),
        ("2026-05-27 19:00", "counted", "no"),
        ("2026-05-28 20:10", "counted", "no"),  # its extra at 20:15 was undone
        ("2026-05-30 08:00", "unscheduled", "no"),
        ("2026-05-31 09:30", "late", "no"),
        ("2026-06-01 08:20", "counted", "no"),
    ]
    assert rows[4] == {"applied_at_utc": "2026-05-26T21:00:00Z", "applied_at_local": "2026-05-26 22:00",
                            "verdict": "extra", "extra": "yes", "source": "web",
                            "recorded_at_utc": "2026-05-26T21:01:00Z"}  # fmt: skip


def test_symptoms_hold_one_row_per_entry_in_the_period_by_date_itch_first(sam):
    rows = tables(sam)["symptoms"]
    assert [(r["type"], r["local_date"], r["peak_itch"], r["woke_up"], r["effects"], r["red_flags"]) for r in rows] == [
        ("itch", "2026-05-26", "7", "yes", "", ""),
        ("side_effects", "2026-05-26", "", "", "burning; redness", "infection"),
        ("itch", "2026-05-31", "3", "no", "", ""),
    ]


def test_poem_rows_hold_the_seven_answers_the_total_and_the_band(sam):
    assert tables(sam)["poem"] == [{"local_date": "2026-05-25", "itchy": "4", "sleep": "3", "bleeding": "0",
                                    "weeping": "1", "cracked": "2", "flaking": "2", "dry": "4", "total": "16",
                                    "band": "moderate", "attribution": ATTRIBUTION}]  # fmt: skip


def test_every_poem_row_names_the_copyright_holder_and_the_validation_paper(sam):
    [row] = tables(sam)["poem"]
    assert row["attribution"].startswith("POEM © University of Nottingham. Charman CR, Venn AJ, Williams HC.")
    assert row["attribution"].endswith("Arch Dermatol. 2004;140(12):1513–1519.")


def test_text_that_a_spreadsheet_would_run_is_kept_as_text(sam):
    morning = next(s for s in slots_between(sam, london(1, 14, month=6), london(2, 12, month=6))
                   if s.local_time == "08:00")  # fmt: skip
    skip_dose(sam, morning.id, "@SUM(A1:A9)", NOW)
    exported = tables(sam, last=dt.date(2026, 6, 2))
    (report,) = [row for row in exported["symptoms"] if row["type"] == "side_effects"]
    assert report["other"] == '\'=HYPERLINK("http://x.example","see")'
    (skipped,) = [
        row for row in exported["slots"] if row["local_date"] == "2026-06-02" and row["local_time"] == "08:00"
    ]
    assert (skipped["state"], skipped["skip_reason"]) == ("skipped", "'@SUM(A1:A9)")


@pytest.mark.parametrize("typed", ["=1+1", "+44 20 7946 0000", "-2", "@cmd", "\tx", "\r=1"])
def test_a_cell_that_starts_like_a_formula_gets_an_apostrophe(typed):
    assert safe_cell(typed) == "'" + typed


@pytest.mark.parametrize(("value", "cell"), [("skin sore", "skin sore"), ("a=b", "a=b"), (7, "7"), (None, ""),
                                             (True, "yes"), (False, "no")])  # fmt: skip
def test_other_cells_are_written_as_they_are(value, cell):
    assert safe_cell(value) == cell
