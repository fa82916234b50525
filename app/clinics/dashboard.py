"""The clinician dashboard: one row per patient linked to a clinic, at a glance, sortable.

Five queries whatever the number of patients: the linked people (with their latest plan, last
activity and latest two POEMs), their closed slots counted per local day, the applications that
count for no slot, itch, and unreviewed side-effect reports.

Adherence is history.adherence's, counted in the database instead of slot by slot. The rule
(app.dosing.windows) gives a slot the first application reported in its window, and that is the
one `Application.counts_for_slot_id` names: record_application stores the rule's judgement as each
report comes in (report order is the rule's order), and undo_application voids the undone one and
stores the rule's judgement again for the rest nearby. So a closed slot is taken when an
application that is not undone counts for it (on time when its verdict is "counted"), else skipped
when skipped on purpose, else missed; paused slots count neither way. One case escapes the stored
link: a window that was paused (or not made yet) when a dose was reported in it, then resumed (or
made for a new plan) while still open. The rule counts that earlier report, so each application
that counts for no slot comes with the closed slot whose window holds it, and the rule settles
those slots here (_settle). tests/clinics/test_dashboard.py holds this equal to history.adherence.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import aliased

from app.dosing.adherence import AdherenceSummary
from app.dosing.windows import SlotState, Verdict, slot_states
from app.extensions import db
from app.models.accounts import Account, Person
from app.models.clinics import ClinicLink
from app.models.doses import Application, DoseSlot, Skip
from app.models.plans import Plan
from app.models.symptoms import ItchEntry, PoemResponse, SideEffectReport
from app.patients.doses import CONTEXT
from app.patients.history import EXTRA_VERDICTS

NO_PLAN = "none"  # plan status of a person who never had a plan
SHORT_DAYS, LONG_DAYS = 7, 30  # the two adherence periods, in local days (today included)
POEM_RISE = 3  # a POEM total up by this much on the one before needs a look
HIGH_ITCH = 7  # a peak itch this high in the last 7 days needs a look
REASONS = ("adherence", "red_flag", "poem_up", "itch", "extra")


@dataclass(frozen=True)
class PatientRow:
    """What the dashboard shows for one patient at `now`; None where there is nothing to show yet."""

    person_id: int
    name: str
    timezone: str
    locale: str
    plan_status: str  # active, paused, stopped, or NO_PLAN
    adherence_7: AdherenceSummary
    adherence_30: AdherenceSummary
    missed_30: int
    extras_30: int
    poem_band: str | None
    poem_total: int | None
    poem_change: int | None  # latest POEM total minus the one before
    worst_itch_7: int | None
    red_flags: int  # side-effect reports with red flags that no clinician has reviewed
    last_activity: dt.datetime | None
    reasons: tuple[str, ...]  # codes from REASONS, in that order


@dataclass
class _Log:
    """One person's rows from the batch queries."""

    days: dict[dt.date, Counter] = field(default_factory=dict)  # closed slots of each local day, by state
    extras: list[dt.datetime] = field(default_factory=list)  # when each extra or skip-zone report was applied
    itch: list = field(default_factory=list)  # (local_date, peak)
    red_flags: int = 0


def patient_rows(clinic_id: int, now: dt.datetime) -> list[PatientRow]:
    """One row per person linked to the clinic now (link not ended), in person order."""
    linked = select(ClinicLink.person_id).where(ClinicLink.clinic_id == clinic_id, ClinicLink.ended_at.is_(None))
    people = _people(linked)
    if not people:
        return []
    first_days = {p.id: _today(p, now) - dt.timedelta(days=LONG_DAYS - 1) for p in people}
    # One UTC instant before every person's 30 local days, with the rule's context, whatever their zone.
    start = min(_midnight(first_days[p.id], p) for p in people) - CONTEXT
    logs: dict[int, _Log] = defaultdict(_Log)
    _read_slot_days(logs, linked, min(first_days.values()), (start, now))
    _read_uncounted(logs, linked, (start, now))
    _read_symptoms(logs, linked, min(first_days.values()) + dt.timedelta(days=LONG_DAYS - SHORT_DAYS))
    return [_row(person, logs[person.id], now) for person in people]


