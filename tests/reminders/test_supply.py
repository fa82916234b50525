"""The inbox note that a tube may soon run out: a week ahead, once per tube, never asking for more cream."""

import datetime as dt

from app.extensions import db
from app.models import Reminder
from app.patients import plans
from app.patients.supply import SUPPLY

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def notes(sim, person):
    return [m for m in sim.inbox(person) if m.kind == SUPPLY]


def test_a_30_g_tube_for_face_and_neck_twice_a_day_gets_one_note_seven_days_before_it_may_run_out(make_patient, sim):
    # 2.5 g a day: opened on 1 June, it may run out on 13 June; the note comes on 6 June at 09:00 London (08:00 UTC).
    sam = make_patient(at("2026-06-01T05:00"), body_areas=["face", "neck"], tube_grams=30)
    sim.run(at("2026-06-01T05:00"), at("2026-06-06T07:59"))
    assert notes(sim, sam) == []
    sim.run(at("2026-06-06T08:00"), at("2026-06-12T23:00"))
    [note] = notes(sim, sam)
    assert note.created_at == at("2026-06-06T08:00")
    assert note.title == "Your tube may run out in about 7 days: ask for a new prescription."
    assert "30 g tube you opened on 1 June 2026" in note.body


def test_the_note_never_asks_for_more_cream_or_a_catch_up(make_patient, sim):
    sam = make_patient(at("2026-06-01T05:00"), body_areas=["trunk"], tube_grams=100)  # 7 days: noted at once
    sim.run(at("2026-06-01T05:00"), at("2026-06-01T12:00"))
    [note] = notes(sim, sam)
    words = f"{note.title} {note.body}".lower()
    assert "ask for a new prescription" in words and "thin layer" in words
    for invitation in ("more cream", "extra", "catch up", "make up", "apply more", "double"):
        assert invitation not in words


def test_saving_the_plan_again_or_planning_again_adds_no_second_note_for_the_same_tube(make_patient, sim):
    sam = make_patient(at("2026-06-01T05:00"), body_areas=["face"], tube_grams=30)
    sim.run(at("2026-06-06T08:00"), at("2026-06-06T09:00"))
    now = at("2026-06-07T10:00")
    plans.create_plan(
        sam,
        plans.PlanInput(
            "pimecrolimus", "1%", [dt.time(8), dt.time(20)], dt.date(2026, 6, 7), body_areas=["face"], tube_grams=30
        ),
        now,
    )
    sim.horizon(now)
    sim.run(now, at("2026-06-12T12:00"))
    assert len(notes(sim, sam)) == 1
    assert plans.current_plan(sam).tube_opened == dt.date(2026, 6, 1)  # the same tube: its day is kept


def test_a_new_tube_gets_its_own_note_and_the_old_tubes_pending_note_is_not_sent(make_patient, sim):
    sam = make_patient(at("2026-06-01T05:00"), body_areas=["face"], tube_grams=30)  # noted on 6 June
    now = at("2026-06-03T10:00")
    plans.create_plan(
        sam,
        plans.PlanInput(
            "pimecrolimus", "1%", [dt.time(8), dt.time(20)], dt.date(2026, 6, 3), body_areas=["face"], tube_grams=60
        ),
        now,
    )
    sim.run(now, at("2026-06-28T12:00"))
    [note] = notes(sim, sam)  # 60 g from 3 June: 24 days, to 27 June; noted on 20 June
    assert note.created_at == at("2026-06-20T08:00")
    assert "60 g tube you opened on 3 June 2026" in note.body


def test_a_note_already_planned_is_not_sent_once_the_plan_has_no_tube(make_patient, sim):
    sam = make_patient(at("2026-06-01T05:00"), body_areas=["face"], tube_grams=30)
    assert db.session.scalar(db.select(Reminder).where(Reminder.kind == SUPPLY)) is not None
    plan = plans.current_plan(sam)
    plan.tube_grams = None  # changed behind the outbox's back: the sweep checks again at send time
    db.session.commit()
    sim.run(at("2026-06-06T08:00"), at("2026-06-08T12:00"))
    assert notes(sim, sam) == []


def test_no_note_while_the_plan_is_paused(make_patient, sim):
    sam = make_patient(at("2026-06-01T05:00"), body_areas=["face"], tube_grams=30)
    plans.set_status(sam, "paused", at("2026-06-02T10:00"))
    sim.run(at("2026-06-02T10:00"), at("2026-06-12T12:00"))
    assert notes(sim, sam) == []


def test_no_note_without_a_tube(make_patient, sim):
    sam = make_patient(at("2026-06-01T05:00"), body_areas=["face"])
    sim.run(at("2026-06-01T05:00"), at("2026-06-20T12:00"))
    assert notes(sim, sam) == []
