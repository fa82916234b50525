"""Property tests: the missed-dose rule holds for any plan, any zone, across DST changes, for any taps."""

import dataclasses
import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.dosing.adherence import summarize
from app.dosing.schedule import DoseSlot, PlanRuleError, check_rule, default_cutoff_minutes, make_slots
from app.dosing.windows import (
    FINAL_STATES,
    TAKEN_STATES,
    Moment,
    SlotState,
    Verdict,
    assign,
    judge,
    slot_states,
    status_at,
)

PROPERTY = settings(max_examples=150, deadline=None, database=None)
EARLY = 120
DAYS = 30
ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
]
# Ranges starting here hold a DST change in one zone or another (both ways, 30 and 60 minutes).
DST_STARTS = [dt.date(2026, m, d) for m, d in [(3, 1), (3, 25), (4, 1), (9, 20), (10, 1), (10, 25), (10, 28)]]
# Where the clocks spring forward in 2026 (day, start minute, minutes skipped); Kolkata has no DST.
SPRING_GAPS = {
    "Europe/London": (dt.date(2026, 3, 29), 60, 60),
    "America/New_York": (dt.date(2026, 3, 8), 120, 60),
    "Australia/Lord_Howe": (dt.date(2026, 10, 4), 120, 30),
    "Pacific/Chatham": (dt.date(2026, 9, 27), 165, 60),
    "America/St_Johns": (dt.date(2026, 3, 8), 120, 60),
}
ONE_DAY = dt.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class Plan:
    times: list[dt.time]
    tz: ZoneInfo
    first_day: dt.date
    slots: list[DoseSlot]


@dataclasses.dataclass(frozen=True)
class Scenario:
    plan: Plan
    slots: list[DoseSlot]  # the plan's slots, some perhaps paused
    taps: list[dt.datetime]
    skipped: set[int]
    now: dt.datetime


