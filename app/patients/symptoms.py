"""Symptoms: daily peak itch, side effects with red flags, and the weekly POEM.

Plain values in, models out; the clock is `now`. Nothing here knows about requests.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.measures import itch, poem
from app.models import ItchEntry, Person, PoemResponse, RecordEdit, SideEffectReport
from app.patients import triage
from app.patients.doses import REPORT_BACK, Repeated, stored_with_key

# The common side effects a person can tick, in the order the page lists them.
EFFECTS = ("burning", "redness", "itching", "headache", "cold", "alcohol_flushing")
# Signs that need help, in their tiers (most urgent first): app.patients.triage.
RED_FLAGS = triage.RED_FLAGS
OTHER_MAX = 200
# How many unreviewed reports the symptoms page looks through for red flags.
RECENT_REPORTS = 50


class SymptomError(ValueError):
    """A report that cannot be stored; `code` names the reason for the page."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def local_today(person: Person, now: dt.datetime) -> dt.date:
    """The date on the person's own calendar at instant `now`."""
    return now.astimezone(ZoneInfo(person.timezone)).date()


def itch_on(person: Person, local_date: dt.date) -> ItchEntry | None:
    """The person's itch entry for one local day, if any."""
    return db.session.scalar(
        select(ItchEntry).where(ItchEntry.person_id == person.id, ItchEntry.local_date == local_date)
    )


def log_itch(
    person: Person,
    local_date: dt.date,
    peak: int,
    woke_up: bool,
    now: dt.datetime,
    request_key: str | None = None,
    tapped_at: dt.datetime | None = None,
) -> ItchEntry:
    """Store the day's peak itch; a second log the same day replaces it and keeps the old values.

    With `request_key`, a request stored before (even one a later log has replaced since) raises Repeated
    and changes nothing. `tapped_at`, the instant of a log kept offline, may be up to 24 hours back; the
    caller takes `local_date` from it.
    """
    if (earlier := itch_with_key(person, request_key)) is not None:
        raise Repeated(earlier)
    _check_itch(person, local_date, peak, now, tapped_at)
    entry = itch_on(person, local_date)
    if entry is None:
        created = _new_itch(person, local_date, peak, woke_up, now, request_key)
        if created is not None:
            return created
        # Another log for this day landed between our read and our write: update that one, unless it was
        # this very request from another tab.
        if (earlier := itch_with_key(person, request_key)) is not None:
            raise Repeated(earlier)
        entry = itch_on(person, local_date)
    if request_key is not None and entry.request_key == request_key:
        raise Repeated(entry)  # its twin from another tab, just stored
    # The same values again change nothing, and the entry keeps the key that wrote them.
    if (entry.peak_itch, entry.woke_up) != (peak, bool(woke_up)):
        _replace_itch(person, entry, peak, woke_up, now, request_key)
    return entry


def _check_itch(person: Person, local_date: dt.date, peak: int, now: dt.datetime, tapped_at: dt.datetime | None):
    try:
        itch.check_peak(peak)
    except ValueError:
        raise SymptomError("peak_out_of_range") from None
    if local_date > local_today(person, now):
        raise SymptomError("future_date")
    if tapped_at is not None and tapped_at < now - REPORT_BACK:
        raise SymptomError("tap_too_old")


def itch_with_key(person: Person, request_key: str | None) -> ItchEntry | None:
    """The itch entry a request with this key wrote, whether its values are still held or replaced since."""
    entry = stored_with_key(ItchEntry, person, request_key)
    if entry is None and request_key is not None:
        replaced = select(RecordEdit.record_id).where(
            RecordEdit.person_id == person.id,
            RecordEdit.record_type == "itch",
            RecordEdit.before["request_key"].as_string() == request_key,
        )
        entry_id = db.session.scalar(replaced.limit(1))
        entry = db.session.get(ItchEntry, entry_id) if entry_id is not None else None
    return entry


def _replace_itch(
    person: Person, entry: ItchEntry, peak: int, woke_up: bool, now: dt.datetime, request_key: str | None
) -> None:
    """Give the entry new values, keeping the old ones (and the key that wrote them) in a RecordEdit.

    A keyed log writes only over values another request wrote: its twin from another tab, which got here
    first, leaves nothing to write (and Repeated is raised).
    """
    before = {"peak_itch": entry.peak_itch, "woke_up": entry.woke_up, "recorded_at": entry.recorded_at.isoformat()}
    if entry.request_key is not None:
        before["request_key"] = entry.request_key
    db.session.add(
        RecordEdit(person_id=person.id, record_type="itch", record_id=entry.id, action="update", at=now, before=before)
    )
    written = update(ItchEntry).where(ItchEntry.id == entry.id)
    if request_key is not None:
        written = written.where(or_(ItchEntry.request_key.is_(None), ItchEntry.request_key != request_key))
    values = {"peak_itch": peak, "woke_up": bool(woke_up), "recorded_at": now, "request_key": request_key}
    result = db.session.execute(written.values(**values), execution_options={"synchronize_session": "fetch"})
    if result.rowcount == 0 and request_key is not None:
        db.session.rollback()
        raise Repeated(itch_with_key(person, request_key))
    db.session.commit()


