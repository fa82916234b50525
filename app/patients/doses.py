"""Applications, skips and undo, through the rule in app.dosing.windows; and the Today view."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.dosing.windows import Judgement, SlotState, Status, Verdict, assign, judge, slot_states, status_at
from app.extensions import db
from app.models import Application, DoseSlot, Person, Plan, RecordEdit, Skip
from app.patients.plans import current_plan, refresh_slots

REPORT_BACK = dt.timedelta(hours=24)
UNDO_WITHIN = dt.timedelta(minutes=10)
# Enough slots either side of an instant for the rule to see its neighbours.
CONTEXT = dt.timedelta(days=2)


class RecordError(ValueError):
    """A report the rule cannot take; `code` names the reason for the page or the API."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def slots_between(person: Person, start: dt.datetime, end: dt.datetime) -> list[DoseSlot]:
    """The person's slots whose windows touch [start, end), in time order."""
    query = select(DoseSlot).where(*_touching(person, start, end)).order_by(DoseSlot.scheduled_at)
    return list(db.session.scalars(query))


def _touching(person: Person, start: dt.datetime, end: dt.datetime) -> tuple:
    return DoseSlot.person_id == person.id, DoseSlot.closes_at > start, DoseSlot.opens_at < end


def slots_and_counted(person: Person, start: dt.datetime, end: dt.datetime) -> tuple[list[DoseSlot], list[dt.datetime]]:
    """The slots whose windows touch [start, end), and when their counted applications were made
    (in report order), read in one statement.

    Extras never count, so the counted applications alone decide a new report's verdict.
    """
    rows = db.session.execute(
        select(DoseSlot, Application.id, Application.applied_at)
        .outerjoin(Application, (Application.counts_for_slot_id == DoseSlot.id) & Application.voided_at.is_(None))
        .where(*_touching(person, start, end))
        .order_by(DoseSlot.scheduled_at)
    ).all()
    applied = sorted((application_id, at) for _, application_id, at in rows if application_id is not None)
    return [slot for slot, _, _ in rows], [at for _, at in applied]


def active_applications(person: Person, start: dt.datetime, end: dt.datetime) -> list[Application]:
    """Applications not undone, dated in [start, end), in the order they were reported."""
    query = select(Application).where(
        Application.person_id == person.id, Application.voided_at.is_(None),
        Application.applied_at >= start, Application.applied_at < end,
    )  # fmt: skip
    return list(db.session.scalars(query.order_by(Application.id)))


def skipped_indexes(person: Person, slots: list[DoseSlot]) -> set[int]:
    ids = {s.id: i for i, s in enumerate(slots)}
    skipped = db.session.scalars(
        select(Skip.slot_id).where(Skip.person_id == person.id, Skip.voided_at.is_(None), Skip.slot_id.in_(ids))
    )
    return {ids[slot_id] for slot_id in skipped}


def record_application(
    person: Person, at: dt.datetime, now: dt.datetime, source: str = "web"
) -> tuple[Application, Judgement]:
    """Store an application reported for instant `at` (now, or up to 24 hours back) with the rule's verdict."""
    if at > now + dt.timedelta(minutes=1):
        raise RecordError("future")
    if at < now - REPORT_BACK:
        raise RecordError("too_old")
    slots, counted = slots_and_counted(person, at - CONTEXT, at + CONTEXT)
    judgement = judge(slots, counted, at)
    counts = judgement.verdict.counts
    application = Application(
        person_id=person.id, slot_id=judgement.slot.id if judgement.slot else None, applied_at=at,
        recorded_at=now, verdict=judgement.verdict.value, source=source,
        counts_for_slot_id=judgement.slot.id if counts else None,
    )  # fmt: skip
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:
        # Another tap counted for this slot between our read and our write: judge again.
        db.session.rollback()
        return record_application(person, at, now, source)
    # The row itself records its creation (recorded_at, source); RecordEdit holds later changes.
    db.session.commit()
    return application, judgement


