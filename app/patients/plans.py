"""Treatment plans and their dose slots: create, change, pause, resume, stop; keep the horizon filled.

Past slots never change. Slots whose window has not opened are remade on every change; a slot whose
window has opened (closed, or open now) is kept, and it is its dose: no new slot is made for the same
dose of the same local day, and no new window opens before a kept one has closed.
"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, true

from app.dosing.schedule import (
    DEFAULT_EARLY_MINUTES,
    check_min_gap,
    check_rule,
    default_cutoff_minutes,
    default_min_gap_minutes,
    make_slots,
)
from app.extensions import db
from app.models import Application, DoseSlot, Person, Plan, PlanEvent
from app.models.bulk import insert_new_values, stored
from app.models.plans import ACTIVE, PAUSED, STOPPED
from app.patients.ledger import rejudge
from app.reminders import outbox

HORIZON_DAYS = 14
REVIEW_AFTER = dt.timedelta(weeks=6)
# A plan's dates lie in these years: outside them a date is a slip of the keyboard (9999-12-31), and the
# dates worked out from it (its review, its dose slots) would not fit a date.
FIRST_PLAN_DATE, LAST_PLAN_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


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
    min_gap_minutes: int | None = None
    tube_grams: int | None = None  # 30, 60 or 100 (app.measures.ftu.TUBE_SIZES)
    tube_opened: dt.date | None = None  # left out: kept if the tube's size is unchanged, else today


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
    if data.min_gap_minutes is not None:
        check_min_gap(data.times, data.min_gap_minutes)
    gap = default_min_gap_minutes(data.times) if data.min_gap_minutes is None else data.min_gap_minutes
    old = current_plan(person)
    tube_opened = _tube_opened(person, old, data, now)
    if old:
        _set_status(old, STOPPED, now, "replaced by a new plan")
    plan = Plan(
        person_id=person.id,
        medicine=data.medicine,
        strength=data.strength,
        body_areas=data.body_areas,
        other_area=data.other_area,
        times=sorted(t.strftime("%H:%M") for t in data.times),
        start_date=data.start_date,
        review_date=data.review_date or data.start_date + REVIEW_AFTER,
        status=ACTIVE,
        early_minutes=early,
        cutoff_minutes=cutoff,
        min_gap_minutes=gap,
        tube_grams=data.tube_grams,
        tube_opened=tube_opened,
        created_at=now,
        updated_at=now,
    )
    plan.events.append(PlanEvent(kind="created", at=now, detail=", ".join(plan.times)))
    db.session.add(plan)
    db.session.flush()
    refresh_slots(person, now)
    db.session.commit()
    return plan


def _tube_opened(person: Person, old: Plan | None, data: PlanInput, now: dt.datetime) -> dt.date | None:
    """The day the plan's tube was opened: as given; else the old plan's, when the tube's size is the same
    (the same tube, the plan saved again); else the person's today, the day the size was set."""
    if not data.tube_grams:
        return None
    if data.tube_opened is not None:
        return data.tube_opened
    if old is not None and old.tube_grams == data.tube_grams and old.tube_opened is not None:
        return old.tube_opened
    return now.astimezone(ZoneInfo(person.timezone)).date()


@dataclass(frozen=True)
class RuleChange:
    """A clinician's new times and rule parameters for the current plan."""

    times: list[dt.time]
    early_minutes: int
    cutoff_minutes: int
    min_gap_minutes: int
    review_date: dt.date


def change_plan(plan: Plan, change: RuleChange, now: dt.datetime) -> list[str]:
    """A clinician's change to the current plan: only the slots ahead are remade. Returns what changed,
    in words for the record ("times 08:00, 20:00 -> 09:00, 21:00"); PlanRuleError if the times clash."""
    check_rule(change.times, change.early_minutes, change.cutoff_minutes)
    check_min_gap(change.times, change.min_gap_minutes)
    new = {
        "times": sorted(t.strftime("%H:%M") for t in change.times),
        "early_minutes": change.early_minutes,
        "cutoff_minutes": change.cutoff_minutes,
        "min_gap_minutes": change.min_gap_minutes,
        "review_date": change.review_date,
    }
    changes = [
        f"{name} {_shown(getattr(plan, name))} -> {_shown(value)}"
        for name, value in new.items()
        if getattr(plan, name) != value
    ]
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
    plan = current_plan(person)
    kept = _kept_slots(person, now)
    open_slot = next((s for s in kept if s.closes_at > now), None)
    if open_slot is not None and not _has_counted_application(open_slot):
        open_slot.paused = plan is None or plan.status != ACTIVE
    if plan is not None:
        db.session.add_all(_new_slots(person, plan, kept, now))
    _rejudge_and_replan(person, now)


def _kept_slots(person: Person, now: dt.datetime) -> list[DoseSlot]:
    """The slots of the last few days whose windows have opened: each is its dose, whatever changes."""
    since = now - dt.timedelta(days=3)
    query = select(DoseSlot).where(
        DoseSlot.person_id == person.id, DoseSlot.opens_at <= now, DoseSlot.closes_at > since
    )
    return list(db.session.scalars(query.order_by(DoseSlot.scheduled_at)))


