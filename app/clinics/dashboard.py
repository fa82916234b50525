"""The clinician dashboard: one row per patient linked to a clinic, at a glance, sortable.

Four queries whatever the number of patients: the linked people (latest plan, last activity, latest
two POEMs, red flags), then, each counted in the database per person, the 7- and 30-day adherence,
the extras, and the worst itch. Each person's periods are their own local days: the bounds of each
time zone's periods are worked out in Python and looked up in SQL by the person's zone.

Adherence equals history.adherence without running the rule slot by slot. The rule gives a slot the
first application reported in its window, and `Application.counts_for_slot_id` names it: each report
is stored with the rule's judgement, in report order (the rule's order), and an undo stores the rule's
judgement again for the rest nearby. So a closed, unpaused slot is taken when an application that is
not undone counts for it (on time when its verdict is "counted"), else skipped if skipped on purpose,
else missed. A plan change that makes, pauses or resumes a window with reports already in it judges
them again too (app.patients.plans.refresh_slots), so the link never lags the rule. Each write that
changes what counts for a slot, or skips it, also stores the answer on the slot (`DoseSlot.outcome`,
derived from those records by its one writer, app.patients.ledger.store_outcomes), and the count reads
that alone: no join from each of ~50,000 slots to its applications and skips. tests/clinics/test_dashboard.py
holds the two equal on hand-built logs, tests/clinics/test_dashboard_properties.py on random histories;
tests/patients/test_outcomes.py holds each outcome equal to the records after every kind of write, and
tests/patients/test_rule_machine.py after every step.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, and_, case, func, literal, select, union_all

from app.dosing.adherence import AdherenceSummary
from app.dosing.windows import TAKEN_STATES, SlotState
from app.extensions import db
from app.models.accounts import Account, Person
from app.models.clinics import ClinicLink
from app.models.doses import Application, DoseSlot
from app.models.plans import Plan
from app.models.symptoms import ItchEntry, PoemResponse, SideEffectReport
from app.models.types import UTCDateTime
from app.patients import triage
from app.patients.history import EXTRA_VERDICTS, local_midnight
from app.patients.ledger import CONTEXT

NO_PLAN = "none"  # plan status of a person who never had a plan
PERIODS = SHORT_DAYS, LONG_DAYS = 7, 30  # the two adherence periods, in local days (today included)
POEM_RISE = 3  # a POEM total up by this much on the one before needs a look
HIGH_ITCH = 7  # a peak itch this high in the last 7 days needs a look
REASONS = ("adherence", "red_flag", "poem_up", "itch", "extra")
COUNTS = ("due", "taken", "on_time", "skipped")  # what _read_adherence gives per period
TAKEN = sorted(state.value for state in TAKEN_STATES)  # the outcomes of a slot whose dose counts


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
    help_tier: str | None  # the most urgent tier of help among those reports (triage.TIERS), if any
    last_activity: dt.datetime | None
    reasons: tuple[str, ...]  # codes from REASONS, in that order


@dataclass
class _Log:  # one person's figures from the batch queries
    counts: list[int] = field(default_factory=lambda: [0] * len(COUNTS) * len(PERIODS))  # COUNTS per period
    extras: list[int] = field(default_factory=lambda: [0] * len(PERIODS))  # extra or skip-zone reports per period
    worst_itch: int | None = None  # the highest peak itch of the last SHORT_DAYS local days
    flags: set[str] = field(default_factory=set)  # the red flags of reports no clinician has reviewed


def patient_rows(clinic_id: int, now: dt.datetime) -> list[PatientRow]:
    """One row per person linked to the clinic now (link not ended), in person order."""
    linked = select(ClinicLink.person_id).where(ClinicLink.clinic_id == clinic_id, ClinicLink.ended_at.is_(None))
    people = _people(linked)
    if not people:
        return []
    periods = _periods({p.timezone for p in people}, now)
    # One instant before every person's 30 local days, less the rule's context.
    start = min(row[f"since_{LONG_DAYS}"] for row in periods.values()) - CONTEXT
    logs: dict[int, _Log] = defaultdict(_Log)
    _read_adherence(logs, linked, _zones(periods), (start, now))
    _read_few(logs, linked, periods, (start, now))
    _read_flags(logs, linked)
    return [_row(person, logs[person.id]) for person in people]


def _people(linked) -> list:
    """The linked people with their locale, latest plan's status, last activity, latest POEMs and red flags."""
    latest_plan = (
        select(Plan.person_id, func.max(Plan.id).label("plan_id"))
        .where(Plan.person_id.in_(linked))
        .group_by(Plan.person_id)
        .subquery()
    )
    last = [
        select(func.max(model.recorded_at)).where(model.person_id == Person.id).scalar_subquery().label(name)
        for name, model in (
            ("last_application", Application),
            ("last_itch", ItchEntry),
            ("last_side_effect", SideEffectReport),
            ("last_poem", PoemResponse),
        )
    ]
    poems = [
        select(column)
        .where(PoemResponse.person_id == Person.id)
        .order_by(PoemResponse.id.desc())
        .offset(offset)
        .limit(1)
        .scalar_subquery()
        .label(name)
        for name, column, offset in (
            ("poem_total", PoemResponse.total, 0),
            ("poem_band", PoemResponse.band, 0),
            ("poem_before", PoemResponse.total, 1),
        )
    ]
    flagged = select(func.count()).where(SideEffectReport.person_id == Person.id, *_unreviewed_flags())
    columns = [Person.id, Person.name, Person.timezone, Account.locale, Plan.status.label("plan_status"), *last, *poems]
    query = (
        select(*columns, flagged.scalar_subquery().label("red_flags"))
        .join(Account, Account.id == Person.account_id)
        .outerjoin(latest_plan, latest_plan.c.person_id == Person.id)
        .outerjoin(Plan, Plan.id == latest_plan.c.plan_id)
        .where(Person.id.in_(linked))
        .order_by(Person.id)
    )
    return list(db.session.execute(query))


