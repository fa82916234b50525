"""Dose slots from a plan: the worked example, default cut-offs, DST changes and the plan rule."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app.dosing.schedule import PlanRuleError, check_rule, default_cutoff_minutes, local_to_utc, make_slots

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
UTC = dt.UTC


def t(hour: int, minute: int = 0) -> dt.time:
    return dt.time(hour, minute)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def local(moment: dt.datetime, tz: ZoneInfo) -> tuple[dt.date, dt.time]:
    wall = moment.astimezone(tz)
    return wall.date(), wall.time()


# The worked example in DESIGN: 08:00/20:00 with the default early and cut-off minutes.


@pytest.mark.parametrize("day", [dt.date(2026, 1, 15), dt.date(2026, 7, 15)], ids=["winter", "summer"])
def test_the_twice_daily_example_has_windows_0600_to_1400_and_1800_to_0200(day):
    slots = make_slots([t(8), t(20)], LONDON, day, day, 120, default_cutoff_minutes([t(8), t(20)]))
    morning, evening = slots
    assert [(s.local_date, s.local_time) for s in slots] == [(day, t(8)), (day, t(20))]
    assert local(morning.opens, LONDON) == (day, t(6))
    assert local(morning.closes, LONDON) == (day, t(14))
    assert local(evening.opens, LONDON) == (day, t(18))
    assert local(evening.closes, LONDON) == (day + dt.timedelta(days=1), t(2))


def test_the_example_leaves_a_four_hour_skip_zone_between_the_windows():
    day = dt.date(2026, 1, 15)
    morning, evening = make_slots([t(8), t(20)], LONDON, day, day, 120, 360)
    assert evening.opens - morning.closes == dt.timedelta(hours=4)


def test_slots_are_made_for_every_day_from_first_to_last_inclusive_and_in_time_order():
    slots = make_slots([t(20), t(8)], LONDON, dt.date(2026, 1, 1), dt.date(2026, 1, 7), 120, 360)
    assert len(slots) == 14
    assert [s.scheduled for s in slots] == sorted(s.scheduled for s in slots)
    assert slots[0].local_time == t(8)
    assert not any(s.paused for s in slots)


def test_winter_slots_in_london_are_at_the_same_utc_time_and_summer_slots_an_hour_earlier():
    assert local_to_utc(dt.date(2026, 1, 15), t(8), LONDON) == utc(2026, 1, 15, 8)
    assert local_to_utc(dt.date(2026, 7, 15), t(8), LONDON) == utc(2026, 7, 15, 7)


# Default cut-off: half the shortest interval between doses.


def test_the_default_cutoff_is_360_minutes_for_eight_and_twenty():
    assert default_cutoff_minutes([t(8), t(20)]) == 360


def test_the_default_cutoff_is_720_minutes_once_daily():
    assert default_cutoff_minutes([t(9)]) == 720


def test_the_default_cutoff_uses_the_shorter_interval_when_doses_are_uneven():
    # 07:00 -> 21:00 is 14 hours, 21:00 -> 07:00 is 10 hours.
    assert default_cutoff_minutes([t(21), t(7)]) == 300


# DST: a time that does not exist moves forward by the gap; a time that happens twice is the first.


def test_a_dose_in_the_spring_forward_gap_moves_forward_by_the_gap():
    at = local_to_utc(dt.date(2026, 3, 8), t(2, 30), NEW_YORK)
    assert at == utc(2026, 3, 8, 7, 30)
    assert local(at, NEW_YORK) == (dt.date(2026, 3, 8), t(3, 30))


def test_a_slot_in_the_spring_forward_gap_keeps_the_plan_time_but_is_scheduled_an_hour_later():
    day = dt.date(2026, 3, 8)
    (slot,) = make_slots([t(2, 30)], NEW_YORK, day, day, 120, 720)
    assert (slot.local_date, slot.local_time) == (day, t(2, 30))
    assert slot.scheduled == utc(2026, 3, 8, 7, 30)
    assert slot.opens == utc(2026, 3, 8, 5, 30)


def test_a_dose_in_the_fall_back_hour_is_the_first_occurrence():
    at = local_to_utc(dt.date(2026, 11, 1), t(1, 30), NEW_YORK)
    assert at == utc(2026, 11, 1, 5, 30)
    assert at.astimezone(NEW_YORK).utcoffset() == dt.timedelta(hours=-4)
    assert at.astimezone(NEW_YORK).fold == 0


def test_the_first_occurrence_is_chosen_even_when_the_plan_time_carries_fold_one():
    assert local_to_utc(dt.date(2026, 11, 1), dt.time(1, 30, fold=1), NEW_YORK) == utc(2026, 11, 1, 5, 30)


def test_lord_howe_moves_a_dose_in_its_thirty_minute_gap_by_thirty_minutes():
    at = local_to_utc(dt.date(2026, 10, 4), t(2, 15), LORD_HOWE)
    assert local(at, LORD_HOWE) == (dt.date(2026, 10, 4), t(2, 45))
    assert at == utc(2026, 10, 3, 15, 45)
    assert at.astimezone(LORD_HOWE).utcoffset() == dt.timedelta(hours=11)


def test_lord_howe_keeps_a_dose_just_after_its_gap_at_its_own_time():
    at = local_to_utc(dt.date(2026, 10, 4), t(2, 30), LORD_HOWE)
    assert local(at, LORD_HOWE) == (dt.date(2026, 10, 4), t(2, 30))


@pytest.mark.parametrize(
    ("tz", "day"),
    [(LONDON, dt.date(2026, 3, 29)), (LONDON, dt.date(2026, 10, 25)), (NEW_YORK, dt.date(2026, 3, 8))],
)
def test_a_dst_day_still_has_one_slot_per_plan_time(tz, day):
    slots = make_slots([t(1, 30), t(13, 30)], tz, day, day, 120, 360)
    assert [(s.local_date, s.local_time) for s in slots] == [(day, t(1, 30)), (day, t(13, 30))]


# The plan rule.


@pytest.mark.parametrize(
    ("times", "early", "cutoff"),
    [
        pytest.param([], 120, 720, id="no times"),
        pytest.param([t(8), t(14), t(20)], 60, 60, id="three times"),
        pytest.param([t(8), t(8)], 120, 360, id="equal times"),
        pytest.param([t(8), dt.time(8, 0, 30)], 120, 360, id="times equal to the minute"),
        pytest.param([t(8), t(20)], -1, 360, id="negative early minutes"),
        pytest.param([t(8), t(20)], 120, -1, id="negative cut-off minutes"),
        pytest.param([t(8), t(12)], 120, 120, id="doses too close for the defaults"),
        pytest.param([t(8), t(20)], 300, 361, id="windows that would leave no DST margin"),
    ],
)
def test_check_rule_rejects_a_plan_that_breaks_the_rule(times, early, cutoff):
    with pytest.raises(PlanRuleError):
        check_rule(times, early, cutoff)


def test_make_slots_refuses_a_plan_that_breaks_the_rule():
    with pytest.raises(PlanRuleError):
        make_slots([t(8), t(8)], LONDON, dt.date(2026, 1, 1), dt.date(2026, 1, 2), 120, 360)


@pytest.mark.parametrize(
    ("times", "early", "cutoff"),
    [([t(8), t(20)], 120, 360), ([t(9)], 120, 720), ([t(8), t(20)], 300, 359), ([t(7), t(13)], 120, 179)],
)
def test_check_rule_accepts_a_plan_with_room_for_a_dst_change(times, early, cutoff):
    check_rule(times, early, cutoff)


@pytest.mark.parametrize(("early", "cutoff"), [(0, 60), (60, 0)], ids=["no early minutes", "no cut-off"])
def test_the_dst_margin_is_strict_so_each_dose_stays_inside_its_window_on_a_spring_forward_day(early, cutoff):
    day = dt.date(2026, 3, 8)  # New York: 02:00 -> 03:00, so 01:30 and 03:30 are 60 real minutes apart
    with pytest.raises(PlanRuleError):
        check_rule([t(1, 30), t(3, 30)], early, cutoff)
    check_rule([t(1, 30), t(3, 31)], early, cutoff)  # one minute more room is accepted
    first, _ = make_slots([t(1, 30), t(3, 31)], NEW_YORK, day, day, early, cutoff)
    assert first.opens <= first.scheduled < first.closes