def _new_itch(
    person: Person, local_date: dt.date, peak: int, woke_up: bool, now: dt.datetime, request_key: str | None
) -> ItchEntry | None:
    """The day's first entry, stored; None if another request stored one first."""
    entry = ItchEntry(
        person_id=person.id,
        local_date=local_date,
        peak_itch=peak,
        woke_up=bool(woke_up),
        recorded_at=now,
        request_key=request_key,
    )
    db.session.add(entry)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return entry


def report_side_effects(
    person: Person, effects: list[str], other: str, red_flags: list[str], now: dt.datetime
) -> SideEffectReport:
    """Store one report; any red flags wait (reviewed_at unset) for a clinician."""
    other = (other or "").strip()
    if set(effects) - set(EFFECTS) or set(red_flags) - set(RED_FLAGS):
        raise SymptomError("unknown_choice")
    if len(other) > OTHER_MAX:
        raise SymptomError("other_too_long")
    if not (effects or other or red_flags):
        raise SymptomError("empty")
    report = SideEffectReport(
        person_id=person.id, local_date=local_today(person, now), recorded_at=now, other=other,
        effects=[e for e in EFFECTS if e in effects], red_flags=[f for f in RED_FLAGS if f in red_flags],
    )  # fmt: skip
    db.session.add(report)
    db.session.commit()
    return report


def red_flag_guidance(red_flags) -> str | None:
    """The tier of help the report points to: "emergency", "today", "within_24h" (triage.TIERS), or None."""
    return triage.tier_of(red_flags)


def answer_poem(person: Person, answers: dict[str, int], now: dt.datetime) -> PoemResponse:
    """Score and store a complete weekly POEM (every item answered 0–4)."""
    try:
        result = poem.score(answers)
    except ValueError:
        raise SymptomError("poem_incomplete") from None
    response = PoemResponse(person_id=person.id, local_date=local_today(person, now), answers=list(result.items),
                            total=result.total, band=result.band, recorded_at=now)  # fmt: skip
    db.session.add(response)
    db.session.commit()
    return response


def side_effect_report(person: Person, report_id: int) -> SideEffectReport | None:
    """One of the person's own reports (None for someone else's)."""
    report = db.session.get(SideEffectReport, report_id)
    return report if report is not None and report.person_id == person.id else None


def poem_response(person: Person, response_id: int) -> PoemResponse | None:
    """One of the person's own POEM answers (None for someone else's)."""
    response = db.session.get(PoemResponse, response_id)
    return response if response is not None and response.person_id == person.id else None


def poem_before(person: Person, response: PoemResponse) -> PoemResponse | None:
    """The POEM the person answered just before this one, to compare with."""
    return db.session.scalar(
        select(PoemResponse)
        .where(PoemResponse.person_id == person.id, PoemResponse.id < response.id)
        .order_by(PoemResponse.id.desc()).limit(1)
    )  # fmt: skip


@dataclass(frozen=True)
class SymptomSummary:
    """What the symptoms page shows: the latest itch and POEM, and red flags no clinician has seen."""

    latest_itch: ItchEntry | None
    latest_poem: PoemResponse | None
    unreviewed: list[SideEffectReport]


def summary(person: Person) -> SymptomSummary:
    """The latest itch entry and POEM, and the unreviewed reports that hold red flags, newest first."""
    latest_itch = db.session.scalar(
        select(ItchEntry).where(ItchEntry.person_id == person.id).order_by(ItchEntry.local_date.desc()).limit(1)
    )
    latest_poem = db.session.scalar(
        select(PoemResponse).where(PoemResponse.person_id == person.id).order_by(PoemResponse.id.desc()).limit(1)
    )
    # JSON emptiness is spelled differently on each database, so the filter happens here.
    recent = db.session.scalars(
        select(SideEffectReport)
        .where(SideEffectReport.person_id == person.id, SideEffectReport.reviewed_at.is_(None))
        .order_by(SideEffectReport.id.desc()).limit(RECENT_REPORTS)
    )  # fmt: skip
    return SymptomSummary(latest_itch, latest_poem, [r for r in recent if r.red_flags])
