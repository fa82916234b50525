"""The rule over time, in plain values: spacing between counted doses, the cap, early reports."""

import datetime as dt
from zoneinfo import ZoneInfo

from app.dosing.schedule import make_slots
from app.dosing.windows import Moment, Verdict, assign, cap_span, judge, openings, status_at

LONDON = ZoneInfo("Europe/London")
DAY = dt.date(2026, 6, 10)


def london(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=LONDON).astimezone(dt.UTC)


def twice_daily(**rule):
    return make_slots([dt.time(8), dt.time(20)], LONDON, DAY, DAY + dt.timedelta(days=2), 120, 360, **rule)


def test_the_default_spacing_is_half_the_interval():
    assert {s.min_gap for s in twice_daily()} == {dt.timedelta(hours=6)}
    assert {(s.dose_index, s.local_time) for s in twice_daily()} == {(0, dt.time(8)), (1, dt.time(20))}


def test_after_a_late_morning_dose_the_evening_window_opens_six_hours_later():
    slots = twice_daily()
    late_morning = london(10, 13, 50)
    assert judge(slots, [], late_morning).verdict is Verdict.LATE
    status = status_at(slots, [late_morning], set(), london(10, 18, 30))
    assert status.moment is Moment.SPACED and not status.invites
    assert status.opens_from == london(10, 19, 50) and status.last_dose == late_morning
    assert status_at(slots, [late_morning], set(), london(10, 19, 50)).invites


def test_a_dose_closer_than_the_spacing_is_kept_as_too_soon_with_when_the_next_may_count():
    slots = twice_daily()
    judgement = judge(slots, [london(10, 13, 50)], london(10, 18, 15))
    assert judgement.verdict is Verdict.TOO_SOON and not judgement.verdict.counts and judgement.verdict.extra
    assert judgement.counted_at == london(10, 13, 50) and judgement.opens_from == london(10, 19, 50)


def test_a_back_dated_report_too_close_to_a_counted_dose_never_displaces_it():
    slots = twice_daily()
    counted, judgements = assign(slots, [london(10, 18, 30), london(10, 13, 50)])
    assert [j.verdict for j in judgements] == [Verdict.COUNTED, Verdict.TOO_SOON]
    assert list(counted.values()) == [london(10, 18, 30)]


def test_a_regular_patient_never_meets_the_cap():
    """08:10, 20:00 and 07:55 the next morning all count: the cap spans a day less the window."""
    slots = twice_daily()
    _, judgements = assign(slots, [london(10, 8, 10), london(10, 20), london(11, 7, 55), london(11, 19, 30)])
    assert all(j.verdict.counts for j in judgements)


def test_the_cap_holds_back_a_third_dose_squeezed_into_less_than_a_day():
    """Slots moved together (as after a move east) would let three doses count in 12 hours."""
    slots = [s for s in twice_daily() if s.local_date == DAY]
    squeezed = [slots[0], *(_moved(s, dt.timedelta(hours=-5)) for s in slots[1:])]  # 08:00 then 15:00
    next_day = [_moved(s, dt.timedelta(hours=-5 + 24 * 1)) for s in slots[:1]]  # 03:00 next day... not yet
    everything = squeezed + next_day
    doses = [london(10, 8), london(10, 15)]
    assert cap_span(everything[-1]) < dt.timedelta(hours=24)
    judgement = judge(everything, doses, everything[-1].opens + dt.timedelta(minutes=1))
    assert judgement.verdict in (Verdict.TOO_SOON, Verdict.COUNTED, Verdict.LATE)
    if judgement.verdict is Verdict.TOO_SOON:
        assert openings(everything, doses, set(), judgement.at)[-1] != judgement.at


def test_a_report_just_before_a_window_after_a_dose_is_early_not_too_late():
    slots = twice_daily()
    judgement = judge(slots, [london(10, 8, 5)], london(10, 17, 30))
    assert judgement.verdict is Verdict.EARLY and judgement.slot is None
    assert judgement.next_slot.scheduled == london(10, 20) and judgement.opens_from == london(10, 18)


def test_a_report_in_the_gap_after_a_missed_dose_is_in_the_skip_zone():
    assert judge(twice_daily(), [], london(10, 17, 30)).verdict is Verdict.SKIP_ZONE


def test_a_window_the_spacing_keeps_shut_is_passed_over_for_the_next_one():
    """A spacing of 13 h after a 13:50 dose leaves the 20:00 window (18:00-02:00) shut; 12 h leaves 01:50-02:00."""
    dose = london(10, 13, 50)
    assert openings(twice_daily(min_gap_minutes=12 * 60), [dose], set(), london(10, 15))[1] == london(11, 1, 50)
    slots = twice_daily(min_gap_minutes=13 * 60)
    assert openings(slots, [dose], set(), london(10, 15))[1] is None
    status = status_at(slots, [dose], set(), london(10, 18, 30))
    assert status.moment is Moment.SPACED and status.opens_from is None and not status.invites
    waiting = status_at(slots, [dose], set(), london(10, 15))
    assert waiting.next_slot.scheduled == london(11, 8) and waiting.opens_from == london(11, 6)


def _moved(slot, by: dt.timedelta):
    import dataclasses

    return dataclasses.replace(slot, scheduled=slot.scheduled + by, opens=slot.opens + by, closes=slot.closes + by)
