"""History: the month calendar, adherence for 7 and 30 days, and the itch and POEM series."""

import datetime as dt

import pytest

from app.dosing.windows import SlotState
from app.extensions import db
from app.models import ItchEntry, PoemResponse
from app.patients import history
from tests.patients.log import NOW, add_symptoms, build_log, london

S = SlotState
DAY = dt.timedelta(days=1)


@pytest.fixture
def person(make_person):
    person = make_person()
    build_log(person)
    return person


def day_states(calendar, day: dt.date) -> list[tuple[str, SlotState]]:
    cell = next(d for week in calendar.weeks for d in week if d.date == day and d.in_month)
    return [(item.slot.local_time, item.state) for item in cell.slots]


def test_the_log_gets_the_verdicts_the_rule_gives(make_person):
    verdicts = build_log(make_person())
    assert verdicts == {"late": "late", "extra": "extra", "skip_zone": "skip_zone", "withdrawn": "extra",
                        "while_paused": "unscheduled"}  # fmt: skip


def test_adherence_for_the_last_7_days_counts_closed_windows_only(person):
    summary = history.adherence(person, 7, NOW)
    assert (summary.due, summary.taken, summary.on_time, summary.late) == (8, 5, 3, 2)
    assert (summary.missed, summary.skipped, summary.extras) == (2, 1, 2)
    assert (summary.full_days, summary.days) == (1, 4)
    assert summary.implementation_percent == 62  # 5 of 8
    assert summary.on_time_percent == 60  # 3 of 5
    assert summary.adherent is False


def test_adherence_for_the_last_30_days_takes_in_the_first_day_of_the_plan(person):
    summary = history.adherence(person, 30, NOW)
    assert (summary.due, summary.taken, summary.on_time, summary.late) == (10, 7, 5, 2)
    assert (summary.missed, summary.skipped, summary.extras) == (2, 1, 2)
    assert (summary.full_days, summary.days) == (2, 5)
    assert summary.implementation_percent == 70
    assert summary.on_time_percent == 71


@pytest.mark.parametrize("now", [NOW, london(1, 14, month=6), london(31, 23), london(29, 8, 30), NOW + 20 * DAY])
def test_periods_read_together_equal_each_read_alone(person, now):
    together = history.adherences(person, (3, 7, 30), now)
    assert together == {days: history.adherences(person, (days,), now)[days] for days in (3, 7, 30)}
    assert together[7] == history.adherence(person, 7, now)


@pytest.mark.parametrize("now", [NOW, london(1, 14, month=6), london(31, 23), NOW + 20 * DAY, NOW + 70 * DAY])
@pytest.mark.parametrize("month", [4, 5, 6, 7])
def test_the_month_and_the_periods_read_together_equal_each_read_alone(person, now, month):
    calendar, summaries = history.month_and_adherences(person, 2026, month, now, 6, (7, 30))
    assert calendar == history.month_calendar(person, 2026, month, now, 6)
    assert summaries == {days: history.adherence(person, days, now) for days in (7, 30)}


def test_a_dose_counts_once_its_window_has_closed(person):
    after_close = london(1, 14, month=6)
    summary = history.adherence(person, 7, after_close)
    assert (summary.due, summary.taken, summary.on_time) == (9, 6, 4)


def test_paused_days_count_neither_way(person):
    summary = history.adherence(person, 3, london(31, 23))  # 29–31 May: two paused days, then the 31st
    assert (summary.due, summary.taken, summary.missed, summary.days) == (1, 1, 0, 1)


def test_a_withdrawn_extra_is_not_counted_and_an_application_while_paused_is_no_extra(person):
    assert history.adherence(person, 1, london(28, 23)).extras == 0
    assert history.adherence(person, 1, london(30, 23)).extras == 0
    assert history.adherence(person, 1, london(27, 23)).extras == 1  # the skip zone report


def test_a_person_without_a_plan_has_nothing_due(make_person):
    summary = history.adherence(make_person(), 7, NOW)
    assert summary.due == 0 and summary.implementation_percent is None


