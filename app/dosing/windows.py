"""The missed-dose rule: which slot an application counts for, and what every slot's state is.

1. An application at t counts for the slot whose window holds t; a slot counts at most one.
2. A second one in the same window is an extra: stored, shown to clinicians, never counted.
3. Between one window's close and the next one's opening lies a skip zone: a report there is extra.
4. A slot whose window closed with nothing is missed; one skipped on purpose is skipped;
   slots while the plan is paused are paused and count neither way.
5. Applied from the window's opening until 60 minutes after the slot time is on time; later is late.

Slots are any objects with `scheduled`, `opens`, `closes` (aware datetimes) and `paused` (bool),
sorted by time, with windows that do not overlap (schedule.make_slots guarantees it).
"""

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

ON_TIME_MINUTES = 60


class Slot(Protocol):
    scheduled: dt.datetime
    opens: dt.datetime
    closes: dt.datetime
    paused: bool


class Verdict(StrEnum):
    """What the rule makes of one reported application."""

    COUNTED = "counted"  # on time for its slot
    LATE = "late"  # counted for its slot, but more than an hour after the slot time
    EXTRA = "extra"  # the slot already has an application: never counted
    SKIP_ZONE = "skip_zone"  # between windows: the missed dose is skipped; stored as extra
    UNSCHEDULED = "unscheduled"  # no dose planned then (before the plan, paused or stopped)

    @property
    def counts(self) -> bool:
        return self in (Verdict.COUNTED, Verdict.LATE)


