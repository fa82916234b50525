"""The missed-dose rule: which slot an application counts for, and what every slot's state is.

1. An application at t counts for the slot whose window holds t; a slot counts at most one.
2. A second one in the same window is an extra: stored, shown to clinicians, never counted.
3. Between one window's close and the next one's opening lies a skip zone: a report there is extra.
4. A slot whose window closed with nothing is missed; one skipped on purpose is skipped;
   slots while the plan is paused are paused and count neither way.
5. Applied from the window's opening until 60 minutes after the slot time is on time; later is late.

And over time, whatever zone or plan changes put the slots where they are:
6. Spacing: two counted applications are never closer than the slot's `min_gap`; a window whose
   dose would come too soon after (or before) a counted one opens later.
7. A cap: at most the slot's `per_day` counted applications in any span shorter than a day less the
   slot's window (and an hour for DST). A plan kept as it is never reaches it (a day's doses are a
   day apart, give or take their windows); a zone or plan change that would squeeze one more dose
   into that span is held back. A plain 24 hours would not do: a patient who applied at 08:10
   yesterday and 20:00 could not apply at 07:55 today, inside the window the plan promises.

Slots are any objects with `scheduled`, `opens`, `closes` (aware datetimes), `paused` (bool),
`min_gap` (timedelta) and `per_day` (int), sorted by time, with windows that do not overlap
(schedule.make_slots and the stored horizon guarantee it).
"""

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

ON_TIME_MINUTES = 60
DAY = dt.timedelta(hours=24)
DST_MARGIN = dt.timedelta(hours=1)


def cap_span(slot: "Slot") -> dt.timedelta:
    """The span in which at most `per_day` doses may count, for a dose in this slot (rule 7)."""
    return DAY - (slot.closes - slot.opens) - DST_MARGIN


class Slot(Protocol):
    """What the rule reads of a dose slot (schedule.DoseSlot, the stored slot model, a ledger row)."""

    @property
    def scheduled(self) -> dt.datetime: ...

    @property
    def opens(self) -> dt.datetime: ...

    @property
    def closes(self) -> dt.datetime: ...

    @property
    def paused(self) -> bool: ...

    @property
    def min_gap(self) -> dt.timedelta: ...

    @property
    def per_day(self) -> int: ...


class Verdict(StrEnum):
    """What the rule makes of one reported application."""

    COUNTED = "counted"  # on time for its slot
    LATE = "late"  # counted for its slot, but more than an hour after the slot time
    EXTRA = "extra"  # the slot already has an application: never counted
    SKIP_ZONE = "skip_zone"  # between windows after a missed dose: it is skipped; stored as extra
    EARLY = "early"  # between windows before the next one opens, nothing missed: stored as extra
    TOO_SOON = "too_soon"  # in a window, but too close to a counted dose or over the day's cap: extra
    UNSCHEDULED = "unscheduled"  # no dose planned then (before the plan, paused or stopped)

    @property
    def counts(self) -> bool:
        return self in (Verdict.COUNTED, Verdict.LATE)

    @property
    def extra(self) -> bool:
        """Reported while a plan ran, never counted: the clinician sees these as extra applications."""
        return self in (Verdict.EXTRA, Verdict.SKIP_ZONE, Verdict.EARLY, Verdict.TOO_SOON)


EXTRA_VERDICTS = frozenset(v.value for v in Verdict if v.extra)


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
    """The verdict on an application at `at`, the slot it concerns (if any) and what already counts there.

    `counted_at` is the application that counts for this slot (EXTRA), or the counted dose that is
    too close (TOO_SOON); `opens_from` is when a dose could next count: for TOO_SOON this slot's later
    opening (None: not in this window), for EARLY the opening of `next_slot`, the slot it came before.
    """

    verdict: Verdict
    at: dt.datetime
    slot: Slot | None
    counted_at: dt.datetime | None = None
    opens_from: dt.datetime | None = None
    next_slot: Slot | None = None


def _holds(slot: Slot, at: dt.datetime) -> bool:
    return slot.opens <= at < slot.closes


def _timing(slot: Slot, at: dt.datetime) -> Verdict:
    on_time_until = slot.scheduled + dt.timedelta(minutes=ON_TIME_MINUTES)
    return Verdict.COUNTED if at <= on_time_until else Verdict.LATE


