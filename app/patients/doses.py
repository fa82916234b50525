"""Applications, skips and undo, through the rule in app.dosing.windows; and the Today view."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from app.dosing.windows import Judgement, SlotState, Status, Verdict
from app.extensions import db
from app.models import Application, DoseSlot, Person, Plan, Skip
from app.patients import ledger
from app.patients.ledger import CONTEXT, SlotTimes, rejudge
from app.patients.plans import current_plan, refresh_slots

_INSERT = insert(Application.__table__)
REPORT_BACK = dt.timedelta(hours=24)
UNDO_WITHIN = dt.timedelta(minutes=10)


class RecordError(ValueError):
    """A report the rule cannot take; `code` names the reason for the page or the API."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class Repeated(Exception):
    """A request whose key the person's record holds already (a resend, or its twin from another tab won the
    race): nothing new is stored. `record` is what the first one stored; for an application not undone since,
    `judgement` is the verdict it was given, to answer in the same words."""

    def __init__(self, record, judgement: Judgement | None = None):
        super().__init__(record)
        self.record = record
        self.judgement = judgement


def stored_with_key(model, person: Person, request_key: str | None):
    """The person's record of this kind (Application, Skip, ItchEntry) stored with this request key, if any."""
    if request_key is None:
        return None
    return db.session.scalar(select(model).where(model.person_id == person.id, model.request_key == request_key))


def record_application(
    person: Person,
    at: dt.datetime,
    now: dt.datetime,
    source: str = "web",
    for_slot: int | None = None,
    request_key: str | None = None,
    tapped_at: dt.datetime | None = None,
) -> tuple[int, Judgement]:
    """Store an application reported for instant `at` (now, or up to 24 hours back) with the rule's verdict.

    With `for_slot` (a reminder's "Applied" action, bound to its dose) it is stored only when it counts
    for that very slot; else nothing is stored and RecordError("reminder_closed") says why, so a replayed
    or stale action never adds an extra. With `request_key`, a request already stored raises Repeated
    (before any other check: a resend is answered as the first was, however late it comes). `tapped_at`,
    the instant of a tap kept offline, is taken up to 24 hours back; `at` is then judged from it by the
    caller, while `now` stays the time of recording. Returns the new application's id with the judgement.
    The tap is the busiest write there is, so it reads and writes with plain statements (the slots; the
    insert; the slot's outcome when the dose counts), not through the ORM.
    """
    _raise_if_repeated(Application, person, request_key)
    if tapped_at is not None and tapped_at < now - REPORT_BACK:
        raise RecordError("tap_too_old")
    if at > now + dt.timedelta(minutes=1):
        raise RecordError("future")
    if at < now - REPORT_BACK:
        raise RecordError("too_old")
    try:
        return _judge_and_store(person, at, now, source, for_slot, request_key)
    except IntegrityError:
        # Another tap counted for this slot between our read and our write: judge again on what is
        # stored now (it will not count). Or the same request from another tab stored first: answer
        # as it. Any other integrity error fails the second time too.
        db.session.rollback()
        _raise_if_repeated(Application, person, request_key)
        return _judge_and_store(person, at, now, source, for_slot, request_key)


def _raise_if_repeated(model, person: Person, request_key: str | None) -> None:
    """Repeated, when the person's record holds a `model` stored with this request key."""
    record = stored_with_key(model, person, request_key)
    if record is None:
        return
    if isinstance(record, Application) and record.voided_at is None:
        raise Repeated(record, _as_judged(person, record))
    raise Repeated(record)


def _as_judged(person: Person, application: Application) -> Judgement:
    """The rule's judgement of a stored application as a new report of it: its own dose left out of what
    counts, the others as they are now. `rejudge` keeps the stored verdict equal to this."""
    at = application.applied_at
    reading = ledger.read(person, at - CONTEXT, at + CONTEXT)
    counted = list(reading.counted)
    if application.counts_for_slot_id is not None and at in counted:
        counted.remove(at)
    return ledger.Ledger(reading.slots, counted).judge(at)