def _people(linked) -> list:
    """The linked people with their account's locale, latest plan's status, last activity and latest POEMs."""
    latest_plan = select(Plan.person_id, func.max(Plan.id).label("plan_id")).where(
        Plan.person_id.in_(linked)).group_by(Plan.person_id).subquery()  # fmt: skip
    last = [
        select(func.max(model.recorded_at)).where(model.person_id == Person.id).scalar_subquery().label(name)
        for name, model in (("last_application", Application), ("last_itch", ItchEntry),
                            ("last_side_effect", SideEffectReport), ("last_poem", PoemResponse))
    ]  # fmt: skip
    poems = [
        select(column).where(PoemResponse.person_id == Person.id).order_by(PoemResponse.id.desc())
        .offset(offset).limit(1).scalar_subquery().label(name)
        for name, column, offset in (("poem_total", PoemResponse.total, 0), ("poem_band", PoemResponse.band, 0),
                                     ("poem_before", PoemResponse.total, 1))
    ]  # fmt: skip
    query = (
        select(Person.id, Person.name, Person.timezone, Account.locale, Plan.status.label("plan_status"), *last, *poems)
        .join(Account, Account.id == Person.account_id)
        .outerjoin(latest_plan, latest_plan.c.person_id == Person.id)
        .outerjoin(Plan, Plan.id == latest_plan.c.plan_id)
        .where(Person.id.in_(linked))
        .order_by(Person.id)
    )
    return list(db.session.execute(query))


def _closed(slot, now: dt.datetime) -> tuple:
    """The slots adherence counts: window closed by `now`, not paused."""
    return slot.closes_at <= now, slot.paused.is_(False)


def _counting(application, slot, now: dt.datetime):
    """Join a slot to the application that counts for it: at most one, the column being unique.

    Applied by `now` always holds for a closed slot's dose; it is said so that a past `now` never counts a later tap.
    """
    return and_(application.counts_for_slot_id == slot.id, application.voided_at.is_(None),
                application.applied_at <= now)  # fmt: skip


def _read_slot_days(logs: dict[int, _Log], linked, first_day: dt.date, span: tuple[dt.datetime, dt.datetime]) -> None:
    """Closed slots dated from first_day on, counted per person and local day by their stored state."""
    start, now = span
    skipped = exists().where(Skip.slot_id == DoseSlot.id, Skip.voided_at.is_(None))
    query = (
        select(DoseSlot.person_id, DoseSlot.local_date, func.count().label("due"),
               func.count(Application.id).label("taken"),
               func.count(case((Application.verdict == Verdict.COUNTED.value, 1))).label("on_time"),
               # A slot whose dose counts is taken even if it was skipped first.
               func.count(case((and_(Application.id.is_(None), skipped), 1))).label("skipped"))
        .outerjoin(Application, _counting(Application, DoseSlot, now))
        .where(DoseSlot.person_id.in_(linked), DoseSlot.local_date >= first_day, *_closed(DoseSlot, now),
               # Implied by the dates, but lets the (person_id, scheduled_at) unique index bound the scan.
               DoseSlot.scheduled_at >= start, DoseSlot.scheduled_at < now)
        .group_by(DoseSlot.person_id, DoseSlot.local_date)
    )  # fmt: skip
    for row in db.session.execute(query):
        logs[row.person_id].days[row.local_date] = Counter({
            SlotState.ON_TIME: row.on_time, SlotState.LATE: row.taken - row.on_time,
            SlotState.SKIPPED: row.skipped, SlotState.MISSED: row.due - row.taken - row.skipped,
        })  # fmt: skip