def test_the_calendar_shows_each_slot_in_its_state(person):
    may = history.month_calendar(person, 2026, 5, NOW)
    assert day_states(may, dt.date(2026, 5, 24)) == []
    assert day_states(may, dt.date(2026, 5, 25)) == [("08:00", S.ON_TIME), ("20:00", S.ON_TIME)]
    assert day_states(may, dt.date(2026, 5, 26)) == [("08:00", S.ON_TIME), ("20:00", S.LATE)]
    assert day_states(may, dt.date(2026, 5, 27)) == [("08:00", S.MISSED), ("20:00", S.ON_TIME)]
    assert day_states(may, dt.date(2026, 5, 28)) == [("08:00", S.SKIPPED), ("20:00", S.ON_TIME)]
    assert day_states(may, dt.date(2026, 5, 29)) == [("08:00", S.PAUSED), ("20:00", S.PAUSED)]
    assert day_states(may, dt.date(2026, 5, 30)) == [("08:00", S.PAUSED), ("20:00", S.PAUSED)]
    assert day_states(may, dt.date(2026, 5, 31)) == [("08:00", S.LATE), ("20:00", S.MISSED)]


def test_the_calendar_says_when_a_counted_dose_was_applied_and_counts_extras(person):
    may = history.month_calendar(person, 2026, 5, NOW)
    tuesday = next(d for week in may.weeks for d in week if d.date == dt.date(2026, 5, 26))
    assert [item.applied_at for item in tuesday.slots] == [london(26, 8, 10), london(26, 21, 30)]
    assert tuesday.extras == 1
    extras = {d.date.day: d.extras for week in may.weeks for d in week if d.in_month and d.extras}
    assert extras == {26: 1, 27: 1}  # the withdrawn one on the 28th and the paused one on the 30th are not extras


def test_the_calendar_is_whole_weeks_starting_on_the_first_weekday(person):
    may = history.month_calendar(person, 2026, 5, NOW)
    assert [len(week) for week in may.weeks] == [7] * 5
    assert may.weeks[0][0].date == dt.date(2026, 4, 27) and not may.weeks[0][0].in_month
    assert may.weeks[0][0].slots == ()
    sunday_first = history.month_calendar(person, 2026, 5, NOW, first_weekday=6)
    assert sunday_first.weeks[0][0].date == dt.date(2026, 4, 26)
    assert (may.previous, may.next) == (dt.date(2026, 4, 1), dt.date(2026, 6, 1))


def test_today_shows_an_open_window_as_applied_and_the_evening_as_coming_up(person):
    june = history.month_calendar(person, 2026, 6, NOW)
    today = next(d for week in june.weeks for d in week if d.is_today)
    assert today.date == dt.date(2026, 6, 1)
    assert [(i.slot.local_time, i.state) for i in today.slots] == [("08:00", S.ON_TIME), ("20:00", S.UPCOMING)]


def test_a_past_view_does_not_show_later_taps(person):
    earlier = history.month_calendar(person, 2026, 5, london(26, 21))
    assert day_states(earlier, dt.date(2026, 5, 26)) == [("08:00", S.ON_TIME), ("20:00", S.OPEN)]
    assert day_states(earlier, dt.date(2026, 5, 27)) == [("08:00", S.UPCOMING), ("20:00", S.UPCOMING)]


def test_a_month_without_a_plan_has_no_slots(person):
    assert not history.month_calendar(person, 2026, 4, NOW).has_slots
    assert history.month_calendar(person, 2026, 5, NOW).has_slots


def test_itch_and_poem_series_are_in_date_order_within_the_period(person):
    add_symptoms(person)
    itch = history.itch_series(person, dt.date(2026, 5, 21), dt.date(2026, 6, 1))
    assert itch == [(dt.date(2026, 5, 27), 6), (dt.date(2026, 5, 31), 3)]
    poem = history.poem_series(person, dt.date(2026, 5, 1), dt.date(2026, 6, 1))
    assert poem == [(dt.date(2026, 5, 18), 14), (dt.date(2026, 5, 25), 6)]


def test_the_latest_poem_of_a_day_stands_for_it(person):
    add_symptoms(person)
    db.session.add(PoemResponse(person_id=person.id, local_date=dt.date(2026, 5, 25), answers=[0] * 7, total=0,
                                band="clear", recorded_at=london(25, 22)))  # fmt: skip
    db.session.commit()
    assert history.poem_series(person, dt.date(2026, 5, 25), dt.date(2026, 5, 25)) == [(dt.date(2026, 5, 25), 0)]


def test_series_hold_only_the_persons_own_entries(person, make_person):
    other = make_person("Alex", account=person.account)
    db.session.add(ItchEntry(person_id=other.id, local_date=dt.date(2026, 5, 31), peak_itch=9, recorded_at=NOW))
    db.session.commit()
    assert history.itch_series(person, dt.date(2026, 5, 1), dt.date(2026, 6, 1)) == []