def undo_application(person: Person, application_id: int, now: dt.datetime) -> Application:
    """Void an application recorded in the last 10 minutes; the record and the undo are both kept."""
    application = db.session.get(Application, application_id)
    if application is None or application.person_id != person.id or application.voided_at is not None:
        raise RecordError("not_found")
    if now - application.recorded_at > UNDO_WITHIN:
        raise RecordError("undo_too_late")
    db.session.add(RecordEdit(person_id=person.id, record_type="application", record_id=application.id,
                              action="undo", at=now, before={"verdict": application.verdict}))  # fmt: skip
    application.voided_at = now
    application.counts_for_slot_id = None
    db.session.flush()
    _rejudge(person, application.applied_at, now)
    db.session.commit()
    return application


def _rejudge(person: Person, around: dt.datetime, now: dt.datetime) -> None:
    """After an undo, store again what the rule makes of the remaining applications nearby."""
    slots = slots_between(person, around - CONTEXT, around + CONTEXT)
    applications = active_applications(person, around - CONTEXT, around + CONTEXT)
    _, judgements = assign(slots, [a.applied_at for a in applications])
    for application, judgement in zip(applications, judgements, strict=True):
        counts_for = judgement.slot.id if judgement.slot and judgement.verdict.counts else None
        if application.verdict != judgement.verdict.value or application.counts_for_slot_id != counts_for:
            db.session.add(RecordEdit(person_id=person.id, record_type="application", record_id=application.id,
                                      action="rejudge", at=now, before={"verdict": application.verdict}))  # fmt: skip
            application.verdict = judgement.verdict.value
            application.counts_for_slot_id = counts_for
    db.session.flush()


def skip_dose(person: Person, slot_id: int, reason: str, now: dt.datetime) -> Skip:
    """Skip an open or upcoming dose on purpose, with a reason."""
    slot = db.session.get(DoseSlot, slot_id)
    if slot is None or slot.person_id != person.id:
        raise RecordError("not_found")
    if slot.closes_at <= now or slot.paused:
        raise RecordError("slot_closed")
    if _has_active(Skip, slot) or _has_active(Application, slot, Application.counts_for_slot_id):
        raise RecordError("already_recorded")
    skip = Skip(person_id=person.id, slot_id=slot.id, reason=reason.strip(), recorded_at=now)
    db.session.add(skip)
    db.session.commit()
    return skip


def _has_active(model, slot: DoseSlot, column=None) -> bool:
    column = model.slot_id if column is None else column
    return db.session.scalar(select(model.id).where(column == slot.id, model.voided_at.is_(None))) is not None


@dataclass(frozen=True)
class TodayView:
    """Everything the Today page and the API's `today` show, from one reading of the rule."""

    plan: Plan | None
    local_date: dt.date
    slots: list[tuple[DoseSlot, SlotState]]
    status: Status
    undoable: Application | None


def today_view(person: Person, now: dt.datetime) -> TodayView:
    """Today's slots with their states, what to say now, and the tap that can still be undone."""
    plan = current_plan(person)
    if plan is not None and _horizon_short(person, now):
        refresh_slots(person, now)
        db.session.commit()
    tz = ZoneInfo(person.timezone)
    local_date = now.astimezone(tz).date()
    slots = slots_between(person, now - CONTEXT, now + CONTEXT)
    applications = active_applications(person, now - CONTEXT, now + CONTEXT)
    instants = [a.applied_at for a in applications]
    skipped = skipped_indexes(person, slots)
    states = slot_states(slots, instants, skipped, now)
    todays = [(s, st) for s, st in zip(slots, states, strict=True) if s.local_date == local_date]
    recent = [a for a in applications if now - a.recorded_at <= UNDO_WITHIN]
    return TodayView(plan, local_date, todays, status_at(slots, instants, skipped, now), recent[-1] if recent else None)


def _horizon_short(person: Person, now: dt.datetime) -> bool:
    last = db.session.scalar(select(DoseSlot.scheduled_at).where(DoseSlot.person_id == person.id)
                             .order_by(DoseSlot.scheduled_at.desc()).limit(1))  # fmt: skip
    return last is None or last < now + dt.timedelta(days=7)


__all__ = ["RecordError", "TodayView", "Verdict", "record_application", "skip_dose", "today_view", "undo_application"]