def _read_uncounted(logs: dict[int, _Log], linked, span: tuple[dt.datetime, dt.datetime]) -> None:
    """Applications by `now` that count for no slot: the extras, and the closed slots whose windows hold one."""
    start, now = span
    holder, counting = aliased(DoseSlot), aliased(Application)
    in_window = and_(holder.person_id == Application.person_id, holder.opens_at <= Application.applied_at,
                     holder.closes_at > Application.applied_at, *_closed(holder, now))  # fmt: skip
    skipped = exists().where(Skip.slot_id == holder.id, Skip.voided_at.is_(None))
    # Labelled with the names app.dosing.windows reads, so a holder goes to the rule as it is.
    query = (
        select(Application.id, Application.person_id, Application.applied_at, Application.verdict,
               holder.id.label("slot_id"), holder.local_date, holder.paused, holder.scheduled_at.label("scheduled"),
               holder.opens_at.label("opens"), holder.closes_at.label("closes"), skipped.label("skipped"),
               counting.id.label("counted_id"), counting.applied_at.label("counted_at"),
               counting.verdict.label("counted_verdict"))
        .outerjoin(holder, in_window)
        .outerjoin(counting, _counting(counting, holder, now))
        .where(Application.person_id.in_(linked), Application.voided_at.is_(None),
               Application.counts_for_slot_id.is_(None), Application.applied_at >= start,
               Application.applied_at <= now)
        .order_by(Application.id)
    )  # fmt: skip
    held: dict[int, list] = defaultdict(list)
    for row in db.session.execute(query):
        if row.verdict in EXTRA_VERDICTS:
            logs[row.person_id].extras.append(row.applied_at)
        if row.slot_id is not None:
            held[row.slot_id].append(row)
    for rows in held.values():
        _settle(logs[rows[0].person_id], rows, now)


def _settle(log: _Log, rows: list, now: dt.datetime) -> None:
    """Count a closed slot as the rule reads it, given the reports in its window that count for no slot.

    The rule takes the window's first report (by id, report order); the stored link may name a later
    one, or none, when the window was paused or missing at the first report.
    """
    slot = rows[0]
    day = log.days.get(slot.local_date)
    if day is None:  # dated before everyone's 30 days
        return
    reports = [(row.id, row.applied_at) for row in rows]
    if slot.counted_id is not None:
        reports.append((slot.counted_id, slot.counted_at))
        stored = SlotState.ON_TIME if slot.counted_verdict == Verdict.COUNTED.value else SlotState.LATE
    else:
        stored = SlotState.SKIPPED if slot.skipped else SlotState.MISSED
    [rule] = slot_states([slot], [at for _, at in sorted(reports)], {0} if slot.skipped else set(), now)
    day[stored] -= 1
    day[rule] += 1


def _read_symptoms(logs: dict[int, _Log], linked, first_itch_day: dt.date) -> None:
    """Itch from the earliest first day of anyone's last 7, and the unreviewed side-effect reports' red flags."""
    itch = select(ItchEntry.person_id, ItchEntry.local_date, ItchEntry.peak_itch).where(
        ItchEntry.person_id.in_(linked), ItchEntry.local_date >= first_itch_day)  # fmt: skip
    for person_id, day, peak in db.session.execute(itch):
        logs[person_id].itch.append((day, peak))
    # JSON emptiness is spelled differently on each database, so the red flags are looked at here.
    reports = select(SideEffectReport.person_id, SideEffectReport.red_flags).where(
        SideEffectReport.person_id.in_(linked), SideEffectReport.reviewed_at.is_(None))  # fmt: skip
    for person_id, red_flags in db.session.execute(reports):
        logs[person_id].red_flags += bool(red_flags)


def _today(person, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(person.timezone)).date()


