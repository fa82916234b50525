"""The missed-dose rule on DESIGN's example: 08:00/20:00 in London, early 120 and cut-off 360 minutes.

Windows: 08:00 is 06:00–14:00, skip zone 14:00–18:00, 20:00 is 18:00–02:00.
"""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app.dosing.adherence import summarize_closed
from app.dosing.schedule import make_slots
from app.dosing.windows import Moment, SlotState, Verdict, assign, judge, slot_states, status_at

LONDON = ZoneInfo("Europe/London")
DAY = dt.date(2026, 1, 15)
MORNING, EVENING = 0, 1


def at(hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    """A local London wall-clock time on DAY (+ days), as a UTC instant."""
    day = DAY + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


@pytest.fixture
def slots():
    """Today's and tomorrow's slots: 08:00, 20:00, 08:00, 20:00."""
    return make_slots([dt.time(8), dt.time(20)], LONDON, DAY, DAY + dt.timedelta(days=1), 120, 360)


def test_an_application_at_0810_counts_for_the_0800_dose(slots):
    judgement = judge(slots, [], at(8, 10))
    assert judgement.verdict is Verdict.COUNTED
    assert judgement.slot == slots[MORNING]
    assert judgement.counted_at == at(8, 10)


def test_a_second_application_in_the_same_window_is_extra_and_names_the_first(slots):
    judgement = judge(slots, [at(8, 10)], at(9))
    assert judgement.verdict is Verdict.EXTRA
    assert judgement.slot == slots[MORNING]
    assert judgement.counted_at == at(8, 10)
    assert not judgement.verdict.counts


def test_assign_counts_the_first_report_and_keeps_the_second_as_extra_even_if_dated_earlier(slots):
    counted, judgements = assign(slots, [at(9), at(8, 10)])
    assert counted == {MORNING: at(9)}
    assert [j.verdict for j in judgements] == [Verdict.COUNTED, Verdict.EXTRA]


def test_an_application_at_1500_is_in_the_skip_zone_and_does_not_count(slots):
    judgement = judge(slots, [], at(15))
    assert judgement.verdict is Verdict.SKIP_ZONE
    assert judgement.slot is None
    assert not judgement.verdict.counts


def test_at_1500_with_the_morning_dose_missed_the_patient_is_told_to_skip_it_and_wait_for_2000(slots):
    status = status_at(slots, [], set(), at(15))
    assert status.moment is Moment.SKIP_ZONE
    assert status.slot == slots[MORNING]
    assert status.next_slot == slots[EVENING]


def test_at_1500_with_the_morning_dose_applied_the_patient_just_waits_for_2000(slots):
    status = status_at(slots, [at(8, 10)], set(), at(15))
    assert status.moment is Moment.WAITING
    assert status.next_slot == slots[EVENING]


def test_an_application_at_1300_counts_but_is_late(slots):
    judgement = judge(slots, [], at(13))
    assert judgement.verdict is Verdict.LATE
    assert judgement.verdict.counts
    assert judgement.slot == slots[MORNING]


def test_the_window_opens_inclusive_at_0600(slots):
    assert judge(slots, [], at(6)).verdict is Verdict.COUNTED
    assert judge(slots, [], at(6, days=1)).slot == slots[2]
    assert judge(slots, [], at(6, days=1) - dt.timedelta(seconds=1)).verdict is Verdict.SKIP_ZONE


def test_the_window_closes_exclusive_at_1400(slots):
    assert judge(slots, [], at(14) - dt.timedelta(seconds=1)).verdict is Verdict.LATE
    assert judge(slots, [], at(14)).verdict is Verdict.SKIP_ZONE


def test_the_evening_window_runs_past_midnight_until_0200(slots):
    assert judge(slots, [], at(1, 59, days=1)).slot == slots[EVENING]
    assert judge(slots, [], at(2, days=1)).verdict is Verdict.SKIP_ZONE


def test_sixty_minutes_after_the_dose_is_still_on_time_and_one_more_minute_is_late(slots):
    assert judge(slots, [], at(9)).verdict is Verdict.COUNTED
    assert judge(slots, [], at(9, 1)).verdict is Verdict.LATE


def test_slot_states_say_on_time_and_late_the_same_way(slots):
    states = slot_states(slots, [at(9), at(21, 1)], set(), at(12, days=1))
    assert states[:2] == [SlotState.ON_TIME, SlotState.LATE]


def test_an_application_at_0730_for_the_0800_dose_shows_as_taken(slots):
    status = status_at(slots, [at(7, 30)], set(), at(8, 30))
    assert status.moment is Moment.TAKEN
    assert status.slot == slots[MORNING]
    assert status.taken_at == at(7, 30)
    assert status.next_slot == slots[EVENING]


def test_an_open_window_with_nothing_applied_invites_the_dose(slots):
    status = status_at(slots, [], set(), at(7))
    assert status.moment is Moment.OPEN
    assert status.slot == slots[MORNING]


def test_before_the_first_window_there_is_nothing_to_apply_and_after_the_last_nothing_ahead(slots):
    assert judge(slots, [], at(5)).verdict is Verdict.UNSCHEDULED
    assert judge(slots, [], at(3, days=2)).verdict is Verdict.UNSCHEDULED
    assert status_at(slots, [], set(), at(3, days=2)).moment is Moment.NONE


def test_a_missed_window_is_missed_once_closed_and_open_or_upcoming_before(slots):
    states = slot_states(slots, [], set(), at(15))
    assert states == [SlotState.MISSED, SlotState.UPCOMING, SlotState.UPCOMING, SlotState.UPCOMING]
    assert slot_states(slots, [], set(), at(19))[EVENING] is SlotState.OPEN


def test_an_application_in_a_paused_slot_is_unscheduled_and_the_slot_is_paused(slots):
    paused = [dataclasses.replace(s, paused=True) for s in slots]
    assert judge(paused, [], at(8)).verdict is Verdict.UNSCHEDULED
    assert judge(paused, [], at(15)).verdict is Verdict.UNSCHEDULED
    assert slot_states(paused, [at(8)], set(), at(3, days=2)) == [SlotState.PAUSED] * 4


def test_while_the_plan_is_paused_the_patient_is_told_so_in_and_between_windows(slots):
    paused = [dataclasses.replace(s, paused=True) for s in slots]
    assert status_at(paused, [], set(), at(8)).moment is Moment.PAUSED
    assert status_at(paused, [], set(), at(15)).moment is Moment.PAUSED


def test_a_skip_zone_next_to_a_paused_slot_is_not_a_skip_zone(slots):
    slots[EVENING] = dataclasses.replace(slots[EVENING], paused=True)
    assert judge(slots, [], at(15)).verdict is Verdict.UNSCHEDULED
    assert status_at(slots, [], set(), at(15)).moment is Moment.PAUSED


def test_a_slot_skipped_on_purpose_is_skipped_not_missed(slots):
    states = slot_states(slots, [], {MORNING}, at(15))
    assert states[MORNING] is SlotState.SKIPPED
    status = status_at(slots, [], {MORNING}, at(10))
    assert status.moment is Moment.SKIPPED
    assert status.slot == slots[MORNING]


def test_after_a_skipped_dose_the_gap_is_waiting_not_a_skip_zone(slots):
    assert status_at(slots, [], {MORNING}, at(15)).moment is Moment.WAITING


def test_a_tap_after_now_is_ignored_by_slot_states_and_status(slots):
    states = slot_states(slots, [at(8, 10)], set(), at(8))
    assert states[MORNING] is SlotState.OPEN
    assert status_at(slots, [at(8, 10)], set(), at(8)).moment is Moment.OPEN
    assert slot_states(slots, [at(8, 10)], set(), at(8, 10))[MORNING] is SlotState.ON_TIME


def test_a_second_tap_at_the_same_instant_is_extra_and_never_displaces_the_first(slots):
    judgement = judge(slots, [at(8, 10)], at(8, 10))
    assert judgement.verdict is Verdict.EXTRA
    assert judgement.counted_at == at(8, 10)


def test_a_back_dated_report_into_a_window_that_already_counts_is_extra(slots):
    judgement = judge(slots, [at(8, 10)], at(7))
    assert judgement.verdict is Verdict.EXTRA
    assert judgement.counted_at == at(8, 10)


def test_adherence_counts_only_windows_that_have_closed(slots):
    now = at(9)  # the 08:00 dose is applied and its window is still open
    states = slot_states(slots, [at(8, 10)], set(), now)
    assert summarize_closed(slots, states, now).due == 0
    later = at(14)  # the 08:00 window has closed
    summary = summarize_closed(slots, slot_states(slots, [at(8, 10)], set(), later), later)
    assert (summary.due, summary.taken, summary.on_time) == (1, 1, 1)