@st.composite
def plans(draw) -> Plan:
    zone = draw(st.sampled_from(ZONES))
    spring, gap_start, gap_length = SPRING_GAPS.get(zone, (dt.date(2026, 3, 29), 120, 60))
    near_gap = st.integers(gap_start - 15, gap_start + gap_length + 15)
    minutes = [draw(st.one_of(st.integers(0, 24 * 60 - 1), near_gap))]
    if draw(st.booleans()):
        # Some of these intervals are too short or too long for the rule: check_rule turns them away.
        minutes.append((minutes[0] + draw(st.integers(300, 1140))) % (24 * 60))
    times = [dt.time(m // 60, m % 60) for m in minutes]
    try:
        check_rule(times, EARLY, default_cutoff_minutes(times))
    except PlanRuleError:
        assume(False)
    around_spring = st.integers(0, DAYS - 1).map(lambda n: spring - dt.timedelta(days=n))
    first_day = draw(
        st.one_of(st.sampled_from(DST_STARTS), st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), around_spring)
    )
    last_day = first_day + dt.timedelta(days=DAYS - 1)
    slots = make_slots(times, ZoneInfo(zone), first_day, last_day, EARLY, default_cutoff_minutes(times))
    return Plan(times, ZoneInfo(zone), first_day, slots)


def instants(slots: list[DoseSlot]) -> st.SearchStrategy[dt.datetime]:
    """Any instant from a day before the first window to a day after the last, often at a window's edge."""
    start, end = slots[0].opens - ONE_DAY, slots[-1].closes + ONE_DAY
    anywhere = st.integers(0, int((end - start).total_seconds())).map(lambda s: start + dt.timedelta(seconds=s))
    edges = [e for s in slots for e in (s.opens, s.scheduled, s.scheduled + dt.timedelta(minutes=60), s.closes)]
    near_edge = st.builds(lambda e, s: e + dt.timedelta(seconds=s), st.sampled_from(edges), st.integers(-1, 1))
    return st.one_of(anywhere, near_edge)


@st.composite
def scenarios(draw) -> Scenario:
    plan = draw(plans())
    slots = list(plan.slots)
    if draw(st.booleans()):  # the plan was paused for a while
        start = draw(st.integers(0, len(slots) - 1))
        for i in range(start, min(len(slots), start + draw(st.integers(1, 10)))):
            slots[i] = dataclasses.replace(slots[i], paused=True)
    taps = draw(st.lists(instants(slots), max_size=12))
    skipped = draw(st.sets(st.integers(0, len(slots) - 1), max_size=5))
    return Scenario(plan, slots, taps, skipped, draw(instants(slots)))


def holding(slots: list[DoseSlot], at: dt.datetime) -> list[int]:
    return [i for i, s in enumerate(slots) if s.opens <= at < s.closes]


# Slots and windows.


@PROPERTY
@given(plans())
def test_each_local_day_has_exactly_one_slot_per_plan_time_dst_days_included(plan):
    days = [plan.first_day + dt.timedelta(days=n) for n in range(DAYS)]
    assert Counter(s.local_date for s in plan.slots) == dict.fromkeys(days, len(plan.times))
    for day in days:
        assert [s.local_time for s in plan.slots if s.local_date == day] == sorted(plan.times)


@PROPERTY
@given(plans())
def test_windows_are_ordered_non_empty_apart_and_hold_their_own_dose_time(plan):
    for slot in plan.slots:
        assert slot.opens < slot.closes
        assert slot.opens <= slot.scheduled < slot.closes
        assert slot.scheduled - slot.opens == dt.timedelta(minutes=EARLY)
    for earlier, later in zip(plan.slots, plan.slots[1:], strict=False):
        assert earlier.scheduled < later.scheduled
        assert earlier.closes <= later.opens


@PROPERTY
@given(plans())
def test_a_slot_is_at_its_plan_time_unless_that_time_is_in_a_spring_forward_gap(plan):
    for slot in plan.slots:
        wall = slot.scheduled.astimezone(plan.tz)
        assert wall.date() == slot.local_date
        if wall.time() != slot.local_time:
            # The plan time does not exist that day: it does not survive a round trip through UTC.
            naive = dt.datetime.combine(slot.local_date, slot.local_time)
            round_trip = naive.replace(tzinfo=plan.tz).astimezone(dt.UTC).astimezone(plan.tz).replace(tzinfo=None)
            assert round_trip != naive
            assert dt.timedelta(0) < wall.replace(tzinfo=None) - naive <= dt.timedelta(hours=1)


# The rule: one application per slot, nothing counts outside a window.


@PROPERTY
@given(scenarios())
def test_no_slot_counts_more_than_one_application_and_each_lies_in_its_window(scenario):
    slots = scenario.slots
    counted, judgements = assign(slots, scenario.taps)
    assert len(judgements) == len(scenario.taps)
    assert sum(j.verdict.counts for j in judgements) == len(counted)
    for i, applied in counted.items():
        assert slots[i].opens <= applied < slots[i].closes
        assert not slots[i].paused
        # the first report in the window counts (report order), whatever time it names
        assert applied == next(a for a in scenario.taps if slots[i].opens <= a < slots[i].closes)
    for j in judgements:
        if j.verdict is Verdict.EXTRA:
            assert j.counted_at == counted[slots.index(j.slot)]


@PROPERTY
@given(scenarios())
def test_nothing_outside_every_window_ever_counts(scenario):
    counted, judgements = assign(scenario.slots, scenario.taps)
    for j in judgements:
        if not holding(scenario.slots, j.at):
            assert j.verdict in (Verdict.SKIP_ZONE, Verdict.EARLY, Verdict.UNSCHEDULED)
            assert j.slot is None
            assert j.at not in counted.values()
        else:
            assert j.verdict is not Verdict.SKIP_ZONE


@PROPERTY
@given(scenarios())
def test_every_past_slot_ends_in_exactly_one_final_state(scenario):
    slots, now = scenario.slots, scenario.now
    states = slot_states(slots, scenario.taps, scenario.skipped, now)
    counted, _ = assign(slots, [a for a in scenario.taps if a <= now])
    assert len(states) == len(slots)
    for i, (slot, state) in enumerate(zip(slots, states, strict=True)):
        assert isinstance(state, SlotState)
        if slot.closes <= now:
            assert state in FINAL_STATES
        elif not slot.paused and i not in counted and i not in scenario.skipped:
            assert state is (SlotState.OPEN if slot.opens <= now else SlotState.UPCOMING)
        assert (state in TAKEN_STATES) == (i in counted)
        assert (state is SlotState.PAUSED) == slot.paused


@PROPERTY
@given(scenarios())
def test_the_today_page_never_invites_a_dose_that_already_counts_or_lies_outside_a_window(scenario):
    slots, now = scenario.slots, scenario.now
    status = status_at(slots, scenario.taps, scenario.skipped, now)
    counted, _ = assign(slots, [a for a in scenario.taps if a <= now])
    current = holding(slots, now)
    if status.moment in (Moment.OPEN, Moment.TAKEN, Moment.SKIPPED):
        assert current == [slots.index(status.slot)]
        assert (status.moment is Moment.TAKEN) == (current[0] in counted)
    if status.moment is Moment.SKIP_ZONE:
        assert current == []
        assert judge(slots, scenario.taps, now).verdict is Verdict.SKIP_ZONE


# A verdict shown when a tap is reported is the verdict a later recomputation gives.


@PROPERTY
@given(scenarios(), st.data())
def test_judge_gives_a_new_tap_the_verdict_assign_gives_it_on_the_full_list(scenario, data):
    new = data.draw(instants(scenario.slots))
    judgement = judge(scenario.slots, scenario.taps, new)
    _, judgements = assign(scenario.slots, [*scenario.taps, new])
    assert judgement == next(j for j in reversed(judgements) if j.at == new)


@PROPERTY
@given(scenarios())
def test_taps_reported_as_they_happen_keep_their_verdict_when_everything_is_recomputed(scenario):
    taps = sorted(scenario.taps)
    _, final = assign(scenario.slots, taps)
    for k, tap in enumerate(taps):
        shown = judge(scenario.slots, taps[:k], tap)
        assert (shown.verdict, shown.slot, shown.counted_at) == (final[k].verdict, final[k].slot, final[k].counted_at)


@PROPERTY
@given(scenarios(), st.data())
def test_a_new_tap_never_turns_an_already_counted_slot_into_another_application(scenario, data):
    latest = max(scenario.taps, default=scenario.slots[0].opens - ONE_DAY)
    new = max(latest, data.draw(instants(scenario.slots)))  # often equal to the latest: a double tap
    before, _ = assign(scenario.slots, scenario.taps)
    after, _ = assign(scenario.slots, [*scenario.taps, new])
    assert {i: after[i] for i in before} == before
    assert set(after) - set(before) <= {i for i in holding(scenario.slots, new)}


# Adherence.


@PROPERTY
@given(scenarios())
def test_adherence_counts_add_up(scenario):
    states = slot_states(scenario.slots, scenario.taps, scenario.skipped, scenario.now)
    summary = summarize([s.local_date for s in scenario.slots], states, extras=3)
    final = [s for s in states if s in FINAL_STATES and s is not SlotState.PAUSED]
    assert summary.due == len(final)
    assert summary.taken + summary.missed + summary.skipped == summary.due
    assert summary.on_time + summary.late == summary.taken
    assert 0 <= summary.full_days <= summary.days <= DAYS
    assert summary.extras == 3
    if summary.due:
        assert 0 <= summary.implementation_percent <= 100
    else:
        assert summary.implementation_percent is None and summary.adherent is None
