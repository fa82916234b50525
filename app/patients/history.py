"""A person's history: the month calendar of dose slots, adherence over recent days, itch and POEM series.

Every state comes from the rule in app.dosing.windows; nothing here decides what counts.
Plain values in (a person, dates, `now`), dataclasses and models out; nothing knows about requests.
"""

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.dosing.adherence import AdherenceSummary, summarize_closed
from app.dosing.windows import EXTRA_VERDICTS, SlotState
from app.extensions import db
from app.models import Application, ItchEntry, Person, PoemResponse
from app.patients import ledger
from app.patients.ledger import CONTEXT, SlotTimes, active_applications


class Point(NamedTuple):
    """One value on one local date, for a chart and its table."""

    date: dt.date
    value: int


@dataclass(frozen=True)
class CalendarSlot:
    """One dose slot as the calendar shows it; `applied_at` is the application that counts, if any."""

    slot: SlotTimes
    state: SlotState
    applied_at: dt.datetime | None


@dataclass(frozen=True)
class CalendarDay:
    """One day cell; days of the weeks around the month have `in_month` False and nothing in them.

    `is_future` days are after the person's today: a phone's list of days leaves them out.
    """

    date: dt.date
    in_month: bool
    is_today: bool
    slots: tuple[CalendarSlot, ...] = ()
    extras: int = 0
    is_future: bool = False


