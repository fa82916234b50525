"""One person's record over a period, read once for the clinician's exports (FHIR and CSV).

Every slot state comes from the rule in app.dosing.windows, read the way app.patients.history reads
it: the period's slots with two days either side, so the rule sees each slot's neighbours. One
query per table; plain values and models out, nothing knows about requests.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.dosing.windows import SlotState, Verdict
from app.extensions import db
from app.models import Application, ItchEntry, Person, Plan, PoemResponse, SideEffectReport, Skip
from app.patients import ledger
from app.patients.history import EXTRA_VERDICTS, local_midnight
from app.patients.ledger import CONTEXT, Ledger, SlotTimes, active_applications


@dataclass(frozen=True)
class SlotRecord:
    """A dose slot, its state at `now`, when the dose that counts for it was applied, and why it was skipped."""

    slot: SlotTimes
    plan: Plan | None
    state: SlotState
    applied_at: dt.datetime | None = None
    skip_reason: str | None = None


@dataclass(frozen=True)
class ApplicationRecord:
    """An application that was not undone, with the verdict stored when it was reported."""

    application: Application
    plan: Plan | None

    @property
    def extra(self) -> bool:
        """Stored as extra or reported in a skip zone: shown to clinicians, never counted."""
        return self.application.verdict in EXTRA_VERDICTS

    @property
    def counts(self) -> bool:
        """Counted (on time or late) for its slot: the slot's own entry shows it."""
        return Verdict(self.application.verdict).counts


@dataclass(frozen=True)
class PatientRecord:
    """Everything a clinician's export holds for [first_day, last_day] (the person's local dates), read at `now`."""

    person_id: int
    timezone: str
    first_day: dt.date
    last_day: dt.date
    now: dt.datetime
    slots: list[SlotRecord]
    applications: list[ApplicationRecord]
    itch: list[ItchEntry]
    side_effects: list[SideEffectReport]
    poems: list[PoemResponse]

    def local(self, at: dt.datetime) -> dt.datetime:
        """An instant on the person's own clock."""
        return at.astimezone(ZoneInfo(self.timezone))


def read_record(person: Person, first_day: dt.date, last_day: dt.date, now: dt.datetime) -> PatientRecord:
    """The person's slots (with states at `now`), applications, itch, side effects and POEMs in the period."""
    start = local_midnight(person.timezone, first_day)
    end = local_midnight(person.timezone, last_day + dt.timedelta(days=1))
    reading = ledger.read(person, start - CONTEXT, end + CONTEXT)
    applications = active_applications(person, start - CONTEXT, end + CONTEXT)
    plans = {plan.id: plan for plan in db.session.scalars(select(Plan).where(Plan.person_id == person.id))}
    return PatientRecord(
        person_id=person.id,
        timezone=person.timezone,
        first_day=first_day,
        last_day=last_day,
        now=now,
        slots=_slot_records(person, reading, plans, now, (first_day, last_day)),
        applications=_application_records(applications, reading.slots, plans, now, (start, end)),
        itch=_in_period(ItchEntry, person, first_day, last_day),
        side_effects=_in_period(SideEffectReport, person, first_day, last_day),
        poems=_in_period(PoemResponse, person, first_day, last_day),
    )


def _slot_records(
    person: Person,
    reading: Ledger,
    plans: dict[int, Plan],
    now: dt.datetime,
    period: tuple[dt.date, dt.date],
) -> list[SlotRecord]:
    """The period's slots with the rule's reading at `now`; the context slots either side are dropped."""
    slots, states, counted = reading.slots, reading.states(now), reading.counted_at(now)
    reasons = _skip_reasons(person, [slot for slot in slots if slot.skipped])
    return [
        SlotRecord(
            slot,
            plans.get(slot.plan_id),
            state,
            counted.get(i),
            reasons[slot.id] if state is SlotState.SKIPPED else None,
        )
        for i, (slot, state) in enumerate(zip(slots, states, strict=True))
        if period[0] <= slot.local_date <= period[1]
    ]


def _skip_reasons(person: Person, slots: list[SlotTimes]) -> dict[int, str]:
    """The reason given for each of these slots skipped on purpose, by slot id."""
    if not slots:
        return {}
    rows = db.session.execute(
        select(Skip.slot_id, Skip.reason).where(Skip.person_id == person.id, Skip.slot_id.in_([s.id for s in slots]))
    )
    return dict(rows.all())


def _application_records(
    applications: list[Application],
    slots: list[SlotTimes],
    plans: dict[int, Plan],
    now: dt.datetime,
    period: tuple[dt.datetime, dt.datetime],
) -> list[ApplicationRecord]:
    """Applications dated in the period and made by `now`, in time order, each with the plan in force."""
    plan_of_slot = {slot.id: plans.get(slot.plan_id) for slot in slots}
    chosen = [a for a in applications if period[0] <= a.applied_at < period[1] and a.applied_at <= now]
    return [
        ApplicationRecord(a, plan_of_slot.get(a.slot_id) or _plan_at(plans, a.applied_at))
        for a in sorted(chosen, key=lambda a: (a.applied_at, a.id))
    ]


def _plan_at(plans: dict[int, Plan], at: dt.datetime) -> Plan | None:
    """The latest plan made by `at`: the medicine an application outside any window was meant to be."""
    made = [plan for plan in plans.values() if plan.created_at <= at]
    return max(made, key=lambda plan: plan.id) if made else None


def _in_period(model, person: Person, first_day: dt.date, last_day: dt.date) -> list:
    """The person's rows of one symptom table dated in the period, in date order then as recorded."""
    return list(
        db.session.scalars(
            select(model)
            .where(model.person_id == person.id, model.local_date.between(first_day, last_day))
            .order_by(model.local_date, model.id)
        )
    )


__all__ = ["ApplicationRecord", "PatientRecord", "SlotRecord", "read_record"]
