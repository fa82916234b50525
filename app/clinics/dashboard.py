"""The clinician dashboard: one row per patient linked to a clinic, at a glance, sortable.

Seven queries whatever the number of patients: the linked people, then their slots, applications,
skips, itch, side effects and POEMs, each fetched for the whole clinic at once and grouped here.
Adherence is history.adherence's reading made per person from those rows: the same slots,
applications and skips within the same bounds, through the same rule (app.dosing.windows).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.dosing.adherence import AdherenceSummary, summarize_closed
from app.dosing.windows import slot_states
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
    """One person's rows from the batch queries, in the order history reads them."""

    slots: list = field(default_factory=list)  # by scheduled time
    applications: list = field(default_factory=list)  # not undone, in report order
    skipped: set[int] = field(default_factory=set)  # slot ids skipped on purpose
    itch: list = field(default_factory=list)  # (local_date, peak)
    red_flags: int = 0
    poems: list = field(default_factory=list)  # (total, band), latest first, at most two


def patient_rows(clinic_id: int, now: dt.datetime) -> list[PatientRow]:
    """One row per person linked to the clinic now (link not ended), in person order."""
    linked = select(ClinicLink.person_id).where(ClinicLink.clinic_id == clinic_id, ClinicLink.ended_at.is_(None))
    people = _people(linked)
    if not people:
        return []
    # One UTC span holds every person's 30 local days and the rule's context, whatever their zone.
    start = min(_midnight(_today(p, now) - dt.timedelta(days=LONG_DAYS - 1), p) for p in people) - CONTEXT
    span = (start, now + CONTEXT)
    first_itch_day = min(_today(p, now) for p in people) - dt.timedelta(days=SHORT_DAYS - 1)
    logs: dict[int, _Log] = defaultdict(_Log)
    _read_doses(logs, linked, span)
    _read_symptoms(logs, linked, first_itch_day)
    return [_row(person, logs[person.id], now) for person in people]


def _people(linked) -> list:
    """The linked people with their account's locale, their latest plan's status and last activity."""
    latest_plan = select(Plan.person_id, func.max(Plan.id).label("plan_id")).where(
        Plan.person_id.in_(linked)).group_by(Plan.person_id).subquery()  # fmt: skip
    last = [
        select(func.max(model.recorded_at)).where(model.person_id == Person.id).scalar_subquery().label(name)
        for name, model in (("last_application", Application), ("last_itch", ItchEntry),
                            ("last_side_effect", SideEffectReport), ("last_poem", PoemResponse))
    ]  # fmt: skip
    query = (
        select(Person.id, Person.name, Person.timezone, Account.locale, Plan.status.label("plan_status"), *last)
        .join(Account, Account.id == Person.account_id)
        .outerjoin(latest_plan, latest_plan.c.person_id == Person.id)
        .outerjoin(Plan, Plan.id == latest_plan.c.plan_id)
        .where(Person.id.in_(linked))
        .order_by(Person.id)
    )
    return list(db.session.execute(query))


def _read_doses(logs: dict[int, _Log], linked, span: tuple[dt.datetime, dt.datetime]) -> None:
    """Slots whose windows touch the span, applications dated in it, and skips of those slots."""
    start, end = span
    in_span = (
        DoseSlot.person_id.in_(linked), DoseSlot.closes_at > start, DoseSlot.opens_at < end,
        # Redundant (a window lies within a day of its dose time) but lets the unique index bound the scan.
        DoseSlot.scheduled_at > start - CONTEXT, DoseSlot.scheduled_at < end + CONTEXT,
    )  # fmt: skip
    # Labelled with the names app.dosing.windows reads, so the rows go to the rule as they are.
    slots = select(DoseSlot.person_id, DoseSlot.id, DoseSlot.local_date, DoseSlot.paused,
                   DoseSlot.scheduled_at.label("scheduled"), DoseSlot.opens_at.label("opens"),
                   DoseSlot.closes_at.label("closes")).where(*in_span)  # fmt: skip
    for slot in db.session.execute(slots.order_by(DoseSlot.person_id, DoseSlot.scheduled_at)):
        logs[slot.person_id].slots.append(slot)
    applications = select(Application.person_id, Application.applied_at, Application.verdict).where(
        Application.person_id.in_(linked), Application.voided_at.is_(None),
        Application.applied_at >= start, Application.applied_at < end,
    )  # fmt: skip
    for application in db.session.execute(applications.order_by(Application.person_id, Application.id)):
        logs[application.person_id].applications.append(application)
    skips = select(Skip.person_id, Skip.slot_id).join(DoseSlot, DoseSlot.id == Skip.slot_id).where(
        Skip.person_id.in_(linked), Skip.voided_at.is_(None), *in_span)  # fmt: skip
    for person_id, slot_id in db.session.execute(skips):
        logs[person_id].skipped.add(slot_id)


