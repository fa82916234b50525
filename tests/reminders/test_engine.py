"""The outbox and the sweep under the missed-dose rule, on a simulated clock, on every database."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from app import accounts
from app.extensions import db
from app.models import DoseSlot, Reminder
from app.patients import doses, plans
from app.reminders import outbox, preferences, scheduler

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_day_of_reminders_goes_out_once_each(make_patient, sim):
    sam = make_patient(at("2026-06-01T05:00"))  # London is UTC+1: doses at 07:00 and 19:00 UTC
    sim.run(at("2026-06-01T05:00"), at("2026-06-02T05:00"))
    sent = sim.inbox(sam)
    assert [(m.kind, m.created_at) for m in sent] == [
        ("due", at("2026-06-01T07:00")), ("missed", at("2026-06-01T08:00")),
        ("due", at("2026-06-01T19:00")), ("missed", at("2026-06-01T20:00")),
    ]  # fmt: skip
    assert "was missed and is skipped" in sent[2].body


# (zone, the local day of a clock change, a dose time inside its gap or repeated hour)
CLOCK_CHANGES = [
    ("Europe/London", "2026-03-29", "01:30"),  # 01:00 -> 02:00: 01:30 does not exist
    ("Europe/London", "2026-10-25", "01:30"),  # 02:00 -> 01:00: 01:30 happens twice
    ("America/New_York", "2026-03-08", "02:30"),
    ("America/New_York", "2026-11-01", "01:30"),
    ("Australia/Lord_Howe", "2026-10-04", "02:15"),  # a 30-minute change
    ("Australia/Lord_Howe", "2026-04-05", "01:45"),
    ("Asia/Kolkata", "2026-03-29", "01:30"),  # no clock change: nothing may move
    ("Pacific/Chatham", "2026-09-27", "03:00"),  # 02:45 -> 03:45
    ("Pacific/Chatham", "2026-04-05", "03:00"),  # 03:45 -> 02:45
    ("America/St_Johns", "2026-03-08", "02:30"),
    ("America/St_Johns", "2026-11-01", "01:30"),
]


@pytest.mark.parametrize(("zone", "day", "time"), CLOCK_CHANGES)
def test_every_dose_gets_one_due_reminder_at_its_instant_across_clock_changes(make_patient, sim, zone, day, time):
    tz = ZoneInfo(zone)
    change_day = dt.date.fromisoformat(day)
    start = dt.datetime.combine(change_day - dt.timedelta(days=1), dt.time(12), tz).astimezone(UTC)
    end = dt.datetime.combine(change_day + dt.timedelta(days=2), dt.time(0), tz).astimezone(UTC)
    first = dt.time.fromisoformat(time)
    evening = dt.time((first.hour + 12) % 24, first.minute)
    person = make_patient(start, times=(time, evening.strftime("%H:%M")), timezone=zone)
    sim.run(start, end)

    # The oracle is the standard library's own reading of a local time (fold=0): a time in a
    # gap lands where the clock moved forward to, a repeated time at its first occurrence.
    expected = sorted(
        dt.datetime.combine(change_day + dt.timedelta(days=d), t, tz).astimezone(UTC)
        for d in (-1, 0, 1) for t in (first, evening)
    )  # fmt: skip
    expected = [e for e in expected if start < e <= end]
    due = [m for m in sim.inbox(person) if m.kind == "due"]
    assert [m.created_at for m in due] == expected
    assert len({m.slot_id for m in due}) == len(due)  # one per dose, none twice
    missed = [m for m in sim.inbox(person) if m.kind == "missed"]
    assert len({m.slot_id for m in missed}) == len(missed) == len(expected)
    gap_or_fold = dt.datetime.combine(change_day, first, tz).astimezone(UTC)
    assert gap_or_fold in [m.created_at for m in due]


def test_london_gap_and_fold_instants_are_the_expected_ones(make_patient, sim):
    spring = make_patient(at("2026-03-28T12:00"), times=("01:30", "13:30"), name="Spring")
    fall = make_patient(at("2026-10-24T12:00"), times=("01:30", "13:30"), name="Fall")
    sim.run(at("2026-03-28T12:00"), at("2026-03-29T12:00"))
    sim.run(at("2026-10-24T12:00"), at("2026-10-25T12:00"))
    # 01:30 on 29 March does not exist: the dose moves to 02:30 BST, 01:30 UTC.
    assert at("2026-03-29T01:30") in [m.created_at for m in sim.inbox(spring) if m.kind == "due"]
    # 01:30 on 25 October happens twice: the first, 01:30 BST, is 00:30 UTC; nothing at 01:30 UTC.
    fall_due = [m.created_at for m in sim.inbox(fall) if m.kind == "due"]
    assert at("2026-10-25T00:30") in fall_due and at("2026-10-25T01:30") not in fall_due


def test_a_dose_applied_early_gets_no_reminder(make_patient, sim):
    sam = make_patient(at("2026-06-01T04:00"))
    doses.record_application(sam, at("2026-06-01T06:30"), at("2026-06-01T06:30"))  # 07:30 London, for 08:00
    sim.run(at("2026-06-01T04:00"), at("2026-06-01T14:00"))
    assert sim.inbox(sam) == []
    rows = db.session.scalars(db.select(Reminder).where(Reminder.kind.in_(["due", "missed"]),
                                                        Reminder.send_at < at("2026-06-01T13:00"))).all()  # fmt: skip
    assert rows and {r.state for r in rows} == {"expired"}


def test_no_missed_reminder_after_the_cut_off(make_patient, sim):
    # 08:00 and 15:00, cut-off 300: the morning window closes at 10:00, before a reminder at 11:00.
    sam = make_patient(at("2026-06-01T04:00"), times=("08:00", "15:00"), early_minutes=30, cutoff_minutes=300)
    preferences.save_settings(
        sam, preferences.SettingsInput(False, 180, None, None, None, True), at("2026-06-01T04:00")
    )
    sim.run(at("2026-06-01T04:00"), at("2026-06-01T23:00"))
    sent = sim.inbox(sam)
    # The 15:00 window stays open until 03:00, so its missed reminder (18:00) goes; the morning's never.
    assert [(m.kind, m.created_at) for m in sent] == [
        ("due", at("2026-06-01T07:00")), ("due", at("2026-06-01T14:00")), ("missed", at("2026-06-01T17:00")),
    ]  # fmt: skip
    for message in sent:
        assert message.created_at < db.session.get(DoseSlot, message.slot_id).closes_at


def test_the_next_due_reminder_says_the_missed_dose_is_skipped(make_patient, sim):
    sam = make_patient(at("2026-06-01T04:00"))
    sim.run(at("2026-06-01T04:00"), at("2026-06-01T19:00"))
    evening = [m for m in sim.inbox(sam) if m.kind == "due"][-1]
    assert evening.created_at == at("2026-06-01T19:00")
    assert "Your 08:00 dose was missed and is skipped. Do not apply extra" in evening.body
    # Once the morning dose is applied, the next reminder has no such line.
    tom = make_patient(at("2026-06-01T04:00"), name="Tom")
    doses.record_application(tom, at("2026-06-01T07:05"), at("2026-06-01T07:05"))
    sim.run(at("2026-06-01T07:05"), at("2026-06-01T19:00"))
    assert all("skipped" not in m.body for m in sim.inbox(tom))


def test_after_six_hours_down_only_the_current_reminder_goes_out(make_patient, sim):
    sam = make_patient(at("2026-06-01T04:00"))  # 08:00 London = 07:00 UTC; window to 13:00 UTC
    night = make_patient(at("2026-06-01T04:00"), times=("06:00", "18:00"), name="Night")  # closes 11:00 UTC
    sim.run(at("2026-06-01T04:00"), at("2026-06-01T04:59"))
    assert sim.inbox() == []
    counts = sim.sweep(at("2026-06-01T11:30"))  # back after 6.5 hours down
    sent = sim.inbox()
    assert [(m.person_id, m.kind) for m in sent] == [(sam.id, "missed")]  # no burst: one, the current one
    assert counts["sent"] == 1 and counts["expired"] >= 3  # Sam's due; Night's due and missed
    assert sim.inbox(night) == []


def test_quiet_hours_hold_a_reminder_until_they_end(make_patient, sim):
    sam = make_patient(at("2026-06-01T04:00"))
    preferences.save_settings(sam, preferences.SettingsInput(False, 90, "22:00", "08:30", None, True),
                              at("2026-06-01T04:00"))  # fmt: skip
    sim.run(at("2026-06-01T04:00"), at("2026-06-01T12:00"))
    assert [(m.kind, m.created_at) for m in sim.inbox(sam)] == [
        ("due", at("2026-06-01T07:30")),  # 08:00 was quiet: sent at 08:30 London
        ("missed", at("2026-06-01T08:30")),
    ]  # fmt: skip


def test_quiet_hours_past_the_window_mean_no_reminder(make_patient, sim):
    sam = make_patient(at("2026-06-01T04:00"))
    preferences.save_settings(sam, preferences.SettingsInput(False, 60, "05:00", "15:00", None, True),
                              at("2026-06-01T04:00"))  # fmt: skip
    sim.run(at("2026-06-01T04:00"), at("2026-06-01T14:00"))
    assert sim.inbox(sam) == []


def test_a_paused_plan_sends_nothing(make_patient, sim):
    sam = make_patient(at("2026-06-01T04:00"))
    plans.set_status(sam, "paused", at("2026-06-01T05:00"))
    sim.run(at("2026-06-01T05:00"), at("2026-06-03T05:00"))
    assert sim.inbox(sam) == []


def test_sweeping_the_same_instant_twice_sends_once(make_patient, sim):
    sam = make_patient(at("2026-06-01T04:00"))
    assert sim.sweep(at("2026-06-01T07:00"))["sent"] == 1
    assert sim.sweep(at("2026-06-01T07:00"))["sent"] == 0
    assert len(sim.inbox(sam)) == 1


def test_a_move_to_another_zone_moves_the_reminders_and_sends_none_twice(make_patient, sim):
    sam = make_patient(at("2026-06-01T04:00"))
    sim.run(at("2026-06-01T04:00"), at("2026-06-01T10:00"))
    accounts.update_person(sam, "Sam", "America/New_York", at("2026-06-01T10:00"))
    sim.run(at("2026-06-01T10:00"), at("2026-06-04T00:00"))
    due = [m for m in sim.inbox(sam) if m.kind == "due"]
    assert due[0].created_at == at("2026-06-01T07:00")  # London 08:00, before the move
    ny = ZoneInfo("America/New_York")
    assert {m.created_at.astimezone(ny).strftime("%H:%M") for m in due[1:]} == {"08:00", "20:00"}
    assert len(due) == len({m.slot_id for m in due})
    gaps = [b.created_at - a.created_at for a, b in itertools.pairwise(due)]
    assert min(gaps) >= dt.timedelta(hours=11)  # never two dose reminders close together


def test_snooze_never_crosses_the_window_close(make_patient, sim):
    sam = make_patient(at("2026-06-01T04:00"))  # window closes 13:00 UTC
    sim.sweep(at("2026-06-01T07:00"))
    message = sim.inbox(sam)[0]
    assert preferences.snooze(sam, message.id, 30, at("2026-06-01T12:00")) == at("2026-06-01T12:30")
    with pytest.raises(preferences.ReminderError):
        preferences.snooze(sam, message.id, 60, at("2026-06-01T12:01"))  # 13:01 is past the close
    slot = db.session.get(DoseSlot, message.slot_id)
    assert preferences.snooze_minutes(slot, at("2026-06-01T12:40")) == [10]
    assert preferences.snooze_minutes(slot, at("2026-06-01T12:55")) == []
    sim.run(at("2026-06-01T12:01"), at("2026-06-01T13:30"))
    assert [m.kind for m in sim.inbox(sam)] == ["due", "missed", "snooze"]


def test_planning_twice_plans_once(make_patient, sim):
    sam = make_patient(at("2026-06-01T04:00"))
    before = db.session.scalar(db.select(db.func.count()).select_from(Reminder))
    sim.horizon(at("2026-06-01T04:00"))
    sim.horizon(at("2026-06-01T04:00"))
    assert db.session.scalar(db.select(db.func.count()).select_from(Reminder)) == before
    assert outbox.plan_people([sam.id], at("2026-06-01T04:00")) == 0


def test_the_daily_horizon_adds_the_days_ahead_and_their_reminders(make_patient, sim):
    sam = make_patient(at("2026-06-01T04:00"))
    last_day = db.select(db.func.max(DoseSlot.local_date)).where(DoseSlot.person_id == sam.id)
    assert db.session.scalar(last_day) == dt.date(2026, 6, 15)
    slots, reminders = sim.horizon(at("2026-06-04T00:10"))
    assert db.session.scalar(last_day) == dt.date(2026, 6, 18)
    assert slots == 6 and reminders >= 12  # three days of two doses; `due` and `missed` in the inbox each
    assert sim.horizon(at("2026-06-04T00:10"))[0] == 0
    scheduled = db.session.scalars(db.select(DoseSlot.scheduled_at).where(DoseSlot.person_id == sam.id)).all()
    assert len(scheduled) == len(set(scheduled))


def test_the_clean_up_forgets_finished_rows_after_thirty_days_and_keeps_pending_ones(engine_app, make_patient, sim):
    make_patient(at("2026-06-01T04:00"))
    sim.run(at("2026-06-01T04:00"), at("2026-06-02T04:00"))
    finished = db.select(db.func.count()).select_from(Reminder).where(Reminder.state != "pending")
    assert db.session.scalar(finished) > 0
    assert scheduler.run_cleanup(engine_app, at("2026-06-20T00:00")) == 0  # too recent
    pending_before = db.session.scalar(db.select(db.func.count()).where(Reminder.state == "pending"))
    assert scheduler.run_cleanup(engine_app, at("2026-07-05T00:00")) > 0
    db.session.expire_all()
    assert db.session.scalar(finished) == 0
    assert db.session.scalar(db.select(db.func.count()).where(Reminder.state == "pending")) == pending_before
    assert sim.inbox() != []  # the inbox keeps its messages


def test_after_the_horizon_every_connection_checks_foreign_keys_again(engine_app, make_patient, sim):
    make_patient(at("2026-06-01T04:00"))
    sim.horizon(at("2026-06-02T00:10"))  # on SQLite it turns the checks off for its own transaction
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the checks are only ever turned off on SQLite")
    with engine_app.app_context():
        for _ in range(3):  # whichever pooled connection comes next
            assert db.session.execute(db.text("PRAGMA foreign_keys")).scalar() == 1
            db.session.remove()


def test_the_daily_clean_up_gives_sqlite_table_statistics(engine_app, make_patient, sim):
    make_patient(at("2026-06-01T04:00"))
    sim.horizon(at("2026-06-02T00:10"))
    scheduler.run_cleanup(engine_app, at("2026-06-02T03:30"))
    with engine_app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's autovacuum keeps its own statistics")
        analysed = db.session.execute(db.text("SELECT DISTINCT tbl FROM sqlite_stat1")).scalars().all()
        assert {"dose_slots", "reminders"} <= set(analysed)  # tables with rows; an empty one has nothing to say


def test_the_horizon_done_a_few_people_at_a_time_plans_what_it_plans_at_once(make_patient, sim, monkeypatch):
    made = at("2026-06-01T04:00")
    people = [make_patient(made, timezone=zone, name=f"P{i}")
              for i, zone in enumerate(("Europe/London", "Asia/Kolkata", "America/St_Johns"))]  # fmt: skip
    monkeypatch.setattr(scheduler, "HORIZON_GROUP", 2)  # two transactions: two people, then one
    slots, _ = sim.horizon(at("2026-06-02T04:00"))  # 2 June in all three zones
    assert slots == 3 * 2  # each person's new 15th day, two doses
    for person in people:
        days = db.session.scalars(db.select(DoseSlot.local_date).where(DoseSlot.person_id == person.id)).all()
        assert len(days) == 2 * len(set(days)) and max(days) == dt.date(2026, 6, 16)  # 2 June + 14 days
    new_slots = db.select(DoseSlot.id).order_by(DoseSlot.id.desc()).limit(6)
    planned = db.select(db.func.count()).where(Reminder.slot_id.in_(new_slots.scalar_subquery()))
    assert db.session.scalar(planned) == 6 * 2  # a due and a missed in-app reminder for each new slot
    assert sim.horizon(at("2026-06-02T04:10")) == (0, 0)  # run again: nothing new
