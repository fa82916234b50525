"""Treatment plans and their dose slots: create, change, pause, resume, stop; keep the horizon filled.

Past slots never change. Slots whose window has not opened are remade on every change; a window
that is open now is kept, and nothing new may start before it closes.
"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, true

from app.dosing.schedule import DEFAULT_EARLY_MINUTES, check_rule, default_cutoff_minutes, make_slots
from app.extensions import db
from app.models import Application, DoseSlot, Person, Plan, PlanEvent
from app.models.bulk import insert_new_values, stored
from app.models.plans import ACTIVE, PAUSED, STOPPED
from app.patients.ledger import rejudge
from app.reminders import outbox

HORIZON_DAYS = 14
REVIEW_AFTER = dt.timedelta(weeks=6)


@dataclass
class PlanInput:
    """What a patient chooses; the rule parameters default from DESIGN.md when left out."""

    medicine: str
    strength: str
    times: list[dt.time]
    start_date: dt.date
    body_areas: list[str] = field(default_factory=list)
    other_area: str = ""
    review_date: dt.date | None = None
    early_minutes: int | None = None
    cutoff_minutes: int | None = None


def current_plan(person: Person) -> Plan | None:
    """The person's plan that is active or paused, if any."""
    return db.session.scalar(
        select(Plan).where(Plan.person_id == person.id, Plan.status != STOPPED).order_by(Plan.id.desc()).limit(1)
    )


def parse_times(plan: Plan) -> list[dt.time]:
    return [dt.time.fromisoformat(t) for t in plan.times]


def create_plan(person: Person, data: PlanInput, now: dt.datetime) -> Plan:
    """Start a plan (stopping any current one) and make its slots; PlanRuleError if the times clash."""
    early = DEFAULT_EARLY_MINUTES if data.early_minutes is None else data.early_minutes
    cutoff = default_cutoff_minutes(data.times) if data.cutoff_minutes is None else data.cutoff_minutes
    check_rule(data.times, early, cutoff)
    if old := current_plan(person):
        _set_status(old, STOPPED, now, "replaced by a new plan")
    plan = Plan(
        person_id=person.id, medicine=data.medicine, strength=data.strength, body_areas=data.body_areas,
        other_area=data.other_area, times=sorted(t.strftime("%H:%M") for t in data.times),
        start_date=data.start_date, review_date=data.review_date or data.start_date + REVIEW_AFTER,
        status=ACTIVE, early_minutes=early, cutoff_minutes=cutoff, created_at=now, updated_at=now,
    )  # fmt: skip
    plan.events.append(PlanEvent(kind="created", at=now, detail=", ".join(plan.times)))
    db.session.add(plan)
    db.session.flush()
    refresh_slots(person, now)
    db.session.commit()
    return plan


def change_plan(plan: Plan, times: list[dt.time], early_minutes: int, cutoff_minutes: int,
                review_date: dt.date, now: dt.datetime) -> list[str]:  # fmt: skip
    """A clinician's change to the current plan: only the slots ahead are remade. Returns what changed,
    in words for the record ("times 08:00, 20:00 -> 09:00, 21:00"); PlanRuleError if the times clash."""
    check_rule(times, early_minutes, cutoff_minutes)
    new = {"times": sorted(t.strftime("%H:%M") for t in times), "early_minutes": early_minutes,
           "cutoff_minutes": cutoff_minutes, "review_date": review_date}  # fmt: skip
    changes = [f"{name} {_shown(getattr(plan, name))} -> {_shown(value)}"
               for name, value in new.items() if getattr(plan, name) != value]  # fmt: skip
    if not changes:
        return []
    for name, value in new.items():
        setattr(plan, name, value)
    plan.updated_at = now
    plan.events.append(PlanEvent(kind="changed", at=now, detail="; ".join(changes)))
    db.session.flush()
    refresh_slots(db.session.get(Person, plan.person_id), now)
    return changes


def _shown(value) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def set_status(person: Person, status: str, now: dt.datetime) -> Plan | None:
    """Pause ("my skin is clear"), resume or stop the current plan, and remake the slots ahead."""
    plan = current_plan(person)
    if plan is None or plan.status == status:
        return plan
    _set_status(plan, status, now)
    refresh_slots(person, now)
    db.session.commit()
    return plan


def _set_status(plan: Plan, status: str, now: dt.datetime, detail: str = "") -> None:
    kinds = {ACTIVE: "resumed", PAUSED: "paused", STOPPED: "stopped"}
    plan.status = status
    plan.updated_at = now
    plan.events.append(PlanEvent(kind=kinds[status], at=now, detail=detail))


