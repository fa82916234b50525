"""Symptoms: daily peak itch, side effects with red flags, and the weekly POEM.

Plain values in, models out; the clock is `now`. Nothing here knows about requests.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.measures import itch, poem
from app.models import ItchEntry, Person, PoemResponse, RecordEdit, SideEffectReport
from app.patients import triage

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


def log_itch(person: Person, local_date: dt.date, peak: int, woke_up: bool, now: dt.datetime) -> ItchEntry:
    """Store the day's peak itch; a second log the same day replaces it and keeps the old values."""
    try:
        itch.check_peak(peak)
    except ValueError:
        raise SymptomError("peak_out_of_range") from None
    if local_date > local_today(person, now):
        raise SymptomError("future_date")
    entry = itch_on(person, local_date)
    if entry is None:
        created = _new_itch(person, local_date, peak, woke_up, now)
        if created is not None:
            return created
        # Another log for this day landed between our read and our write: update that one.
        entry = itch_on(person, local_date)
    if (entry.peak_itch, entry.woke_up) != (peak, bool(woke_up)):
        before = {"peak_itch": entry.peak_itch, "woke_up": entry.woke_up, "recorded_at": entry.recorded_at.isoformat()}
        db.session.add(RecordEdit(person_id=person.id, record_type="itch", record_id=entry.id,
                                  action="update", at=now, before=before))  # fmt: skip
        entry.peak_itch, entry.woke_up, entry.recorded_at = peak, bool(woke_up), now
        db.session.commit()
    return entry


def _new_itch(person: Person, local_date: dt.date, peak: int, woke_up: bool, now: dt.datetime) -> ItchEntry | None:
    """The day's first entry, stored; None if another request stored one first."""
    entry = ItchEntry(person_id=person.id, local_date=local_date, peak_itch=peak, woke_up=bool(woke_up),
                      recorded_at=now)  # fmt: skip
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