def _judge_and_store(
    person: Person, at: dt.datetime, now: dt.datetime, source: str, for_slot: int | None, request_key: str | None
) -> tuple[int, Judgement]:
    judgement = ledger.read(person, at - CONTEXT, at + CONTEXT).judge(at)
    slot, counts = judgement.slot, judgement.verdict.counts
    if for_slot is not None and not (counts and slot.id == for_slot):
        raise RecordError("reminder_closed")
    connection = db.session.connection()
    inserted = connection.execute(
        _INSERT,
        {
            "person_id": person.id,
            "slot_id": slot.id if slot else None,
            "applied_at": at,
            "recorded_at": now,
            "verdict": judgement.verdict.value,
            "source": source,
            "counts_for_slot_id": slot.id if counts else None,
            "request_key": request_key,
        },
    )
    if counts:
        ledger.store_outcomes(DoseSlot.id == slot.id)
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
    ledger.record_edit(application, "undo", now)
    application.voided_at = now
    application.counts_for_slot_id = None
    db.session.flush()
    rejudge(person, application.applied_at, now)
    db.session.commit()
    return application


def skip_dose(
    person: Person,
    slot_id: int,
    reason: str,
    now: dt.datetime,
    request_key: str | None = None,
    tapped_at: dt.datetime | None = None,
) -> Skip:
    """Skip an open or upcoming dose on purpose, with a reason.

    A request already stored with `request_key` raises Repeated. `tapped_at`, the instant of a tap kept
    offline (up to 24 hours back), is when the slot had to be still open: a skip tapped in the window
    counts though the window closed before it was sent. Whether the dose is recorded already is asked now.
    """
    _raise_if_repeated(Skip, person, request_key)
    try:
        return _store_skip(person, slot_id, reason, now, request_key, tapped_at)
    except (RecordError, IntegrityError) as error:
        # The same request from another tab may have stored its skip since we looked (the slot is recorded
        # now, or the unique index stopped our row): answer as it did.
        if isinstance(error, IntegrityError):
            db.session.rollback()
        _raise_if_repeated(Skip, person, request_key)
        raise


def _store_skip(
    person: Person, slot_id: int, reason: str, now: dt.datetime, request_key: str | None, tapped_at: dt.datetime | None
) -> Skip:
    if tapped_at is not None and tapped_at < now - REPORT_BACK:
        raise RecordError("tap_too_old")
    slot = db.session.get(DoseSlot, slot_id)
    if slot is None or slot.person_id != person.id:
        raise RecordError("not_found")
    if slot.closes_at <= (tapped_at or now) or slot.paused:
        raise RecordError("slot_closed")
    if _recorded(slot):
        raise RecordError("already_recorded")
    skip = Skip(person_id=person.id, slot_id=slot.id, reason=reason.strip(), recorded_at=now, request_key=request_key)
    db.session.add(skip)
    db.session.flush()
    ledger.store_outcomes(DoseSlot.id == slot.id)
    db.session.commit()
    return skip


def _recorded(slot: DoseSlot) -> bool:
    """True when the slot is skipped already or a dose counts for it (an undone one counts for nothing)."""
    skipped = select(Skip.id).where(Skip.slot_id == slot.id).exists()
    counted = select(Application.id).where(Application.counts_for_slot_id == slot.id).exists()
    return db.session.scalar(select(skipped | counted))


@dataclass(frozen=True)
class TodayView:
    """Everything the Today page and the API's `today` show, from one reading of the rule."""

    plan: Plan | None
    local_date: dt.date
    slots: list[tuple[SlotTimes, SlotState]]
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
    reading = ledger.read(person, now - CONTEXT, now + CONTEXT)
    todays = [(s, st) for s, st in zip(reading.slots, reading.states(now), strict=True) if s.local_date == local_date]
    return TodayView(plan, local_date, todays, reading.status(now), _undoable(person, now))


def _undoable(person: Person, now: dt.datetime) -> Application | None:
    """The last tap recorded in the last 10 minutes and not undone: the one Undo may still withdraw."""
    query = select(Application).where(
        Application.person_id == person.id,
        Application.voided_at.is_(None),
        Application.recorded_at >= now - UNDO_WITHIN,
    )
    return db.session.scalar(query.order_by(Application.id.desc()).limit(1))


def _horizon_short(person: Person, now: dt.datetime) -> bool:
    last = db.session.scalar(
        select(DoseSlot.scheduled_at)
        .where(DoseSlot.person_id == person.id)
        .order_by(DoseSlot.scheduled_at.desc())
        .limit(1)
    )
    return last is None or last < now + dt.timedelta(days=7)


__all__ = [
    "RecordError",
    "Repeated",
    "TodayView",
    "Verdict",
    "record_application",
    "skip_dose",
    "stored_with_key",
    "today_view",
    "undo_application",
]
