"""The person's dose ledger as the rule reads it: slots, applications and skips around an instant,
and storing the rule's judgement of them again after a change."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, fields

from sqlalchemy import bindparam, case, exists, null, select, update

from app.dosing.windows import (
    Judgement,
    SlotState,
    Status,
    Verdict,
    assign,
    judge,
    openings,
    slot_states,
    status_at,
)
from app.extensions import db
from app.models import Application, DoseSlot, Person, RecordEdit, Skip, WindowNames

# Enough slots either side of an instant for the rule to see its neighbours.
CONTEXT = dt.timedelta(days=2)
DAY = dt.timedelta(days=1)


# The read every tap and page makes, built once with its values as parameters: building and keying a
# statement anew costs more than running it. It is written on the tables alone, so it runs as a plain
# statement, without the ORM.
_slot, _application, _skip = DoseSlot.__table__.c, Application.__table__.c, Skip.__table__.c
_TOUCHING = (
    _slot.person_id == bindparam("person_id"),
    _slot.closes_at > bindparam("start"),
    _slot.opens_at < bindparam("end"),
)
_SLOTS = select(DoseSlot).where(*_TOUCHING).order_by(DoseSlot.scheduled_at)
_COUNTS_FOR_SLOT = (_application.counts_for_slot_id == _slot.id) & _application.voided_at.is_(None)


@dataclass(frozen=True, slots=True)
class SlotTimes(WindowNames):
    """A dose slot as the rule and the pages read it, without the ORM: the names the rule reads
    (windows.Slot), the stored columns, and whether it is skipped on purpose."""

    id: int
    person_id: int
    plan_id: int
    local_date: dt.date
    local_time: str
    scheduled_at: dt.datetime
    opens_at: dt.datetime
    closes_at: dt.datetime
    paused: bool
    dose_index: int
    min_gap_minutes: int
    per_day: int
    skipped: bool


# The slot's stored columns, in SlotTimes' order; `skipped` is worked out.
_SLOT_COLUMNS = [field.name for field in fields(SlotTimes) if field.name != "skipped"]


def _reading(*where):
    """The slots `where` holds, in time order, each with whether it is skipped and the dose that counts for it."""
    return (
        select(
            *(_slot[name] for name in _SLOT_COLUMNS),
            select(_skip.id).where(_skip.slot_id == _slot.id).exists().label("skipped"),
            _application.id,
            _application.applied_at,
        )
        .select_from(DoseSlot.__table__.outerjoin(Application.__table__, _COUNTS_FOR_SLOT))
        .where(*where)
        .order_by(_slot.scheduled_at)
    )


_READ = _reading(*_TOUCHING)
# Bounds that hold every slot there is, for a read of a person's whole record.
EVER = (dt.datetime(1, 1, 2, tzinfo=dt.UTC), dt.datetime(9999, 12, 30, tzinfo=dt.UTC))


@dataclass(frozen=True)
class Ledger:
    """A person's slots whose windows touch a stretch of time, in time order, and when the doses that
    count for them were applied, in report order: all the rule reads, and every page, the API, the
    calendar, the exports and the tap ask it through this.

    The doses that count are the stored answer (Application.counts_for_slot_id), which every tap and
    `rejudge` keep equal to the rule's over all reports; extras never count, so they change nothing here.
    """

    slots: list[SlotTimes]
    counted: list[dt.datetime]

    @property
    def skipped(self) -> set[int]:
        """The indexes of the slots skipped on purpose."""
        return {i for i, slot in enumerate(self.slots) if slot.skipped}

    def states(self, now: dt.datetime) -> list[SlotState]:
        return slot_states(self.slots, self.counted, self.skipped, now)

    def status(self, now: dt.datetime) -> Status:
        return status_at(self.slots, self.counted, self.skipped, now)

    def openings(self, now: dt.datetime) -> list[dt.datetime | None]:
        return openings(self.slots, self.counted, self.skipped, now)

    def counted_at(self, now: dt.datetime) -> dict[int, dt.datetime]:
        """When the dose that counts for each slot (by index) was applied, of those applied by `now`."""
        counted, _ = assign(self.slots, [at for at in self.counted if at <= now], self.skipped)
        return counted

    def judge(self, at: dt.datetime) -> Judgement:
        """The rule's verdict on a new report of an application at `at`."""
        return judge(self.slots, self.counted, at, self.skipped)


def read(person: Person, start: dt.datetime, end: dt.datetime) -> Ledger:
    """The person's Ledger for [start, end), in one plain statement. Pass the rule's CONTEXT either side
    for the states of the slots inside; it reads the stored rows (every writer here flushes)."""
    rows = db.session.connection().execute(_READ, {"person_id": person.id, "start": start, "end": end})
    slots, applied = [], []
    for *slot, application_id, at in rows:
        slots.append(SlotTimes(*slot))
        if application_id is not None:
            applied.append((application_id, at))
    return Ledger(slots, [at for _, at in sorted(applied)])


