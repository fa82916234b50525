"""Property: for any plan, zone and start day (clock changes included), each dose gets exactly one
`due` reminder at its own instant, and nothing is ever sent once its window has closed."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.dosing.schedule import PlanRuleError, check_rule, default_cutoff_minutes
from app.extensions import db
from app.models import DoseSlot

ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham",
         "America/St_Johns"]  # fmt: skip
# Start days just before a clock change in one zone or another, and some ordinary days.
DAYS = [dt.date(2026, m, d) for m, d in [(3, 7), (3, 28), (4, 4), (9, 26), (10, 3), (10, 24), (10, 31), (6, 1)]]
times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
serial = itertools.count()


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(zone=st.sampled_from(ZONES), day=st.sampled_from(DAYS), first=times, second=st.none() | times)
def test_each_dose_gets_one_due_reminder_and_nothing_after_its_window(make_patient, sim, zone, day, first, second):
    plan_times = sorted({first, second} - {None})
    try:
        check_rule(plan_times, 120, default_cutoff_minutes(plan_times))
    except PlanRuleError:
        assume(False)
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(day, dt.time(0), tz).astimezone(dt.UTC)
    end = start + dt.timedelta(days=3)
    person = make_patient(start, times=[t.strftime("%H:%M") for t in plan_times], timezone=zone,
                          name=f"P{next(serial)}")  # fmt: skip
    sim.run(start, end)
    slots = {s.id: s for s in db.session.scalars(db.select(DoseSlot).where(DoseSlot.person_id == person.id))}
    sent = sim.inbox(person)
    due = [m for m in sent if m.kind == "due"]
    assert sorted(m.created_at for m in due) == sorted(
        s.scheduled_at for s in slots.values() if start < s.scheduled_at <= end
    )
    assert len({m.slot_id for m in due}) == len(due)
    for message in (m for m in sent if m.slot_id is not None):  # the weekly POEM prompt has no slot
        slot = slots[message.slot_id]
        assert slot.opens_at <= message.created_at < slot.closes_at
    # The slots themselves are the standard library's reading of each local time (fold=0).
    for slot in slots.values():
        local = dt.datetime.combine(slot.local_date, dt.time.fromisoformat(slot.local_time), tz)
        assert slot.scheduled_at == local.astimezone(dt.UTC)
