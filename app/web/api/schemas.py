"""What the API reads and writes: request bodies checked with a clear message for each mistake,
and models turned into plain JSON.

Sentences about doses come from app.web.patient.messages, the ones the pages show, so the API and
the pages never disagree; nothing here decides a dose.
"""

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _

from app.dosing.adherence import AdherenceSummary
from app.dosing.windows import Judgement, SlotState
from app.measures import itch, poem
from app.models import Application, DoseSlot, ItchEntry, Person, Plan, PoemResponse, SideEffectReport, Skip
from app.patients.doses import UNDO_WITHIN, TodayView
from app.patients.history import MonthCalendar
from app.patients.ledger import SlotTimes
from app.patients.symptoms import EFFECTS, OTHER_MAX, RED_FLAGS
from app.web.api.errors import ApiError, invalid
from app.web.patient import messages
from app.web.triage import TIER_WORDS

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
REASON_MAX = 200
EXAMPLE_INSTANT = "2026-06-01T08:10:00+01:00"
ALLOWED_CONTROLS = frozenset("\t\n\r")
HISTORY_DAYS = ("7", "30")
MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_MONTH, LAST_MONTH = dt.date(2000, 1, 1), dt.date(2100, 12, 1)

# Requests


@dataclass(frozen=True)
class ApplicationIn:
    """An application report: when it was applied (None means now)."""

    applied_at: dt.datetime | None


@dataclass(frozen=True)
class SkipIn:
    """A dose skipped on purpose, with the patient's reason."""

    slot_id: int
    reason: str


@dataclass(frozen=True)
class ItchIn:
    """Today's worst itch (0–10) and whether itch woke the person."""

    peak: int
    woke_up: bool


@dataclass(frozen=True)
class SideEffectsIn:
    """Side effects and red flags ticked (keys of symptoms.EFFECTS and RED_FLAGS) and anything else noticed."""

    effects: list[str]
    other: str
    red_flags: list[str]


def application_in() -> ApplicationIn:
    body = json_body({"applied_at"})
    value = body.get("applied_at")
    return ApplicationIn(None if "applied_at" not in body else instant(value, "applied_at"))


def skip_in() -> SkipIn:
    body = json_body({"slot_id", "reason"})
    return SkipIn(record_id(required(body, "slot_id"), "slot_id"), text(required(body, "reason"), "reason", REASON_MAX))


def itch_in() -> ItchIn:
    body = json_body({"peak", "woke_up"})
    peak = whole_number(required(body, "peak"), "peak", itch.PEAK_MIN, itch.PEAK_MAX)
    woke_up = body.get("woke_up", False)
    if not isinstance(woke_up, bool):
        raise invalid("woke_up", _("%(field)s must be true or false.", field="woke_up"))
    return ItchIn(peak, woke_up)


def side_effects_in() -> SideEffectsIn:
    body = json_body({"effects", "other", "red_flags"})
    effects = choices(body.get("effects", []), "effects", EFFECTS)
    red_flags = choices(body.get("red_flags", []), "red_flags", RED_FLAGS)
    other = text(body.get("other", ""), "other", OTHER_MAX, allow_empty=True)
    if not (effects or other or red_flags):
        raise invalid("effects", _("Choose at least one side effect or serious sign, or describe what you noticed."))
    return SideEffectsIn(effects, other, red_flags)


def poem_in() -> dict[str, int]:
    """The seven POEM answers, each scored 0 (no days) to 4 (every day)."""
    answers = required(json_body({"answers"}), "answers")
    if not isinstance(answers, dict) or set(answers) != set(poem.ITEMS):
        message = _("%(field)s must give a score for each of: %(items)s.", field="answers", items=", ".join(poem.ITEMS))
        raise invalid("answers", message)
    return {item: whole_number(answers[item], f"answers.{item}", 0, poem.ITEM_MAX) for item in poem.ITEMS}


def days_in() -> int:
    value = request.args.get("days", HISTORY_DAYS[0])
    if value not in HISTORY_DAYS:
        raise invalid("days", _("%(field)s must be 7 or 30.", field="days"))
    return int(value)


def month_in(today: dt.date) -> dt.date:
    """The first day of ?month=YYYY-MM, or of this month when it is left out."""
    value = request.args.get("month")
    if value is None:
        return today.replace(day=1)
    match = MONTH.fullmatch(value.strip())
    first = dt.date(int(match[1]), int(match[2]), 1) if match and 1 <= int(match[2]) <= 12 else None
    if first is None or not FIRST_MONTH <= first <= LAST_MONTH:
        raise invalid("month", _("Choose a month written as year and month, for example 2026-06."))
    return first


