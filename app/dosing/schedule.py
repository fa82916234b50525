"""Dose slots from a plan: local wall-clock times made into UTC instants, with their windows."""

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = dt.UTC
MINUTES_PER_DAY = 24 * 60
DEFAULT_EARLY_MINUTES = 120
MAX_DOSES_PER_DAY = 2
# Windows must stay apart even when a DST change shortens the gap between two doses.
DST_MARGIN_MINUTES = 60
# Spacing a clinician may set between two counted doses: never under 4 hours.
MIN_GAP_FLOOR_MINUTES = 240
# A patient's own plan keeps its two doses at least this far apart.
PATIENT_SPACING_MINUTES = 8 * 60


class PlanRuleError(ValueError):
    """Plan times or rule parameters that would let two windows overlap or a window lose its own dose time."""


@dataclass(frozen=True)
class DoseSlot:
    """One scheduled dose: its local date and time, its UTC instant and its window."""

    local_date: dt.date
    local_time: dt.time
    scheduled: dt.datetime  # UTC
    opens: dt.datetime  # UTC
    closes: dt.datetime  # UTC
    paused: bool = False
    dose_index: int = 0  # which dose of the local day: 0 the first, 1 the second
    min_gap: dt.timedelta = dt.timedelta(0)  # no counted dose closer than this to another
    per_day: int = MAX_DOSES_PER_DAY  # at most this many counted doses in any 24 hours


def local_to_utc(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of a local wall-clock time.

    With fold=0, a time in a spring-forward gap is read with the offset in force before the
    change, which lands it later by the gap (02:30 -> 03:30); a time that happens twice in a
    fall-back hour is its first occurrence.
    """
    return dt.datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(UTC)


def minutes_of(at: dt.time) -> int:
    return at.hour * 60 + at.minute


def gaps_minutes(times: Sequence[dt.time]) -> list[int]:
    """Nominal minutes from each dose time to the next one (wrapping to the next day)."""
    minutes = sorted(minutes_of(t) for t in times)
    return [((minutes[(i + 1) % len(minutes)] - m) % MINUTES_PER_DAY) or MINUTES_PER_DAY for i, m in enumerate(minutes)]


def default_cutoff_minutes(times: Sequence[dt.time]) -> int:
    """Half the shortest interval between doses: 360 for 08:00/20:00, 720 once a day."""
    return min(gaps_minutes(times)) // 2


def default_min_gap_minutes(times: Sequence[dt.time]) -> int:
    """Two counted doses are never closer than half the shortest interval between doses (6 h for
    08:00/20:00), nor closer than 4 hours unless the doses themselves are."""
    shortest = min(gaps_minutes(times))
    return min(max(shortest // 2, MIN_GAP_FLOOR_MINUTES), shortest)


def check_min_gap(times: Sequence[dt.time], min_gap_minutes: int) -> None:
    """Raise PlanRuleError unless the spacing is at least 4 hours and at most the shortest interval."""
    if not MIN_GAP_FLOOR_MINUTES <= min_gap_minutes <= min(gaps_minutes(times)):
        raise PlanRuleError("min_gap_minutes must be from 240 to the shortest interval between doses")


def check_rule(times: Sequence[dt.time], early_minutes: int, cutoff_minutes: int) -> None:
    """Raise PlanRuleError unless every window is non-empty and apart from the next, DST included."""
    if not 1 <= len(times) <= MAX_DOSES_PER_DAY:
        raise PlanRuleError("a plan has one or two dose times a day")
    if len({minutes_of(t) for t in times}) != len(times):
        raise PlanRuleError("dose times must differ")
    if early_minutes < 0 or cutoff_minutes < 0:
        raise PlanRuleError("early_minutes and cutoff_minutes cannot be negative")
    # Strictly less, so even on a spring-forward day each window still holds its own dose time.
    if early_minutes + cutoff_minutes + DST_MARGIN_MINUTES >= min(gaps_minutes(times)):
        raise PlanRuleError("doses are too close together for these early and cut-off minutes")


def make_slots(
    times: Sequence[dt.time],
    tz: ZoneInfo,
    first_day: dt.date,
    last_day: dt.date,
    early_minutes: int,
    cutoff_minutes: int,
    min_gap_minutes: int | None = None,
) -> list[DoseSlot]:
    """Every slot from first_day to last_day (local dates, inclusive), in time order.

    A window opens early_minutes before its slot and closes cutoff_minutes before the next
    slot, never later than the next window's opening. Each slot carries the plan's spacing
    (default: half the shortest interval) and its number of doses a day.
    """
    check_rule(times, early_minutes, cutoff_minutes)
    gap = dt.timedelta(minutes=default_min_gap_minutes(times) if min_gap_minutes is None else min_gap_minutes)
    ordered = sorted(times, key=minutes_of)
    index = {t: i for i, t in enumerate(ordered)}
    instants: list[tuple[dt.date, dt.time, dt.datetime]] = []
    day = first_day
    # One day more than asked for, so the last slot knows when its window closes.
    while day <= last_day + dt.timedelta(days=1):
        instants.extend((day, t, local_to_utc(day, t, tz)) for t in ordered)
        day += dt.timedelta(days=1)
    early, cutoff = dt.timedelta(minutes=early_minutes), dt.timedelta(minutes=cutoff_minutes)
    slots = []
    for (day, at, scheduled), (_, _, following) in itertools.pairwise(instants):
        if day > last_day:
            break
        closes = min(following - cutoff, following - early)
        slots.append(DoseSlot(day, at, scheduled, scheduled - early, closes, False, index[at], gap, len(ordered)))
    return slots