def _new_slots(person: Person, plan: Plan, kept: list[DoseSlot], now: dt.datetime) -> list[DoseSlot]:
    """The plan's slots ahead, in the person's zone, leaving out every dose a kept slot already is, and
    opening none before the last kept window has closed (a window may have opened already: a new plan
    can still log this morning's dose, when app.dosing's spacing and cap allow it)."""
    tz = ZoneInfo(person.timezone)
    today = now.astimezone(tz).date()
    held = {(s.local_date, s.dose_index) for s in kept}
    after = max((s.closes_at for s in kept), default=None)
    made = make_slots(
        parse_times(plan),
        tz,
        max(plan.start_date, today - dt.timedelta(days=1)),
        today + dt.timedelta(days=HORIZON_DAYS),
        plan.early_minutes,
        plan.cutoff_minutes,
        plan.min_gap_minutes,
    )
    new = []
    for slot in made:
        opens = max(slot.opens, after) if after else slot.opens
        if slot.local_date < plan.start_date or (slot.local_date, slot.dose_index) in held or opens >= slot.closes:
            continue
        if slot.closes > now:
            new.append(_stored_slot(person, plan, slot, opens))
    return new


def _stored_slot(person: Person, plan: Plan, slot, opens: dt.datetime) -> DoseSlot:
    """A made slot as stored, its window opening at `opens`. A window that opens late (after a kept one
    closed) has its dose time there too, so slots in time order are in window order and none shares an
    instant with a kept one."""
    return DoseSlot(
        person_id=person.id,
        plan_id=plan.id,
        local_date=slot.local_date,
        local_time=slot.local_time.strftime("%H:%M"),
        scheduled_at=max(slot.scheduled, opens),
        opens_at=opens,
        closes_at=slot.closes,
        paused=plan.status == PAUSED,
        dose_index=slot.dose_index,
        min_gap_minutes=plan.min_gap_minutes,
        per_day=slot.per_day,
    )


def _rejudge_and_replan(person: Person, now: dt.datetime) -> None:
    """A window open now may have been made, paused or resumed with reports already in it: the rule
    judges them again, so a dose reported while it was paused counts once it resumes. Then the
    reminders follow the new slots."""
    db.session.flush()
    rejudge(person, now, now)
    outbox.replan(person, now)


SLOT_COLUMNS = [
    "person_id",
    "plan_id",
    "paused",
    "local_date",
    "local_time",
    "scheduled_at",
    "opens_at",
    "closes_at",
    "dose_index",
    "min_gap_minutes",
    "per_day",
]


def horizon_people(now: dt.datetime) -> list[int]:
    """The people whose plans the daily job extends (any plan not stopped), in id order."""
    query = select(Plan.person_id).where(Plan.status != STOPPED).distinct().order_by(Plan.person_id)
    return list(db.session.scalars(query))


def extend_horizon(now: dt.datetime, person_ids: list[int] | None = None) -> int:
    """The daily job: add the slots each current plan (of these people) lacks up to the horizon, in bulk;
    returns how many.

    Only days after a person's last slot are added, so slots already made (and past ones) never change.
    People who share a zone, times and rule get the same slots, so each set is worked out once.
    """

    def chosen(column):
        return column.in_(person_ids) if person_ids is not None else true()

    last_day = (
        select(
            DoseSlot.person_id, func.max(DoseSlot.local_date).label("day"), func.max(DoseSlot.closes_at).label("closes")
        )
        .where(chosen(DoseSlot.person_id))
        .group_by(DoseSlot.person_id)
        .subquery()
    )
    plans = db.session.execute(
        select(
            Plan.id,
            Plan.person_id,
            Plan.status,
            Plan.start_date,
            Person.timezone,
            Plan.times,
            Plan.early_minutes,
            Plan.cutoff_minutes,
            Plan.min_gap_minutes,
            last_day.c.day,
            last_day.c.closes,
        )
        .join(Person, Person.id == Plan.person_id)
        .outerjoin(last_day, last_day.c.person_id == Plan.person_id)
        .where(Plan.status != STOPPED, chosen(Plan.person_id))
    )
    postgres = db.session.get_bind().dialect.name == "postgresql"
    shared, rows = {}, []
    for plan_id, person_id, status, start, timezone, *rule, day, closes in plans:
        today = now.astimezone(ZoneInfo(timezone)).date()
        first_day = max(start, today, day + dt.timedelta(days=1) if day else today)
        key = (timezone, tuple(rule[0]), *rule[1:], first_day, today)
        if key not in shared:
            shared[key] = _horizon_values(timezone, rule, first_day, today, now, postgres)
        paused = status == PAUSED
        rows += [
            (person_id, plan_id, paused, *values) for opens, values in shared[key] if closes is None or opens >= closes
        ]
    return insert_new_values(DoseSlot.__table__, SLOT_COLUMNS, rows)  # a second scheduler's adds nothing twice


def _horizon_values(timezone: str, rule: list, first_day: dt.date, today: dt.date, now: dt.datetime, postgres: bool):
    """The slots of one zone and rule (times, early, cut-off, spacing) ahead, as (opens, stored column values)."""
    times, early, cutoff, gap = rule
    last_day = today + dt.timedelta(days=HORIZON_DAYS)
    made = make_slots(
        [dt.time.fromisoformat(t) for t in times], ZoneInfo(timezone), first_day, last_day, early, cutoff, gap
    )
    return [(s.opens, (*stored_times(s, postgres), s.dose_index, gap, s.per_day)) for s in made if s.closes > now]


def stored_times(slot, postgres: bool) -> tuple:
    """A made slot's dates and instants as the bulk insert takes them (SLOT_COLUMNS' middle five)."""
    values = (slot.local_date, slot.local_time.strftime("%H:%M"), slot.scheduled, slot.opens, slot.closes)
    return tuple(stored(v, postgres) for v in values)


def _has_counted_application(slot: DoseSlot) -> bool:
    return db.session.scalar(select(Application.id).where(Application.counts_for_slot_id == slot.id)) is not None