def _unreviewed_flags() -> tuple:
    """Reports with red flags that no clinician has reviewed; json_array_length is spelled alike on SQLite and
    PostgreSQL (json)."""
    return SideEffectReport.reviewed_at.is_(None), func.json_array_length(SideEffectReport.red_flags) > 0


def _read_flags(logs: dict[int, _Log], linked) -> None:
    """Each person's unreviewed red flags, so the row can say their most urgent tier (the rule is triage's)."""
    query = select(SideEffectReport.person_id, SideEffectReport.red_flags).where(
        SideEffectReport.person_id.in_(linked), *_unreviewed_flags()
    )
    for person_id, flags in db.session.execute(query):
        logs[person_id].flags.update(flags)


def _closed(slot, now: dt.datetime) -> tuple:
    """The slots adherence counts: window closed by `now`, not paused."""
    return slot.closes_at <= now, slot.paused.is_(False)


def _read_adherence(logs: dict[int, _Log], linked, zones, span: tuple) -> None:
    """COUNTS for each person's own last 7 and 30 local days, in one row each.

    One pass over the span's closed slots, each counted in the periods its local day falls in. Each
    linked person's first day of each period (by their time zone) is worked out once, in a table the
    database makes first, and each person's slots are then read by the person's index. A slot is counted
    from the period's first day to the person's today: a slot kept across a move west closes before the new
    zone's day it was made for begins, and the rule counts it only from that day (history.adherences).
    """
    start, now = span
    bounds = (
        select(Person.id.label("person_id"), zones.c.today, *(zones.c[f"first_{days}"] for days in PERIODS))
        .join(zones, zones.c.timezone == Person.timezone)
        .where(Person.id.in_(linked))
        # Made once: otherwise SQLite looks up the person and scans the zones again for each slot.
        .cte("bounds")
        .prefix_with("MATERIALIZED")
    )
    taken = DoseSlot.outcome.in_(TAKEN)
    on_time = DoseSlot.outcome == SlotState.ON_TIME.value
    skipped = DoseSlot.outcome == SlotState.SKIPPED.value  # a slot whose dose counts is taken, skipped first or not
    columns = []
    for days in PERIODS:
        inside = and_(DoseSlot.local_date >= bounds.c[f"first_{days}"], DoseSlot.local_date <= bounds.c.today)
        columns += [func.count(case((and_(inside, when), 1))) for when in (True, taken, on_time, skipped)]
    query = (
        select(DoseSlot.person_id, *columns)
        .select_from(bounds)
        .join(DoseSlot, DoseSlot.person_id == bounds.c.person_id)
        # The linked people again, and the span: both implied, but they let PostgreSQL see how few slots a
        # small clinic needs (it then reads them by person), and skip the older slots early.
        .where(
            DoseSlot.person_id.in_(linked),
            *_closed(DoseSlot, now),
            DoseSlot.scheduled_at >= start,
            DoseSlot.scheduled_at < now,
        )
        .group_by(DoseSlot.person_id)
    )
    for person_id, *counts in db.session.execute(query):
        logs[person_id].counts = counts


def _periods(zones: set[str], now: dt.datetime) -> dict[str, dict]:
    """For each time zone: today, and each period's first local day and the instant it begins (local
    midnight, so "applied on one of these local days" is a comparison of instants)."""
    periods = {}
    for zone in zones:
        today = now.astimezone(ZoneInfo(zone)).date()
        periods[zone] = {"today": today}
        for days in PERIODS:
            first = today - dt.timedelta(days=days - 1)
            periods[zone] |= {f"first_{days}": first, f"since_{days}": local_midnight(zone, first)}
    return periods


def _zones(periods: dict[str, dict]):
    """_periods as a table to join on the person's time zone: one row of literals per zone.

    The adherence read joins it to the linked people once; in the small extras and itch reads SQLite
    did worse with a join than with _by_zone's CASE, so they keep that (bench/README.md)."""

    def row(zone: str, values: dict):
        return select(
            literal(zone, String).label("timezone"),
            *(
                literal(value, UTCDateTime() if name.startswith("since") else Date).label(name)
                for name, value in values.items()
            ),
        )

    return union_all(*(row(zone, values) for zone, values in sorted(periods.items()))).subquery("zones")