class SlotState(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    ON_TIME = "on_time"
    LATE = "late"
    SKIPPED = "skipped"
    MISSED = "missed"
    PAUSED = "paused"


FINAL_STATES = frozenset({SlotState.ON_TIME, SlotState.LATE, SlotState.SKIPPED, SlotState.MISSED, SlotState.PAUSED})
TAKEN_STATES = frozenset({SlotState.ON_TIME, SlotState.LATE})


@dataclass(frozen=True)
class Judgement:
    """The verdict on an application at `at`, the slot it concerns (if any) and what already counts there."""

    verdict: Verdict
    at: dt.datetime
    slot: Slot | None
    counted_at: dt.datetime | None = None  # the application that already counts for this slot


def _holds(slot: Slot, at: dt.datetime) -> bool:
    return slot.opens <= at < slot.closes


def slot_at(slots: Sequence[Slot], at: dt.datetime) -> Slot | None:
    """The slot whose window holds `at`, if any."""
    i = bisect.bisect_right([s.opens for s in slots], at) - 1
    return slots[i] if i >= 0 and _holds(slots[i], at) else None


def _timing(slot: Slot, at: dt.datetime) -> Verdict:
    on_time_until = slot.scheduled + dt.timedelta(minutes=ON_TIME_MINUTES)
    return Verdict.COUNTED if at <= on_time_until else Verdict.LATE


def assign(
    slots: Sequence[Slot], applications: Iterable[dt.datetime]
) -> tuple[dict[int, dt.datetime], list[Judgement]]:
    """Apply the rule to every application in the order they were reported.

    Report order, not time order: a dose reported later but dated earlier in a window that
    already counts is the extra one, so a stored verdict never flips. Returns the counted
    application per slot (by index in `slots`) and a judgement per application, in input order.
    """
    counted: dict[int, dt.datetime] = {}
    judgements = []
    opens = [s.opens for s in slots]
    for at in applications:
        i = bisect.bisect_right(opens, at) - 1
        slot = slots[i] if i >= 0 and _holds(slots[i], at) else None
        if slot is None:
            inside_plan = bool(slots) and slots[0].opens <= at < slots[-1].closes
            verdict = Verdict.SKIP_ZONE if inside_plan and not _paused_around(slots, at) else Verdict.UNSCHEDULED
            judgements.append(Judgement(verdict, at, None))
        elif slot.paused:
            judgements.append(Judgement(Verdict.UNSCHEDULED, at, slot))
        elif i in counted:
            judgements.append(Judgement(Verdict.EXTRA, at, slot, counted[i]))
        else:
            counted[i] = at
            judgements.append(Judgement(_timing(slot, at), at, slot, at))
    return counted, judgements


def _paused_around(slots: Sequence[Slot], at: dt.datetime) -> bool:
    """True when the slots either side of a gap are paused (no skip-zone message while paused)."""
    i = bisect.bisect_right([s.opens for s in slots], at)
    return any(s.paused for s in slots[max(i - 1, 0) : i + 1])


def judge(slots: Sequence[Slot], applications: Iterable[dt.datetime], at: dt.datetime) -> Judgement:
    """The verdict on a new application at `at`, given those already recorded (in report order)."""
    _, judgements = assign(slots, [*applications, at])
    return judgements[-1]


def recorded_state(verdict: Verdict | None, skipped: bool) -> SlotState | None:
    """What the records alone say of a slot, whatever the clock: ON_TIME or LATE when an application
    counts for it (`verdict` is that application's), else SKIPPED when it is skipped on purpose, else
    nothing yet. A dose that counts wins over a skip made before it."""
    if verdict is not None and verdict.counts:
        return SlotState.ON_TIME if verdict is Verdict.COUNTED else SlotState.LATE
    return SlotState.SKIPPED if skipped else None


def slot_state(slot: Slot, taken_at: dt.datetime | None, skipped: bool, now: dt.datetime) -> SlotState:
    """The state of one slot at `now`: every slot whose window has closed has a final state."""
    if slot.paused:
        return SlotState.PAUSED
    recorded = recorded_state(_timing(slot, taken_at) if taken_at is not None else None, skipped)
    if recorded is not None:
        return recorded
    if now >= slot.closes:
        return SlotState.MISSED
    return SlotState.OPEN if now >= slot.opens else SlotState.UPCOMING


def slot_states(
    slots: Sequence[Slot], applications: Iterable[dt.datetime], skipped: set[int], now: dt.datetime
) -> list[SlotState]:
    """The state of every slot at `now`; applications in report order; `skipped` holds the indexes
    of slots skipped on purpose.

    Only applications made by `now` count, so a past view never shows a later tap.
    """
    counted, _ = assign(slots, [a for a in applications if a <= now])
    return [slot_state(s, counted.get(i), i in skipped, now) for i, s in enumerate(slots)]


class Moment(StrEnum):
    """Where `now` falls for the patient, which decides what the Today page invites."""

    OPEN = "open"  # a window is open and nothing counts yet: invite "I applied it"
    TAKEN = "taken"  # the open window's dose is applied: say when, invite nothing
    SKIPPED = "skipped"  # the open window's dose was skipped on purpose
    SKIP_ZONE = "skip_zone"  # the last dose was missed and its window closed: skip it, wait
    WAITING = "waiting"  # between windows after a dose was dealt with: say when the next opens
    PAUSED = "paused"  # the plan is paused now
    NONE = "none"  # no slot ahead (no plan, stopped, or beyond the horizon)


@dataclass(frozen=True)
class Status:
    moment: Moment
    slot: Slot | None = None  # the slot whose window is open, or the one just missed
    taken_at: dt.datetime | None = None
    next_slot: Slot | None = None  # the next slot whose window has not opened yet


def status_at(
    slots: Sequence[Slot], applications: Iterable[dt.datetime], skipped: set[int], now: dt.datetime
) -> Status:
    """What the patient should be told at `now`: the one place the Today page and the API ask."""
    counted, _ = assign(slots, [a for a in applications if a <= now])
    upcoming = [i for i, s in enumerate(slots) if s.opens > now]
    next_slot = slots[upcoming[0]] if upcoming else None
    current = next((i for i, s in enumerate(slots) if _holds(s, now)), None)
    if current is not None:
        slot = slots[current]
        if slot.paused:
            return Status(Moment.PAUSED, slot, next_slot=next_slot)
        if current in counted:
            return Status(Moment.TAKEN, slot, counted[current], next_slot)
        return Status(Moment.SKIPPED if current in skipped else Moment.OPEN, slot, next_slot=next_slot)
    previous = max((i for i, s in enumerate(slots) if s.closes <= now), default=None)
    if next_slot is None:
        return Status(Moment.NONE)
    if next_slot.paused:
        return Status(Moment.PAUSED, next_slot=next_slot)
    if previous is not None and not slots[previous].paused and previous not in counted and previous not in skipped:
        return Status(Moment.SKIP_ZONE, slots[previous], next_slot=next_slot)
    return Status(Moment.WAITING, next_slot=next_slot)