@dataclass(frozen=True)
class MonthCalendar:
    """A month as whole weeks of days, first weekday first."""

    first: dt.date
    weeks: list[list[CalendarDay]]

    @property
    def has_slots(self) -> bool:
        return any(day.slots for week in self.weeks for day in week)

    @property
    def not_started(self) -> bool:
        """Every day of the month is still to come."""
        return all(day.is_future for week in self.weeks for day in week if day.in_month)

    @property
    def previous(self) -> dt.date:
        return (self.first - dt.timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> dt.date:
        return (self.first + dt.timedelta(days=31)).replace(day=1)


@dataclass(frozen=True)
class _Reading:
    """The rule's reading of a stretch of time: slots with their states and counted doses, applications."""

    slots: list[SlotTimes]
    states: list[SlotState]
    counted: dict[int, dt.datetime]
    applications: list[Application]


def local_today(person: Person, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(person.timezone)).date()


def local_midnight(timezone: str, day: dt.date) -> dt.datetime:
    """The UTC instant at which `day` begins on the calendar of a time zone (a person's, say)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(timezone)).astimezone(dt.UTC)


def _read(person: Person, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> _Reading:
    """Slots touching [start, end) and their states at `now`, read with their neighbours for context."""
    reading = ledger.read(person, start - CONTEXT, end + CONTEXT)
    applications = active_applications(person, start - CONTEXT, end + CONTEXT)
    return _Reading(reading.slots, reading.states(now), reading.counted_at(now), applications)


def _extras_by_day(person: Person, applications: list[Application], now: dt.datetime) -> dict[dt.date, int]:
    """Applications stored as extra or in a skip zone, by the local day they were applied."""
    tz = ZoneInfo(person.timezone)
    days: dict[dt.date, int] = {}
    for application in applications:
        if application.verdict in EXTRA_VERDICTS and application.applied_at <= now:
            day = application.applied_at.astimezone(tz).date()
            days[day] = days.get(day, 0) + 1
    return days


def month_calendar(person: Person, year: int, month: int, now: dt.datetime, first_weekday: int = 0) -> MonthCalendar:
    """The month's days in whole weeks, each day with its slots and their states at `now`.

    `first_weekday` is 0 for Monday ... 6 for Sunday, as the reader's locale prefers.
    """
    return _calendar(person, year, month, now, first_weekday, _read(person, *_month_span(person, year, month), now))


def adherence(person: Person, days: int, now: dt.datetime) -> AdherenceSummary:
    """Adherence over the last `days` local days up to `now` (today included).

    Only slots whose windows have closed are counted (dosing.adherence.summarize_closed); paused
    slots are left out. Extras are applications
    stored as extra or in a skip zone in the period (withdrawn ones are not counted).
    """
    return adherences(person, (days,), now)[days]


def adherences(person: Person, periods: Sequence[int], now: dt.datetime) -> dict[int, AdherenceSummary]:
    """adherence() for each period in days, from one reading of the longest.

    A slot's state depends only on the slots and reports within the rule's context of it, which every
    reading includes, so a longer reading gives each slot the same state.
    """
    return _adherences(person, periods, now, _read(person, _periods_start(person, periods, now), now, now))


def month_and_adherences(
    person: Person, year: int, month: int, now: dt.datetime, first_weekday: int, periods: Sequence[int]
) -> tuple[MonthCalendar, dict[int, AdherenceSummary]]:
    """month_calendar and adherences, from one reading when the month and the periods overlap (the usual
    page: this month and the last 30 days)."""
    month_start, month_end = _month_span(person, year, month)
    periods_start = _periods_start(person, periods, now)
    if month_start > now or month_end < periods_start:
        return month_calendar(person, year, month, now, first_weekday), adherences(person, periods, now)
    reading = _read(person, min(month_start, periods_start), max(month_end, now), now)
    return _calendar(person, year, month, now, first_weekday, reading), _adherences(person, periods, now, reading)


def _month_span(person: Person, year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    first = dt.date(year, month, 1)
    after = (first + dt.timedelta(days=31)).replace(day=1)
    return local_midnight(person.timezone, first), local_midnight(person.timezone, after)


def _periods_start(person: Person, periods: Sequence[int], now: dt.datetime) -> dt.datetime:
    return local_midnight(person.timezone, local_today(person, now) - dt.timedelta(days=max(periods) - 1))


def _calendar(person: Person, year: int, month: int, now: dt.datetime, first_weekday: int, reading: _Reading):
    by_day: dict[dt.date, list[CalendarSlot]] = {}
    for i, (slot, state) in enumerate(zip(reading.slots, reading.states, strict=True)):
        by_day.setdefault(slot.local_date, []).append(CalendarSlot(slot, state, reading.counted.get(i)))
    extras = _extras_by_day(person, reading.applications, now)
    today = local_today(person, now)
    weeks = [
        [
            CalendarDay(day, True, day == today, tuple(by_day.get(day, ())), extras.get(day, 0), day > today)
            if day.month == month
            else CalendarDay(day, False, day == today, is_future=day > today)
            for day in week
        ]
        for week in calendar.Calendar(first_weekday).monthdatescalendar(year, month)
    ]
    return MonthCalendar(dt.date(year, month, 1), weeks)


def _adherences(person: Person, periods: Sequence[int], now: dt.datetime, reading: _Reading):
    today = local_today(person, now)
    extras_by_day = _extras_by_day(person, reading.applications, now)
    summaries = {}
    for days in periods:
        first_day = today - dt.timedelta(days=days - 1)
        in_period = [
            (slot, state)
            for slot, state in zip(reading.slots, reading.states, strict=True)
            if first_day <= slot.local_date <= today
        ]
        extras = sum(count for day, count in extras_by_day.items() if first_day <= day <= today)
        summaries[days] = summarize_closed(
            [slot for slot, _ in in_period], [state for _, state in in_period], now, extras
        )
    return summaries


def itch_series(person: Person, first: dt.date, last: dt.date) -> list[Point]:
    """Peak itch (0–10) per local day from `first` to `last`, in date order; days without an entry are absent."""
    rows = db.session.execute(
        select(ItchEntry.local_date, ItchEntry.peak_itch)
        .where(ItchEntry.person_id == person.id, ItchEntry.local_date.between(first, last))
        .order_by(ItchEntry.local_date)
    )
    return [Point(day, value) for day, value in rows]


def poem_series(person: Person, first: dt.date, last: dt.date) -> list[Point]:
    """POEM totals (0–28) from `first` to `last`, in date order; the latest answer of a day stands for it."""
    rows = db.session.execute(
        select(PoemResponse.local_date, PoemResponse.total)
        .where(PoemResponse.person_id == person.id, PoemResponse.local_date.between(first, last))
        .order_by(PoemResponse.local_date, PoemResponse.id)
    )
    latest = {day: total for day, total in rows}
    return [Point(day, value) for day, value in latest.items()]


__all__ = [
    "EXTRA_VERDICTS",
    "CalendarDay",
    "CalendarSlot",
    "MonthCalendar",
    "Point",
    "adherence",
    "adherences",
    "itch_series",
    "month_and_adherences",
    "month_calendar",
    "poem_series",
]
