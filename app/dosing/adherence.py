"""Adherence over a period: implementation, timing and days with every dose applied."""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from app.dosing.windows import FINAL_STATES, TAKEN_STATES, SlotState

ADHERENT_PERCENT = 80


class DatedSlot(Protocol):
    """A slot's local date and the end of its window (schedule.DoseSlot, or the stored slot model)."""

    @property
    def local_date(self) -> dt.date: ...

    @property
    def closes(self) -> dt.datetime: ...


@dataclass(frozen=True)
class AdherenceSummary:
    """Counts over the slots whose windows have closed; paused slots are left out entirely."""

    due: int
    taken: int
    on_time: int
    late: int
    missed: int
    skipped: int
    extras: int
    # Days with a dose due, and those with every such dose applied; None where not counted (the dashboard).
    full_days: int | None = None
    days: int | None = None

    @property
    def implementation_percent(self) -> int | None:
        """Doses applied ÷ doses due, at most one per slot; None with nothing due."""
        return round(100 * self.taken / self.due) if self.due else None

    @property
    def on_time_percent(self) -> int | None:
        """Of the doses applied, the share applied on time."""
        return round(100 * self.on_time / self.taken) if self.taken else None

    @property
    def adherent(self) -> bool | None:
        pct = self.implementation_percent
        return None if pct is None else pct >= ADHERENT_PERCENT


def summarize(local_dates: Sequence[dt.date], states: Sequence[SlotState], extras: int = 0) -> AdherenceSummary:
    """Summarise slots given as parallel sequences of local date and state (from windows.slot_states).

    Only final states count; a day counts when it had a dose due, and is full when every
    dose due that day was applied.
    """
    by_day: dict[dt.date, list[SlotState]] = defaultdict(list)
    for day, state in zip(local_dates, states, strict=True):
        if state in FINAL_STATES and state is not SlotState.PAUSED:
            by_day[day].append(state)
    counted = [s for day_states in by_day.values() for s in day_states]
    return AdherenceSummary(
        due=len(counted),
        taken=sum(s in TAKEN_STATES for s in counted),
        on_time=counted.count(SlotState.ON_TIME),
        late=counted.count(SlotState.LATE),
        missed=counted.count(SlotState.MISSED),
        skipped=counted.count(SlotState.SKIPPED),
        extras=extras,
        full_days=sum(all(s in TAKEN_STATES for s in day_states) for day_states in by_day.values()),
        days=len(by_day),
    )


def summarize_closed(
    slots: Sequence[DatedSlot], states: Sequence[SlotState], now: dt.datetime, extras: int = 0
) -> AdherenceSummary:
    """Adherence over the slots whose windows have closed by `now`.

    A dose whose window is still open counts neither as taken nor as missed yet, so a figure
    never changes just because the morning's window is still open. Slots need `local_date` and
    `closes` (schedule.DoseSlot, or the stored slot model).
    """
    closed = [(slot.local_date, state) for slot, state in zip(slots, states, strict=True) if slot.closes <= now]
    return summarize([day for day, _ in closed], [state for _, state in closed], extras)
