"""Each slot's stored outcome (DoseSlot.outcome, which the clinic dashboard counts) is what the
applications and skips say, after every kind of write: a tap, an extra, undos that let another report
count or leave none, a skip, a dose after a skip and its undo, a report while paused that counts once
the plan resumes, and a plan change. The bulk demo seed is held to the services in test_demo.
"""

import datetime as dt

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Application, DoseSlot, Person, Skip
from app.models.plans import ACTIVE, PAUSED
from app.patients import ledger
from app.patients.doses import record_application, skip_dose, undo_application
from app.patients.ledger import Ledger, slots_between
from app.patients.plans import PlanInput, create_plan, set_status
from tests.patients.log import MINUTE, build_log, london


def recorded_outcomes() -> dict[int, str | None]:
    """Every slot's outcome worked out from the applications and skips alone."""
    counting = dict(db.session.execute(select(Application.counts_for_slot_id, Application.verdict).where(
        Application.counts_for_slot_id.is_not(None), Application.voided_at.is_(None))).all())  # fmt: skip
    skipped = set(db.session.scalars(select(Skip.slot_id)))
    taken = {"counted": "on_time", "late": "late"}
    return {slot_id: taken.get(counting.get(slot_id)) or ("skipped" if slot_id in skipped else None)
            for slot_id in db.session.scalars(select(DoseSlot.id))}  # fmt: skip


def settled() -> dict[tuple[dt.date, str], str | None]:
    """The stored outcomes, checked against the records, by local day and time."""
    stored = db.session.execute(select(DoseSlot.id, DoseSlot.local_date, DoseSlot.local_time, DoseSlot.outcome)).all()
    assert {slot_id: outcome for slot_id, _, _, outcome in stored} == recorded_outcomes()
    return {(day, time): outcome for _, day, time, outcome in stored}


def may(day: int) -> dt.date:
    return dt.date(2026, 5, day)


def test_the_hand_built_week_leaves_each_slot_its_outcome(make_person):
    build_log(make_person())
    outcomes = settled()
    assert [outcomes[may(day), time] for day, time in [
        (25, "08:00"), (26, "20:00"), (27, "08:00"), (28, "08:00"), (28, "20:00"), (31, "08:00"), (31, "20:00"),
    ]] == ["on_time", "late", None, "skipped", "on_time", "late", None]  # fmt: skip


def test_taps_and_undos(make_person):
    person = make_person()
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], may(25)), london(25, 5))
    first, _ = record_application(person, london(25, 8, 5), london(25, 8, 5))
    second, judgement = record_application(person, london(25, 8, 7), london(25, 8, 7))
    assert judgement.verdict.value == "extra" and settled()[may(25), "08:00"] == "on_time"

    undo_application(person, first, london(25, 8, 10))  # the extra now counts
    assert settled()[may(25), "08:00"] == "on_time"
    undo_application(person, second, london(25, 8, 12))
    assert settled()[may(25), "08:00"] is None

    record_application(person, london(25, 10), london(25, 10))
    assert settled()[may(25), "08:00"] == "late"


def test_a_skip_then_a_dose_then_its_undo(make_person):
    person = make_person()
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], may(25)), london(25, 5))
    evening = next(s for s in slots_between(person, london(25, 12), london(25, 23)) if s.local_time == "20:00")
    skip_dose(person, evening.id, "skin sore", london(25, 12))
    assert settled()[may(25), "20:00"] == "skipped"

    dose, _ = record_application(person, london(25, 20, 5), london(25, 20, 5))  # applied after all: it counts
    assert settled()[may(25), "20:00"] == "on_time"
    undo_application(person, dose, london(25, 20, 9))
    assert settled()[may(25), "20:00"] == "skipped"


def test_a_report_while_paused_counts_once_the_plan_resumes_and_stays_its_dose_through_a_plan_change(make_person):
    person = make_person()
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], may(25)), london(25, 5))
    set_status(person, PAUSED, london(25, 6))
    record_application(person, london(25, 7, 40), london(25, 7, 40) + MINUTE)
    assert settled()[may(25), "08:00"] is None

    set_status(person, ACTIVE, london(25, 8, 30))
    assert settled()[may(25), "08:00"] == "on_time"
    # A new once-a-day plan at 15:00: today's first dose is the 08:00 slot already taken, so no 09:00
    # window is made for 25 May (dose identity); the plan's doses start on the 26th.
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(9)], may(25)), london(25, 15))
    outcomes = settled()
    assert outcomes[may(25), "08:00"] == "on_time"
    assert (may(25), "09:00") not in outcomes
    assert outcomes[may(26), "09:00"] is None


def test_a_tap_that_loses_a_race_is_judged_again_and_kept_as_an_extra(make_person, monkeypatch):
    """Two taps read the slot before either is stored: the database's unique key lets only one count,
    and the loser is judged again on what is stored now, so it is kept, as an extra."""
    person = make_person()
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], may(25)), london(25, 5))
    record_application(person, london(25, 8, 5), london(25, 8, 5))
    reads = []

    def read_before_the_other_tap_was_stored(*args):
        reading = read(*args)
        reads.append(reading.counted)
        return reading if len(reads) > 1 else Ledger(reading.slots, [])

    read = ledger.read
    monkeypatch.setattr(ledger, "read", read_before_the_other_tap_was_stored)
    application_id, judgement = record_application(person, london(25, 8, 6), london(25, 8, 6))

    assert len(reads) == 2 and judgement.verdict.value == "extra"
    stored = db.session.scalars(select(Application).order_by(Application.id)).all()
    assert [(a.verdict, a.counts_for_slot_id is not None) for a in stored] == [("counted", True), ("extra", False)]
    assert stored[1].id == application_id and stored[1].slot_id == stored[0].counts_for_slot_id
    assert settled()[may(25), "08:00"] == "on_time"


def test_a_report_the_database_refuses_for_another_reason_is_tried_twice_then_fails(make_person, monkeypatch):
    person = make_person()
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], may(25)), london(25, 5))
    db.session.execute(delete(Person).where(Person.id == person.id))  # gone, as if deleted in another request
    db.session.commit()
    reads = []
    read = ledger.read
    monkeypatch.setattr(ledger, "read", lambda *args: reads.append(args) or read(*args))

    with pytest.raises(IntegrityError):
        record_application(person, london(25, 8, 5), london(25, 8, 5))
    assert len(reads) == 2
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0