class _Counted:
    """The counted applications so far, in time order, asked what they allow."""

    def __init__(self, instants: Iterable[dt.datetime] = ()):
        self.instants = sorted(instants)

    def add(self, at: dt.datetime) -> None:
        bisect.insort(self.instants, at)

    def _near(self, at: dt.datetime) -> list[dt.datetime]:
        low, high = bisect.bisect_left(self.instants, at - DAY), bisect.bisect_right(self.instants, at + DAY)
        return self.instants[low:high]

    def blocker(self, slot: Slot, at: dt.datetime) -> dt.datetime | None:
        """The counted dose that keeps a dose at `at` from counting for `slot`, if any: one closer than
        its `min_gap`, or (when `per_day` others share one cap span with it, rule 7) the one beside it."""
        near = self._near(at)
        for other in near:
            if abs(at - other) < slot.min_gap:
                return other
        merged, span = sorted([*near, at]), cap_span(slot)
        j, n = merged.index(at), slot.per_day
        for i in range(max(0, j - n), j + 1):
            if i + n < len(merged) and merged[i + n] - merged[i] < span:
                return merged[j - 1] if j > 0 else merged[j + 1]  # the counted dose next to it
        return None

    def opens_from(self, slot: Slot) -> dt.datetime | None:
        """The first instant in the slot's window at which a dose would count (None: none would)."""
        near, span = self._near(slot.opens) + self._near(slot.closes), cap_span(slot)
        candidates = {slot.opens, *(c + slot.min_gap for c in near), *(c + span for c in near)}
        for at in sorted(c for c in candidates if slot.opens <= c < slot.closes):
            if self.blocker(slot, at) is None:
                return at
        return None

    def last_before(self, at: dt.datetime) -> dt.datetime | None:
        i = bisect.bisect_right(self.instants, at)
        return self.instants[i - 1] if i else None


def assign(
    slots: Sequence[Slot],
    applications: Iterable[dt.datetime],
    skipped: Iterable[int] = (),
    settled: Iterable[int] = (),
) -> tuple[dict[int, dt.datetime], list[Judgement | None]]:
    """Apply the rule to every application in the order they were reported.

    Report order, not time order: a dose reported later but dated earlier in a window that
    already counts, or too close to a counted one, is the extra one, so a stored verdict never
    flips. `skipped` holds the indexes of slots skipped on purpose. `settled` holds the positions
    in `applications` of doses that count for slots beyond `slots`, taken as they are (judgement
    None) but weighed, in their report order, for the spacing and the cap of the rest. Returns the
    counted application per slot (by index in `slots`) and a judgement per application, in input order.
    """
    counted: dict[int, dt.datetime] = {}
    doses, skipped, settled = _Counted(), set(skipped), set(settled)
    judgements: list[Judgement | None] = []
    opens = [s.opens for s in slots]
    for position, at in enumerate(applications):
        if position in settled:
            doses.add(at)
            judgements.append(None)
            continue
        i = bisect.bisect_right(opens, at) - 1
        slot = slots[i] if i >= 0 and _holds(slots[i], at) else None
        if slot is None:
            judgements.append(_between(slots, i, at, counted, skipped, doses))
        elif slot.paused:
            judgements.append(Judgement(Verdict.UNSCHEDULED, at, slot))
        elif i in counted:
            judgements.append(Judgement(Verdict.EXTRA, at, slot, counted[i]))
        elif (near := doses.blocker(slot, at)) is not None:
            judgements.append(Judgement(Verdict.TOO_SOON, at, slot, near, doses.opens_from(slot)))
        else:
            counted[i] = at
            doses.add(at)
            judgements.append(Judgement(_timing(slot, at), at, slot, at))
    return counted, judgements


def _between(
    slots: Sequence[Slot],
    before: int,
    at: dt.datetime,
    counted: dict[int, dt.datetime],
    skipped: set[int],
    doses: _Counted,
) -> Judgement:
    """A report outside every window: unscheduled outside the plan or while paused; early when the
    dose before it was dealt with (applied or skipped) or there was none; else in the skip zone."""
    inside_plan = bool(slots) and slots[0].opens <= at < slots[-1].closes
    following = slots[before + 1] if before + 1 < len(slots) else None
    if not inside_plan or _paused_around(slots, before):
        return Judgement(Verdict.UNSCHEDULED, at, None)
    if before in counted or before in skipped:
        opens_from = doses.opens_from(following) if following is not None else None
        return Judgement(Verdict.EARLY, at, None, opens_from=opens_from, next_slot=following)
    return Judgement(Verdict.SKIP_ZONE, at, None)


def _paused_around(slots: Sequence[Slot], before: int) -> bool:
    """True when a slot either side of a gap is paused (no skip-zone message while paused)."""
    return any(s.paused for s in slots[max(before, 0) : before + 2])


def judge(
    slots: Sequence[Slot], applications: Iterable[dt.datetime], at: dt.datetime, skipped: Iterable[int] = ()
) -> Judgement:
    """The verdict on a new application at `at`, given those already recorded (in report order)."""
    _, judgements = assign(slots, [*applications, at], skipped)
    judgement = judgements[-1]
    assert judgement is not None  # only settled positions go unjudged, and `at` is not one
    return judgement


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
    counted, _ = assign(slots, [a for a in applications if a <= now], skipped)
    return [slot_state(s, counted.get(i), i in skipped, now) for i, s in enumerate(slots)]