def refresh_slots(person: Person, now: dt.datetime) -> None:
    """Make the slots from now to the horizon match the person's current plan and time zone."""
    db.session.execute(delete(DoseSlot).where(DoseSlot.person_id == person.id, DoseSlot.opens_at > now))
    open_slot = db.session.scalar(
        select(DoseSlot).where(DoseSlot.person_id == person.id, DoseSlot.opens_at <= now, DoseSlot.closes_at > now)
    )
    plan = current_plan(person)
    if open_slot is not None and not _has_counted_application(open_slot):
        open_slot.paused = plan is None or plan.status != ACTIVE
    if plan is None:
        _rejudge_and_replan(person, now)
        return
    tz = ZoneInfo(person.timezone)
    today = now.astimezone(tz).date()
    first_day = max(plan.start_date, today)
    for slot in make_slots(parse_times(plan), tz, first_day, today + dt.timedelta(days=HORIZON_DAYS),
                           plan.early_minutes, plan.cutoff_minutes):  # fmt: skip
        # A window open now is made too (a new plan can log this morning's dose), but nothing
        # may open before a window already open has closed.
        if slot.closes > now and (open_slot is None or slot.opens >= open_slot.closes_at):
            db.session.add(DoseSlot(
                person_id=person.id, plan_id=plan.id, local_date=slot.local_date,
                local_time=slot.local_time.strftime("%H:%M"), scheduled_at=slot.scheduled,
                opens_at=slot.opens, closes_at=slot.closes, paused=plan.status == PAUSED,
            ))  # fmt: skip
    _rejudge_and_replan(person, now)


def _rejudge_and_replan(person: Person, now: dt.datetime) -> None:
    """A window open now may have been made, paused or resumed with reports already in it: the rule
    judges them again, so a dose reported while it was paused counts once it resumes. Then the
    reminders follow the new slots."""
    db.session.flush()
    rejudge(person, now, now)
    outbox.replan(person, now)


SLOT_COLUMNS = ["person_id", "plan_id", "local_date", "local_time", "scheduled_at", "opens_at", "closes_at", "paused"]


def horizon_people(now: dt.datetime) -> list[int]:
    """The people whose plans the daily job extends (any plan not stopped), in id order."""
    return list(db.session.scalars(select(Plan.person_id).where(Plan.status != STOPPED).distinct()
                                   .order_by(Plan.person_id)))  # fmt: skip


def extend_horizon(now: dt.datetime, person_ids: list[int] | None = None) -> int:
    """The daily job: add the slots each current plan (of these people) lacks up to the horizon, in bulk;
    returns how many.

    Only days after a person's last slot are added, so slots already made (and past ones) never change.
    People who share a zone, times and rule get the same slots, so each set is worked out once.
    """

    def chosen(column):
        return column.in_(person_ids) if person_ids is not None else true()

    last_day = (select(DoseSlot.person_id, func.max(DoseSlot.local_date).label("day"),
                       func.max(DoseSlot.closes_at).label("closes"))
                .where(chosen(DoseSlot.person_id)).group_by(DoseSlot.person_id).subquery())  # fmt: skip
    plans = db.session.execute(
        select(Plan.id, Plan.person_id, Plan.times, Plan.start_date, Plan.status, Plan.early_minutes,
               Plan.cutoff_minutes, Person.timezone, last_day.c.day, last_day.c.closes)
        .join(Person, Person.id == Plan.person_id)
        .outerjoin(last_day, last_day.c.person_id == Plan.person_id)
        .where(Plan.status != STOPPED, chosen(Plan.person_id))
    )  # fmt: skip
    postgres = db.session.get_bind().dialect.name == "postgresql"
    shared, rows = {}, []
    for plan_id, person_id, times, start, status, early, cutoff, timezone, day, closes in plans:
        today = now.astimezone(ZoneInfo(timezone)).date()
        first_day = max(start, today, day + dt.timedelta(days=1) if day else today)
        key = (timezone, tuple(times), early, cutoff, first_day, today)
        if key not in shared:
            made = make_slots([dt.time.fromisoformat(t) for t in times], ZoneInfo(timezone), first_day,
                              today + dt.timedelta(days=HORIZON_DAYS), early, cutoff)  # fmt: skip
            shared[key] = [(s.opens, tuple(stored(v, postgres) for v in (s.local_date, s.local_time.strftime("%H:%M"),
                            s.scheduled, s.opens, s.closes))) for s in made if s.closes > now]  # fmt: skip
        paused = status == PAUSED
        rows += [(person_id, plan_id, *values, paused) for opens, values in shared[key]
                 if closes is None or opens >= closes]  # fmt: skip
    return insert_new_values(DoseSlot.__table__, SLOT_COLUMNS, rows)  # a second scheduler's adds nothing twice


def _has_counted_application(slot: DoseSlot) -> bool:
    return db.session.scalar(select(Application.id).where(Application.counts_for_slot_id == slot.id)) is not None
