"""Applications, skips and undo, through the rule in app.dosing.windows; and the Today view."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.dosing.windows import Judgement, SlotState, Status, Verdict, judge, slot_states, status_at
from app.extensions import db
from app.models import Application, DoseSlot, Person, Plan, RecordEdit, Skip
from app.patients.ledger import CONTEXT, active_applications, rejudge, skipped_indexes, slots_and_counted, slots_between
from app.patients.ledger import outcome as slot_outcome
from app.patients.plans import current_plan, refresh_slots

_INSERT = insert(Application.__table__)
_SET_OUTCOME = (update(DoseSlot.__table__).where(DoseSlot.__table__.c.id == bindparam("slot_id"))
                .values(outcome=bindparam("outcome")))  # fmt: skip
REPORT_BACK = dt.timedelta(hours=24)
UNDO_WITHIN = dt.timedelta(minutes=10)


class RecordError(ValueError):
    """A report the rule cannot take; `code` names the reason for the page or the API."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def record_application(
    person: Person, at: dt.datetime, now: dt.datetime, source: str = "web", for_slot: int | None = None
) -> tuple[int, Judgement]:
    """Store an application reported for instant `at` (now, or up to 24 hours back) with the rule's verdict.

    With `for_slot` (a reminder's "Applied" action, bound to its dose) it is stored only when it counts
    for that very slot; else nothing is stored and RecordError("reminder_closed") says why, so a replayed
    or stale action never adds an extra. Returns the new application's id with the judgement. The tap
    is the busiest write there is, so it reads and writes with plain statements (the slots; the insert;
    the slot's outcome when the dose counts), not through the ORM.
    """
    if at > now + dt.timedelta(minutes=1):
        raise RecordError("future")
    if at < now - REPORT_BACK:
        raise RecordError("too_old")
    try:
        return _judge_and_store(person, at, now, source, for_slot)
    except IntegrityError:
        # Another tap counted for this slot between our read and our write: judge again on what is
        # stored now (it will not count). Any other integrity error fails the second time too.
        db.session.rollback()
        return _judge_and_store(person, at, now, source, for_slot)


def _judge_and_store(
    person: Person, at: dt.datetime, now: dt.datetime, source: str, for_slot: int | None
) -> tuple[int, Judgement]:
    slots, counted = slots_and_counted(person, at - CONTEXT, at + CONTEXT)
    skipped = [i for i, s in enumerate(slots) if s.outcome == "skipped"]
    judgement = judge(slots, counted, at, skipped)
    slot, counts = judgement.slot, judgement.verdict.counts
    if for_slot is not None and not (counts and slot.id == for_slot):
        raise RecordError("reminder_closed")
    connection = db.session.connection()
    inserted = connection.execute(_INSERT, {
        "person_id": person.id, "slot_id": slot.id if slot else None, "applied_at": at, "recorded_at": now,
        "verdict": judgement.verdict.value, "source": source, "counts_for_slot_id": slot.id if counts else None,
    })  # fmt: skip
    if counts:
        outcome = slot_outcome(judgement.verdict, skipped=False)
        connection.execute(_SET_OUTCOME, {"slot_id": slot.id, "outcome": outcome})
        held = db.session.identity_map.get(identity_key(DoseSlot, slot.id))
        if held is not None:  # a slot this session already holds says what its row now says
            set_committed_value(held, "outcome", outcome)
    # The row itself records its creation (recorded_at, source); RecordEdit holds later changes.
    db.session.commit()
    return inserted.inserted_primary_key[0], judgement


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
    rejudge(person, application.applied_at, now)
    db.session.commit()
    return application


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
    slot.outcome = slot_outcome(None, skipped=True)
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