def openings(
    slots: Sequence[Slot], applications: Iterable[dt.datetime], skipped: set[int], now: dt.datetime
) -> list[dt.datetime | None]:
    """For each slot, from when a dose would count for it given the doses counted by `now` (its window's
    opening, or later after a recent dose); None when none would (it counts one already, or the spacing
    or the cap keeps its whole window shut). For channels that list doses ahead, like the calendar."""
    counted, _ = assign(slots, [a for a in applications if a <= now], skipped)
    doses = _Counted(counted.values())
    return [None if i in counted else doses.opens_from(s) for i, s in enumerate(slots)]


class Moment(StrEnum):
    """Where `now` falls for the patient, which decides what every channel invites."""

    OPEN = "open"  # a window is open and a dose now would count: invite "I applied it"
    TAKEN = "taken"  # the open window's dose is applied: say when, invite nothing
    SKIPPED = "skipped"  # the open window's dose was skipped on purpose
    SPACED = "spaced"  # a window is open, but the last dose was too recent: say from when (or skip it)
    SKIP_ZONE = "skip_zone"  # the last dose was missed and its window closed: skip it, wait
    WAITING = "waiting"  # between windows after a dose was dealt with: say when the next opens
    PAUSED = "paused"  # the plan is paused now
    NONE = "none"  # no slot ahead (no plan, stopped, or beyond the horizon)


@dataclass(frozen=True)
class Status:
    """What the rule says at one instant. `slot` is the slot whose window is open, or the one just
    missed; `opens_from` is when a dose can next count: the open slot's later opening (SPACED; None
    when it cannot count in this window) or the next slot's (WAITING, SKIP_ZONE); `last_dose` is the
    last counted dose before now; `missed` the slot before `slot` when it closed with nothing."""

    moment: Moment
    slot: Slot | None = None
    taken_at: dt.datetime | None = None
    next_slot: Slot | None = None  # the next slot whose window has not opened yet
    opens_from: dt.datetime | None = None
    last_dose: dt.datetime | None = None
    missed: Slot | None = None

    @property
    def invites(self) -> bool:
        """True only when an application now would count: the one moment any channel may invite one."""
        return self.moment is Moment.OPEN

    def invites_for(self, slot_id: int | None) -> bool:
        """True when a dose now would count, and for this slot (a stored slot's id)."""
        return self.invites and slot_id is not None and getattr(self.slot, "id", None) == slot_id


def status_at(
    slots: Sequence[Slot], applications: Iterable[dt.datetime], skipped: set[int], now: dt.datetime
) -> Status:
    """What the patient should be told at `now`: the one place every page, the API and every
    reminder channel ask."""
    counted, _ = assign(slots, [a for a in applications if a <= now], skipped)
    doses = _Counted(counted.values())
    last = doses.last_before(now)
    upcoming = [i for i, s in enumerate(slots) if s.opens > now]
    next_slot, next_opens = _next_dose(slots, upcoming, doses)
    current = next((i for i, s in enumerate(slots) if _holds(s, now)), None)
    missed = _missed_before(slots, current if current is not None else len(slots) - len(upcoming), counted, skipped)
    if current is not None:
        slot = slots[current]
        if slot.paused:
            return Status(Moment.PAUSED, slot, next_slot=next_slot)
        if current in counted:
            return Status(Moment.TAKEN, slot, counted[current], next_slot, next_opens, last)
        if current in skipped:
            return Status(Moment.SKIPPED, slot, next_slot=next_slot, opens_from=next_opens, last_dose=last)
        opens = doses.opens_from(slot)
        moment = Moment.OPEN if opens is not None and opens <= now else Moment.SPACED
        return Status(moment, slot, None, next_slot, opens, last, missed)
    if next_slot is None:
        return Status(Moment.NONE, last_dose=last)
    if next_slot.paused:
        return Status(Moment.PAUSED, next_slot=next_slot)
    if missed is not None:
        return Status(Moment.SKIP_ZONE, missed, None, next_slot, next_opens, last, missed)
    return Status(Moment.WAITING, None, None, next_slot, next_opens, last)


def _next_dose(slots: Sequence[Slot], upcoming: list[int], doses: _Counted) -> tuple[Slot | None, dt.datetime | None]:
    """The next slot a dose could count for (or a paused one), and from when: a slot the spacing or the
    cap keeps shut for its whole window is passed over, so nothing announces a window that never opens."""
    for i in upcoming:
        if slots[i].paused:
            return slots[i], None
        if (opens := doses.opens_from(slots[i])) is not None:
            return slots[i], opens
    return None, None


def _missed_before(
    slots: Sequence[Slot], index: int, counted: dict[int, dt.datetime], skipped: set[int]
) -> Slot | None:
    """The slot just before `index` if its window closed with nothing applied or skipped (not paused)."""
    before = index - 1
    if before < 0 or slots[before].paused or before in counted or before in skipped:
        return None
    return slots[before]