def _read_symptoms(logs: dict[int, _Log], linked, first_itch_day: dt.date) -> None:
    """Itch from the earliest first day of anyone's last 7, unreviewed red flags, the latest two POEMs."""
    itch = select(ItchEntry.person_id, ItchEntry.local_date, ItchEntry.peak_itch).where(
        ItchEntry.person_id.in_(linked), ItchEntry.local_date >= first_itch_day)  # fmt: skip
    for person_id, day, peak in db.session.execute(itch):
        logs[person_id].itch.append((day, peak))
    # JSON emptiness is spelled differently on each database, so the red flags are looked at here.
    reports = select(SideEffectReport.person_id, SideEffectReport.red_flags).where(
        SideEffectReport.person_id.in_(linked), SideEffectReport.reviewed_at.is_(None))  # fmt: skip
    for person_id, red_flags in db.session.execute(reports):
        logs[person_id].red_flags += bool(red_flags)
    rank = func.row_number().over(partition_by=PoemResponse.person_id, order_by=PoemResponse.id.desc())
    ranked = select(PoemResponse.person_id, PoemResponse.total, PoemResponse.band, rank.label("rank")).where(
        PoemResponse.person_id.in_(linked)).subquery()  # fmt: skip
    latest = select(ranked.c.person_id, ranked.c.total, ranked.c.band).where(ranked.c.rank <= 2)
    for person_id, total, band in db.session.execute(latest.order_by(ranked.c.person_id, ranked.c.rank)):
        logs[person_id].poems.append((total, band))


def _today(person, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(person.timezone)).date()


def _midnight(day: dt.date, person) -> dt.datetime:
    """The UTC instant at which `day` begins on the person's own calendar (as history.local_midnight)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(person.timezone)).astimezone(dt.UTC)


def _adherence(person, log: _Log, now: dt.datetime) -> tuple[AdherenceSummary, AdherenceSummary]:
    """history.adherence(person, 7, now) and history.adherence(person, 30, now), from one reading.

    history reads each period with two days of context either side; the rows here span the longer
    period with at least that context. A slot's state depends only on the applications within its
    own window, and every reading holds those whole for each slot of either period, so one reading
    of the rule gives every slot the state history gives it.
    """
    tz = ZoneInfo(person.timezone)
    today = now.astimezone(tz).date()
    skipped = {i for i, slot in enumerate(log.slots) if slot.id in log.skipped}
    states = slot_states(log.slots, [a.applied_at for a in log.applications], skipped, now)
    # Extras count on the local day they were applied, as history counts them.
    extras = [a.applied_at for a in log.applications if a.verdict in EXTRA_VERDICTS and a.applied_at <= now]
    extra_days = [at.astimezone(tz).date() for at in extras]
    short, long = (
        _summary(log.slots, states, extra_days, today - dt.timedelta(days=days - 1), today, now)
        for days in (SHORT_DAYS, LONG_DAYS)
    )
    return short, long


def _summary(slots, states, extra_days, first_day: dt.date, today: dt.date, now: dt.datetime) -> AdherenceSummary:
    """The closed slots dated from first_day to today, and the extras applied on those days."""
    in_period = [(s, state) for s, state in zip(slots, states, strict=True) if first_day <= s.local_date <= today]
    extras = sum(first_day <= day <= today for day in extra_days)
    return summarize_closed([s for s, _ in in_period], [state for _, state in in_period], now, extras)


def _row(person, log: _Log, now: dt.datetime) -> PatientRow:
    short, long = _adherence(person, log, now)
    today = _today(person, now)
    first_itch_day = today - dt.timedelta(days=SHORT_DAYS - 1)
    worst_itch = max((peak for day, peak in log.itch if first_itch_day <= day <= today), default=None)
    total, band = log.poems[0] if log.poems else (None, None)
    change = log.poems[0][0] - log.poems[1][0] if len(log.poems) > 1 else None
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
        missed_30=long.missed, extras_30=long.extras, poem_band=band, poem_total=total, poem_change=change,
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