def _by_zone(periods: dict[str, dict], name: str):
    """SQL for the value `name` of _periods that belongs to the person's time zone."""
    kind = UTCDateTime() if name.startswith("since") else Date
    return case({zone: literal(row[name], kind) for zone, row in periods.items()}, value=Person.timezone)


def _uncounted(application, span: tuple):
    """Applications that count for no slot, not undone, applied within the span."""
    start, now = span
    return and_(
        application.counts_for_slot_id.is_(None),
        application.voided_at.is_(None),
        application.applied_at >= start,
        application.applied_at <= now,
    )


def _read_few(logs: dict[int, _Log], linked, periods, span: tuple) -> None:
    """Per person: the extras applied by `now` on each period's local days, and the worst itch of the last 7."""
    # Extras never count for a slot: saying so lets the database find them by that (unique) column's index.
    extras = (
        select(
            Application.person_id,
            *(func.count(case((Application.applied_at >= _by_zone(periods, f"since_{p}"), 1))) for p in PERIODS),
        )
        .join(Person, Person.id == Application.person_id)
        .where(
            Application.person_id.in_(linked),
            Application.verdict.in_(sorted(EXTRA_VERDICTS)),
            _uncounted(Application, span),
        )
        .group_by(Application.person_id)
    )
    for person_id, *counts in db.session.execute(extras):
        logs[person_id].extras = counts
    itch = (
        select(ItchEntry.person_id, func.max(ItchEntry.peak_itch))
        .join(Person, Person.id == ItchEntry.person_id)
        .where(
            ItchEntry.person_id.in_(linked),
            ItchEntry.local_date >= _by_zone(periods, f"first_{SHORT_DAYS}"),
            ItchEntry.local_date <= _by_zone(periods, "today"),
            # Implied by the line above, but lets the (person_id, local_date) index read only these days.
            ItchEntry.local_date >= min(row[f"first_{SHORT_DAYS}"] for row in periods.values()),
        )
        .group_by(ItchEntry.person_id)
    )
    for person_id, worst in db.session.execute(itch):
        logs[person_id].worst_itch = worst


def _summaries(log: _Log) -> list[AdherenceSummary]:
    """history.adherence(person, days, now) for each of PERIODS, from the person's counts and extras; the
    dashboard shows no day counts, so it leaves full_days and days out (None)."""
    summaries = []
    for i, extras in enumerate(log.extras):
        due, taken, on_time, skipped = log.counts[i * len(COUNTS) : (i + 1) * len(COUNTS)]
        summaries.append(AdherenceSummary(due, taken, on_time, taken - on_time, due - taken - skipped, skipped, extras))
    return summaries


def _row(person, log: _Log) -> PatientRow:
    short, long = _summaries(log)
    worst_itch = log.worst_itch
    total, before = person.poem_total, person.poem_before
    change = total - before if total is not None and before is not None else None
    activity = [person.last_application, person.last_itch, person.last_side_effect, person.last_poem]
    reasons = {
        "adherence": long.adherent is False,
        "red_flag": person.red_flags > 0,
        "poem_up": change is not None and change >= POEM_RISE,
        "itch": worst_itch is not None and worst_itch >= HIGH_ITCH,
        "extra": long.extras > 0,
    }
    return PatientRow(
        person_id=person.id,
        name=person.name,
        timezone=person.timezone,
        locale=person.locale,
        plan_status=person.plan_status or NO_PLAN,
        adherence_7=short,
        adherence_30=long,
        missed_30=long.missed,
        extras_30=long.extras,
        poem_band=person.poem_band,
        poem_total=total,
        poem_change=change,
        worst_itch_7=worst_itch,
        red_flags=person.red_flags,
        help_tier=triage.tier_of(log.flags),
        last_activity=max((at for at in activity if at is not None), default=None),
        reasons=tuple(code for code in REASONS if reasons[code]),
    )


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


def by_attention(rows: Iterable[PatientRow], descending: bool = True) -> list[PatientRow]:
    """Those with a sign for emergency help or help today first (emergency before today), then those with most
    reasons to look, then by name; `descending=False` turns it round."""
    urgency = {"emergency": 2, "today": 1}
    by_name = sort_rows(rows, "name")
    return sorted(by_name, key=lambda row: (urgency.get(row.help_tier, 0), len(row.reasons)), reverse=descending)


def needs_attention(rows: Iterable[PatientRow]) -> list[PatientRow]:
    """The rows with at least one reason to look, in the order given."""
    return [row for row in rows if row.reasons]


__all__ = [
    "NO_PLAN",
    "REASONS",
    "SORT_KEYS",
    "PatientRow",
    "by_attention",
    "needs_attention",
    "patient_rows",
    "sort_rows",
]