def json_body(allowed: set[str]) -> dict:
    """The request's JSON object ({} when there is no body); unknown fields are refused, not ignored."""
    if not request.is_json:
        if request.mimetype or request.content_length:
            message = _("Send the body as JSON, with Content-Type: application/json.")
            raise ApiError(415, "unsupported_media_type", message)
        return {}
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise invalid("body", _("The body is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise invalid("body", _("The body must be a JSON object."))
    # A misspelt field silently ignored could store a dose at the wrong time.
    if unknown := sorted(set(body) - allowed):
        raise invalid(unknown[0], _("%(field)s is not a field this request takes.", field=unknown[0]))
    return body


def required(body: dict, field: str):
    if field not in body:
        raise invalid(field, _("%(field)s is required.", field=field))
    return body[field]


def instant(value, field: str) -> dt.datetime:
    """An ISO-8601 date and time with its UTC offset, as an aware UTC datetime."""
    if not isinstance(value, str):
        raise invalid(field, _("%(field)s must be text, such as %(example)s.", field=field, example=EXAMPLE_INSTANT))
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        message = _("%(field)s is not a date and time. Use a form such as %(example)s.")
        raise invalid(field, message % {"field": field, "example": EXAMPLE_INSTANT}) from None
    if at.utcoffset() is None:
        message = _("%(field)s needs its offset from UTC, such as %(example)s: without it the time is ambiguous.")
        raise invalid(field, message % {"field": field, "example": EXAMPLE_INSTANT})
    try:
        return at.astimezone(dt.UTC)
    except OverflowError:
        raise invalid(field, _("%(field)s is out of range.", field=field)) from None


def record_id(value, field: str) -> int:
    return whole_number(value, field, 1, MAX_ID)


def whole_number(value, field: str, low: int, high: int) -> int:
    """An integer from low to high; 5.0 is 5, as JSON Schema reads it."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(field, _("%(field)s must be a whole number.", field=field))
    if not low <= value <= high:
        raise invalid(field, _("%(field)s must be from %(low)d to %(high)d.", field=field, low=low, high=high))
    return value


def choices(value, field: str, allowed: tuple[str, ...]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
        message = _("%(field)s must be a list chosen from: %(choices)s.", field=field, choices=", ".join(allowed))
        raise invalid(field, message)
    return value


def text(value, field: str, max_length: int, allow_empty: bool = False) -> str:
    """Up to max_length characters after trimming, with nothing a database cannot store."""
    if not isinstance(value, str):
        raise invalid(field, _("%(field)s must be text.", field=field))
    value = value.strip()
    if not value and not allow_empty:
        raise invalid(field, _("%(field)s cannot be empty.", field=field))
    if len(value) > max_length:
        raise invalid(field, _("%(field)s must be %(max)d characters or fewer.", field=field, max=max_length))
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in ALLOWED_CONTROLS for c in value):
        raise invalid(field, _("%(field)s contains characters that cannot be stored.", field=field))
    return value


# Responses


def iso(instant: dt.datetime | None) -> str | None:
    """An instant in UTC, ISO-8601 with a Z."""
    return None if instant is None else instant.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def person_out(person: Person) -> dict:
    return {"id": person.id, "name": person.name, "timezone": person.timezone}


def plan_out(plan: Plan | None) -> dict | None:
    if plan is None:
        return None
    return {
        "id": plan.id,
        "medicine": plan.medicine,
        "strength": plan.strength,
        "times": list(plan.times),
        "early_minutes": plan.early_minutes,
        "cutoff_minutes": plan.cutoff_minutes,
        "min_gap_minutes": plan.min_gap_minutes,
        "status": plan.status,
        "start_date": plan.start_date.isoformat(),
        "review_date": plan.review_date.isoformat(),
    }


def slot_out(slot: DoseSlot | SlotTimes | None, state: SlotState | None = None) -> dict | None:
    if slot is None:
        return None
    out = {
        "id": slot.id, "local_date": slot.local_date.isoformat(), "local_time": slot.local_time,
        "scheduled_at": iso(slot.scheduled_at), "opens_at": iso(slot.opens_at), "closes_at": iso(slot.closes_at),
    }  # fmt: skip
    if state is not None:
        out["state"] = state.value
    return out


def application_out(application: Application) -> dict:
    return {
        "id": application.id, "slot_id": application.slot_id, "applied_at": iso(application.applied_at),
        "recorded_at": iso(application.recorded_at), "verdict": application.verdict,
        "counts": application.counts_for_slot_id is not None, "source": application.source,
        "voided_at": iso(application.voided_at),
    }  # fmt: skip


def skip_out(skip: Skip) -> dict:
    return {"id": skip.id, "slot_id": skip.slot_id, "reason": skip.reason, "recorded_at": iso(skip.recorded_at)}


def itch_out(entry: ItchEntry) -> dict:
    return {
        "id": entry.id, "local_date": entry.local_date.isoformat(), "peak_itch": entry.peak_itch,
        "band": itch.band(entry.peak_itch), "woke_up": entry.woke_up, "recorded_at": iso(entry.recorded_at),
    }  # fmt: skip


def side_effects_out(report: SideEffectReport) -> dict:
    return {
        "id": report.id, "local_date": report.local_date.isoformat(), "effects": list(report.effects),
        "other": report.other, "red_flags": list(report.red_flags), "recorded_at": iso(report.recorded_at),
        "reviewed_at": iso(report.reviewed_at),
    }  # fmt: skip


def poem_out(response: PoemResponse) -> dict:
    return {
        "id": response.id, "local_date": response.local_date.isoformat(),
        "answers": dict(zip(poem.ITEMS, response.answers, strict=True)), "total": response.total,
        "band": response.band, "recorded_at": iso(response.recorded_at),
    }  # fmt: skip


def guidance_message(guidance: str | None, number: str) -> str:
    """The advice the side-effect report page gives, in the same words: the tier's heading, why, and what to do."""
    if guidance is None:
        return _(
            "Common side effects are usually mild and often get better after the first few days. If they bother "
            "you or do not settle, talk to your prescriber."
        )
    words = TIER_WORDS[guidance]
    return " ".join((str(words["heading"]) % {"number": number} + ".", str(words["intro"]), str(words["action"])))


def adherence_out(days: int, summary: AdherenceSummary) -> dict:
    return {
        "days": days, "due": summary.due, "taken": summary.taken, "on_time": summary.on_time, "late": summary.late,
        "missed": summary.missed, "skipped": summary.skipped, "extras": summary.extras,
        "full_days": summary.full_days, "days_with_doses_due": summary.days,
        "implementation_percent": summary.implementation_percent, "on_time_percent": summary.on_time_percent,
        "adherent": summary.adherent,
    }  # fmt: skip


def calendar_out(month: MonthCalendar, first_weekday: int) -> dict:
    """Whole weeks, first weekday first; each day of the month with its slots' states and extras."""
    return {
        "month": month.first.strftime("%Y-%m"),
        "first_weekday": first_weekday,
        "weeks": [[{
            "date": day.date.isoformat(), "in_month": day.in_month, "is_today": day.is_today, "extras": day.extras,
            "slots": [{**slot_out(s.slot, s.state), "applied_at": iso(s.applied_at)} for s in day.slots],
        } for day in week] for week in month.weeks],
    }  # fmt: skip


def today_out(person: Person, view: TodayView) -> dict:
    """Today as the Today page shows it, with the page's own sentence for this moment."""
    status = view.status
    undoable = view.undoable
    return {
        "person": person_out(person),
        "local_date": view.local_date.isoformat(),
        "plan": plan_out(view.plan),
        "slots": [slot_out(slot, state) for slot, state in view.slots],
        "moment": status.moment.value,
        "current_slot": slot_out(status.slot),
        "taken_at": iso(status.taken_at),
        "next_slot": slot_out(status.next_slot),
        "invites": status.invites,
        "opens_from": iso(status.opens_from),
        "last_dose_at": iso(status.last_dose),
        "undoable_application_id": undoable.id if undoable else None,
        "undo_until": iso(undoable.recorded_at + UNDO_WITHIN) if undoable else None,
        "message": messages.moment_message(status, person.timezone),
    }


def recorded_out(person: Person, application: Application, judgement: Judgement, next_slot: DoseSlot | None) -> dict:
    """A new application with the rule's verdict and the sentence the page would show for it."""
    return {
        "application": application_out(application),
        "verdict": judgement.verdict.value,
        "slot": slot_out(judgement.slot),
        "counted_at": iso(judgement.counted_at),
        "next_slot": slot_out(next_slot),
        "message": messages.verdict_message(judgement, person.timezone),
    }