def slots_between(person: Person, start: dt.datetime, end: dt.datetime) -> list[DoseSlot]:
    """The person's slots whose windows touch [start, end), in time order, as ORM objects."""
    return list(db.session.scalars(_SLOTS, {"person_id": person.id, "start": start, "end": end}))


def statuses(person_ids: set[int], now: dt.datetime) -> dict[int, Status]:
    """What the rule says at `now` to each of these people (Ledger.status), from one read for all of them:
    the reminder sweep asks it of a whole batch before it sends anything."""
    rows = db.session.connection().execute(
        _reading(_slot.person_id.in_(person_ids), _slot.closes_at > now - CONTEXT, _slot.opens_at < now + CONTEXT)
    )
    ledgers = {person_id: Ledger([], []) for person_id in person_ids}
    applied = defaultdict(list)
    for *slot, application_id, at in rows:
        ledgers[slot[1]].slots.append(SlotTimes(*slot))
        if application_id is not None:
            applied[slot[1]].append((application_id, at))
    for person_id, ledger in ledgers.items():
        ledger.counted.extend(at for _, at in sorted(applied[person_id]))
    return {person_id: ledger.status(now) for person_id, ledger in ledgers.items()}


def active_applications(person: Person, start: dt.datetime, end: dt.datetime) -> list[Application]:
    """Applications not undone, dated in [start, end), in the order they were reported."""
    query = select(Application).where(
        Application.person_id == person.id,
        Application.voided_at.is_(None),
        Application.applied_at >= start,
        Application.applied_at < end,
    )
    return list(db.session.scalars(query.order_by(Application.id)))


def skipped_indexes(person: Person, slots: list[DoseSlot]) -> set[int]:
    ids = {s.id: i for i, s in enumerate(slots)}
    skipped = db.session.scalars(select(Skip.slot_id).where(Skip.person_id == person.id, Skip.slot_id.in_(ids)))
    return {ids[slot_id] for slot_id in skipped}


# DoseSlot.outcome from the records, as windows.recorded_state says it: ON_TIME or LATE by the verdict of
# the application that counts for the slot, else SKIPPED when it is skipped on purpose, else nothing.
_COUNTING_VERDICT = select(Application.verdict).where(Application.counts_for_slot_id == DoseSlot.id).scalar_subquery()
_RECORDED_STATE = case(
    (Verdict.COUNTED.value == _COUNTING_VERDICT, SlotState.ON_TIME.value),
    (Verdict.LATE.value == _COUNTING_VERDICT, SlotState.LATE.value),
    (exists().where(Skip.slot_id == DoseSlot.id), SlotState.SKIPPED.value),
    else_=null(),
)


def store_outcomes(*where) -> None:
    """Store on the slots `where` holds what their records say now (DoseSlot.outcome, which the clinic
    dashboard counts): the one writer of that column, called by every write that changes what counts
    for a slot or skips it. Slots this session holds are brought up to date too."""
    statement = update(DoseSlot).where(*where).values(outcome=_RECORDED_STATE)
    db.session.execute(statement, execution_options={"synchronize_session": "fetch"})


def record_edit(application: Application, action: str, now: dt.datetime) -> None:
    """Keep what an application's verdict was before an undo or a rejudge changes it (RecordEdit)."""
    before = {"verdict": application.verdict}
    what = {"record_type": "application", "record_id": application.id, "action": action, "at": now}
    db.session.add(RecordEdit(person_id=application.person_id, before=before, **what))


def rejudge(person: Person, around: dt.datetime, now: dt.datetime) -> None:
    """Store again what the rule makes of the applications near `around`, recording each change.

    After an undo, and after a plan change that opens, pauses or resumes a window with reports in it:
    so each application's stored verdict and counted slot are always the rule's answer, and each slot's
    outcome what they and the skips say. The reports in the windows of the slots near `around` are
    judged again; the doses counted in the day either side are weighed as they are (settled).
    """
    slots = slots_between(person, around - CONTEXT, around + CONTEXT)
    if not slots:
        return
    first, last = slots[0].opens_at, slots[-1].closes_at
    nearby = active_applications(person, first - DAY, last + DAY)
    inside = [first <= a.applied_at < last for a in nearby]
    weighed = [a for a, within in zip(nearby, inside, strict=True) if within or a.counts_for_slot_id is not None]
    settled = {k for k, a in enumerate(weighed) if not first <= a.applied_at < last}
    skipped = skipped_indexes(person, slots)
    _, judgements = assign(slots, [a.applied_at for a in weighed], skipped, settled)
    for application, judgement in zip(weighed, judgements, strict=True):
        if judgement is None:
            continue
        counts_for = judgement.slot.id if judgement.slot and judgement.verdict.counts else None
        if application.verdict != judgement.verdict.value or application.counts_for_slot_id != counts_for:
            record_edit(application, "rejudge", now)
            application.verdict = judgement.verdict.value
            application.counts_for_slot_id = counts_for
    db.session.flush()
    store_outcomes(DoseSlot.id.in_([slot.id for slot in slots]))