def _midnight(day: dt.date, person) -> dt.datetime:
    """The UTC instant at which `day` begins on the person's own calendar (as history.local_midnight)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(person.timezone)).astimezone(dt.UTC)


def _summary(person, log: _Log, days: int, now: dt.datetime) -> AdherenceSummary:
    """history.adherence(person, days, now): the closed slots of the last `days` local days, and their extras."""
    tz = ZoneInfo(person.timezone)
    today = now.astimezone(tz).date()
    first_day = today - dt.timedelta(days=days - 1)
    states = [counts for day, counts in log.days.items() if first_day <= day <= today]
    total: Counter = Counter()
    for counts in states:
        total.update(counts)
    taken = total[SlotState.ON_TIME] + total[SlotState.LATE]
    # Extras count on the local day they were applied, as history counts them.
    extras = sum(first_day <= at.astimezone(tz).date() <= today for at in log.extras)
    full_days = sum(counts[SlotState.ON_TIME] + counts[SlotState.LATE] == counts.total() for counts in states)
    return AdherenceSummary(
        due=total.total(), taken=taken, on_time=total[SlotState.ON_TIME], late=total[SlotState.LATE],
        missed=total[SlotState.MISSED], skipped=total[SlotState.SKIPPED], extras=extras, full_days=full_days,
        days=len(states),
    )  # fmt: skip


def _row(person, log: _Log, now: dt.datetime) -> PatientRow:
    short, long = (_summary(person, log, days, now) for days in (SHORT_DAYS, LONG_DAYS))
    today = _today(person, now)
    first_itch_day = today - dt.timedelta(days=SHORT_DAYS - 1)
    worst_itch = max((peak for day, peak in log.itch if first_itch_day <= day <= today), default=None)
    total, before = person.poem_total, person.poem_before
    change = total - before if total is not None and before is not None else None
    activity = [person.last_application, person.last_itch, person.last_side_effect, person.last_poem]
    reasons = {
        "adherence": long.adherent is False,
        "red_flag": log.red_flags > 0,
        "poem_up": change is not None and change >= POEM_RISE,
        "itch": worst_itch is not None and worst_itch >= HIGH_ITCH,
        "extra": long.extras > 0,
    }
    return PatientRow(
        person_id=person.id, name=person.name, timezone=person.timezone, locale=person.locale,
        plan_status=person.plan_status or NO_PLAN, adherence_7=short, adherence_30=long,
        missed_30=long.missed, extras_30=long.extras, poem_band=person.poem_band, poem_total=total, poem_change=change,
        worst_itch_7=worst_itch, red_flags=log.red_flags,
        last_activity=max((at for at in activity if at is not None), default=None),
        reasons=tuple(code for code in REASONS if reasons[code]),
    )  # fmt: skip


SORT_KEYS: dict[str, Callable[[PatientRow], object]] = {
    "name": lambda row: row.name.casefold(),
    "adherence_7": lambda row: row.adherence_7.implementation_percent,
    "adherence_30": lambda row: row.adherence_30.implementation_percent,
    "on_time_30": lambda row: row.adherence_30.on_time_percent,
    "missed": lambda row: row.missed_30,
    "extras": lambda row: row.extras_30,
    "poem_change": lambda row: row.poem_change,
    "worst_itch": lambda row: row.worst_itch_7,
    "red_flags": lambda row: row.red_flags,
    "last_activity": lambda row: row.last_activity,
}


def sort_rows(rows: Iterable[PatientRow], key: str, descending: bool = False) -> list[PatientRow]:
    """Rows sorted by a column of SORT_KEYS; rows with nothing to show (None) come last either way.

    Equal values keep name order, so the list does not shuffle between sorts. ValueError for an unknown key.
    """
    if key not in SORT_KEYS:
        raise ValueError(f"not a dashboard column: {key!r}")
    value = SORT_KEYS[key]
    by_name = sorted(rows, key=lambda row: (row.name.casefold(), row.person_id))
    known = [row for row in by_name if value(row) is not None]
    # Python's sort is stable with reverse=True too, so ties stay in name order.
    return sorted(known, key=value, reverse=descending) + [row for row in by_name if value(row) is None]


def needs_attention(rows: Iterable[PatientRow]) -> list[PatientRow]:
    """The rows with at least one reason to look, in the order given."""
    return [row for row in rows if row.reasons]


__all__ = ["NO_PLAN", "REASONS", "SORT_KEYS", "PatientRow", "needs_attention", "patient_rows", "sort_rows"]
