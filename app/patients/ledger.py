"""The person's dose ledger as the rule reads it: slots, applications and skips around an instant,
and storing the rule's judgement of them again after a change."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from app.dosing.windows import Status, Verdict, assign, recorded_state, status_at
from app.extensions import db
from app.models import Application, DoseSlot, Person, RecordEdit, Skip, WindowNames

# Enough slots either side of an instant for the rule to see its neighbours.
CONTEXT = dt.timedelta(days=2)


# The reads every tap and page makes, built once with their values as parameters: building and
# keying a statement anew costs more than running it. The tap's read is written on the tables alone,
# so it runs as a plain statement, without the ORM.
_slot, _application = DoseSlot.__table__.c, Application.__table__.c
_TOUCHING = (_slot.person_id == bindparam("person_id"), _slot.closes_at > bindparam("start"),
             _slot.opens_at < bindparam("end"))  # fmt: skip
_SLOTS = select(DoseSlot).where(*_TOUCHING).order_by(DoseSlot.scheduled_at)
_SLOTS_AND_COUNTED = (
    select(_slot.id, _slot.local_date, _slot.local_time, _slot.scheduled_at, _slot.opens_at, _slot.closes_at,
           _slot.paused, _slot.dose_index, _slot.min_gap_minutes, _slot.per_day, _slot.outcome,
           _application.id, _application.applied_at)
    .select_from(DoseSlot.__table__.outerjoin(Application.__table__, (_application.counts_for_slot_id == _slot.id)
                                              & _application.voided_at.is_(None)))
    .where(*_TOUCHING)
    .order_by(_slot.scheduled_at)
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SlotTimes(WindowNames):
    """A dose slot as a tap reads it, without the ORM: the names the rule reads (windows.Slot) and
    the columns the API shows."""

    id: int
    local_date: dt.date
    local_time: str
    scheduled_at: dt.datetime
    opens_at: dt.datetime
    closes_at: dt.datetime
    paused: bool
    dose_index: int
    min_gap_minutes: int
    per_day: int
    outcome: str | None


def slots_between(person: Person, start: dt.datetime, end: dt.datetime) -> list[DoseSlot]:
    """The person's slots whose windows touch [start, end), in time order."""
    return list(db.session.scalars(_SLOTS, {"person_id": person.id, "start": start, "end": end}))


def slots_and_counted(
    person: Person, start: dt.datetime, end: dt.datetime
) -> tuple[list[SlotTimes], list[dt.datetime]]:
    """The times of slots_between (with their stored outcome, which says which are skipped), and when
    their counted applications were made (in report order), in one plain statement: the read behind
    every tap.

    Extras never count, so the counted applications alone decide a new report's verdict. It reads
    the stored rows: the session's unflushed changes are not seen (every writer here flushes).
    """
    rows = db.session.connection().execute(_SLOTS_AND_COUNTED, {"person_id": person.id, "start": start, "end": end})
    slots, applied = [], []
    for *slot, application_id, at in rows:
        slots.append(SlotTimes(*slot))
        if application_id is not None:
            applied.append((application_id, at))
    return slots, [at for _, at in sorted(applied)]


def statuses(person_ids: set[int], now: dt.datetime) -> dict[int, Status]:
    """What the rule says at `now` to each of these people (windows.status_at), from three reads for all
    of them: the reminder sweep asks it of a whole batch before it sends anything."""
    touching = (
        DoseSlot.person_id.in_(person_ids),
        DoseSlot.closes_at > now - CONTEXT,
        DoseSlot.opens_at < now + CONTEXT,
    )
    slots = db.session.scalars(select(DoseSlot).where(*touching).order_by(DoseSlot.scheduled_at))
    counted = db.session.execute(
        select(Application.person_id, Application.applied_at)
        .where(Application.person_id.in_(person_ids), Application.counts_for_slot_id.is_not(None))
        .where(Application.applied_at > now - 2 * CONTEXT, Application.applied_at < now + CONTEXT)
        .order_by(Application.id)
    )
    skipped = set(db.session.scalars(select(Skip.slot_id).join(DoseSlot).where(*touching, Skip.voided_at.is_(None))))
    by_person, applied = defaultdict(list), defaultdict(list)
    for slot in slots:
        by_person[slot.person_id].append(slot)
    for person_id, at in counted:
        applied[person_id].append(at)
    return {
        person_id: status_at(
            by_person[person_id],
            applied[person_id],
            {i for i, s in enumerate(by_person[person_id]) if s.id in skipped},
            now,
        )
        for person_id in person_ids
    }


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


def outcome(verdict: Verdict | None, skipped: bool) -> str | None:
    """DoseSlot.outcome, as stored: the rule's windows.recorded_state of a slot whose counting
    application has this verdict (None: none counts) and that is or is not skipped on purpose."""
    state = recorded_state(verdict, skipped)
    return state.value if state is not None else None


def rejudge(person: Person, around: dt.datetime, now: dt.datetime) -> None:
    """Store again what the rule makes of the applications near `around`, recording each change.

    After an undo, and after a plan change that opens, pauses or resumes a window with reports in it:
    so each application's stored verdict and counted slot are always the rule's answer, and each slot's
    outcome what they and the skips say.
    """
    slots = slots_between(person, around - CONTEXT, around + CONTEXT)
    applications = active_applications(person, around - CONTEXT, around + CONTEXT)
    skipped = skipped_indexes(person, slots)
    _, judgements = assign(slots, [a.applied_at for a in applications], skipped)
    counting: dict[int, Verdict] = {}
    for application, judgement in zip(applications, judgements, strict=True):
        counts_for = judgement.slot.id if judgement.slot and judgement.verdict.counts else None
        if counts_for is not None:
            counting[counts_for] = judgement.verdict
        if application.verdict != judgement.verdict.value or application.counts_for_slot_id != counts_for:
            db.session.add(RecordEdit(person_id=person.id, record_type="application", record_id=application.id,
                                      action="rejudge", at=now, before={"verdict": application.verdict}))  # fmt: skip
            application.verdict = judgement.verdict.value
            application.counts_for_slot_id = counts_for
    for index, slot in enumerate(slots):
        settled = outcome(counting.get(slot.id), index in skipped)
        if slot.outcome != settled:
            slot.outcome = settled
    db.session.flush()
