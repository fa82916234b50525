"""The 12-week calendar heatmap of a patient's doses: one cell per local day, from the rule's states."""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from app.clinics.records import PatientRecord
from app.dosing.windows import TAKEN_STATES, SlotState

WEEKS = 12
# A day's overall result, worst first; "none" is a day without a dose planned.
FULL, PARTIAL, MISSED, PAUSED, OPEN, NONE = "full", "partial", "missed", "paused", "open", "none"


@dataclass(frozen=True)
class Day:
    date: dt.date
    result: str
    applied: int = 0  # doses applied (on time or late)
    due: int = 0  # doses due, paused ones left out
    extras: int = 0


def first_day(today: dt.date) -> dt.date:
    """The Monday WEEKS-1 weeks before this week's Monday: the heatmap's first cell."""
    return today - dt.timedelta(days=today.weekday() + 7 * (WEEKS - 1))


def weeks(record: PatientRecord, today: dt.date) -> list[list[Day]]:
    """WEEKS rows of 7 days (Monday first) ending with the current week; days after today are "none"."""
    by_day: dict[dt.date, list[SlotState]] = defaultdict(list)
    for slot in record.slots:
        by_day[slot.slot.local_date].append(slot.state)
    extras = Counter(record.local(a.application.applied_at).date() for a in record.applications if a.extra)
    start = first_day(today)
    days = [_day(start + dt.timedelta(days=i), by_day, extras, today) for i in range(7 * WEEKS)]
    return [days[i : i + 7] for i in range(0, len(days), 7)]


def _day(date: dt.date, by_day: dict, extras: Counter, today: dt.date) -> Day:
    states = by_day.get(date, []) if date <= today else []
    counted = [s for s in states if s is not SlotState.PAUSED]
    applied, extra = sum(s in TAKEN_STATES for s in counted), extras.get(date, 0)
    if not states:
        result = NONE
    elif not counted:
        result = PAUSED
    elif any(s in (SlotState.OPEN, SlotState.UPCOMING) for s in counted):
        result = OPEN
    elif applied == len(counted):
        result = FULL
    else:
        result = PARTIAL if applied else MISSED
    return Day(date, result, applied, len(counted), extra)
