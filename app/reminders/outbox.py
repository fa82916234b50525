"""Plan the outbox: the reminder rows for each person's dose slots, review date and weekly POEM.

Rows are only ever added with "insert, or do nothing if it exists", and the unique keys on
(slot, kind, channel) and (person, occasion, kind, channel) make a second row impossible, so
planning twice, or from two processes at once, plans once.
"""

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import DoseSlot, Person, Plan, PushSubscription, Reminder, ReminderSettings
from app.models.bulk import dialect_name, insert_new
from app.models.plans import ACTIVE, STOPPED
from app.models.reminders import DUE, EMAIL, INBOX, MISSED, PENDING, POEM, PUSH, REVIEW, SNOOZE
from app.models.types import UTCDateTime

REVIEW_AT = dt.time(9, 0)  # local time of the review and POEM prompts
POEM_AT = dt.time(18, 0)
PROMPT_LASTS = dt.timedelta(hours=12)
DEFAULT_MISSED = 60  # minutes after the dose time
CHUNK = 500  # people per query, well under every database's parameter limit


def settings_for(person_id: int) -> ReminderSettings:
    """The person's settings, or the defaults (not stored) if they never changed them."""
    return db.session.get(ReminderSettings, person_id) or default_settings(person_id)


def default_settings(person_id: int) -> ReminderSettings:
    return ReminderSettings(person_id=person_id, push=False, email=False, missed_after_minutes=DEFAULT_MISSED,
                            poem_weekday=6, review=True)  # fmt: skip


def channels(settings: ReminderSettings, has_push: bool) -> list[str]:
    """The in-app inbox always; Web Push and email when the person turned them on."""
    return [INBOX] + ([PUSH] if settings.push and has_push else []) + ([EMAIL] if settings.email else [])


def plan_people(person_ids: Iterable[int], now: dt.datetime) -> int:
    """Add the missing rows for these people's slots ahead and their next prompts; how many were new."""
    ids = list(person_ids)
    return sum(plan_slots(now, person_ids=ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)) + plan_prompts(
        ids, now
    )


def plan_slots(now: dt.datetime, *, person_ids: list[int] | None = None, after_id: int = 0) -> int:
    """The `due` and `missed` rows of every open, unpaused slot (of these people, or with an id above
    after_id) on each channel its person chose, for the times still ahead: one INSERT ... SELECT, so
    the horizon's millions of rows never pass through Python. Returns how many were new."""
    slot, chosen = DoseSlot.__table__, ReminderSettings.__table__
    kinds = union_all(select(literal(DUE).label("kind")), select(literal(MISSED))).subquery()
    ways = union_all(*(select(literal(c).label("channel")) for c in (INBOX, PUSH, EMAIL))).subquery()
    missed_at = _plus_minutes(slot.c.scheduled_at, func.coalesce(chosen.c.missed_after_minutes, DEFAULT_MISSED))
    send_at = case((kinds.c.kind == DUE, slot.c.scheduled_at), else_=missed_at)
    pushable = exists().where(PushSubscription.person_id == slot.c.person_id)
    wanted = or_(ways.c.channel == INBOX, and_(ways.c.channel == PUSH, chosen.c.push.is_(True), pushable),
                 and_(ways.c.channel == EMAIL, chosen.c.email.is_(True)))  # fmt: skip
    occasion = (literal("slot:") + cast(slot.c.id, String)).label("occasion")
    every = slot.outerjoin(chosen, chosen.c.person_id == slot.c.person_id).join(kinds, true()).join(ways, true())
    rows = (
        select(slot.c.person_id, slot.c.id.label("slot_id"), occasion, kinds.c.kind, ways.c.channel,
               send_at.label("planned_at"), slot.c.closes_at.label("expires_at"))
        .select_from(every)
        .where(slot.c.paused.is_(False), slot.c.closes_at > now, slot.c.id > after_id, wanted,
               slot.c.person_id.in_(person_ids) if person_ids is not None else true())
    ).subquery()  # fmt: skip
    ahead = select(rows.c.person_id, rows.c.slot_id, rows.c.occasion, rows.c.kind, rows.c.channel, rows.c.planned_at,
                   rows.c.planned_at, rows.c.expires_at, literal(PENDING), literal(0), literal("")).where(
        rows.c.planned_at > now, rows.c.planned_at < rows.c.expires_at)  # fmt: skip
    columns = ["person_id", "slot_id", "occasion", "kind", "channel", "planned_at", "send_at", "expires_at", "state",
               "attempts", "last_error"]  # fmt: skip
    dialect = postgresql if dialect_name() == "postgresql" else sqlite
    statement = dialect.insert(Reminder.__table__).from_select(columns, ahead).on_conflict_do_nothing()
    return db.session.connection().execution_options(preserve_rowcount=True).execute(statement).rowcount


def _plus_minutes(instant, minutes):
    if dialect_name() == "postgresql":
        return instant + func.make_interval(0, 0, 0, 0, 0, minutes)
    # SQLite keeps instants as text; slot times are whole minutes, so the fraction is always zero.
    return type_coerce(func.strftime("%Y-%m-%d %H:%M:%S.000000", instant, "+" + cast(minutes, String) + " minutes"),
                       UTCDateTime)  # fmt: skip


def plan_prompts(person_ids: list[int], now: dt.datetime) -> int:
    """Each person's next review and POEM prompts, on their channels; how many rows were new."""
    added = 0
    for start in range(0, len(person_ids), CHUNK):
        chunk = person_ids[start : start + CHUNK]
        settings = {s.person_id: s for s in db.session.scalars(
            select(ReminderSettings).where(ReminderSettings.person_id.in_(chunk)))}  # fmt: skip
        pushable = set(db.session.scalars(
            select(PushSubscription.person_id).where(PushSubscription.person_id.in_(chunk))))  # fmt: skip
        rows = []
        for person, plan in db.session.execute(
            select(Person, Plan).join(Plan, Plan.person_id == Person.id)
            .where(Person.id.in_(chunk), Plan.status == ACTIVE)
        ):  # fmt: skip
            chosen = settings.get(person.id) or default_settings(person.id)
            rows += prompt_rows(person, plan, chosen, channels(chosen, person.id in pushable), now)
        added += insert_new(Reminder.__table__, rows)
    return added


def prompt_rows(person: Person, plan: Plan, settings: ReminderSettings, chosen: list[str], now: dt.datetime):
    """The review reminder (on the review date) and the next weekly POEM prompt, if still ahead."""
    tz = ZoneInfo(person.timezone)
    today = now.astimezone(tz).date()
    prompts = []
    if settings.review:
        prompts.append((REVIEW, f"review:{plan.id}", plan.review_date, REVIEW_AT))
    if settings.poem_weekday is not None:
        poem_day = today + dt.timedelta(days=(settings.poem_weekday - today.weekday()) % 7)
        prompts.append((POEM, f"poem:{poem_day.isoformat()}", poem_day, POEM_AT))
    rows = []
    for kind, occasion, day, at in prompts:
        send_at = dt.datetime.combine(day, at, tz).astimezone(dt.UTC)
        if send_at > now:
            rows += [_row(person.id, kind, c, send_at, send_at + PROMPT_LASTS, occasion=occasion) for c in chosen]
    return rows


def replan(person: Person, now: dt.datetime) -> None:
    """After a change of settings or subscriptions: drop the person's pending rows planned ahead and plan
    again. Snoozes the person asked for, and rows already due but held back (quiet hours, a retry), stay."""
    db.session.execute(delete(Reminder).where(
        Reminder.person_id == person.id, Reminder.state == PENDING, Reminder.planned_at > now, Reminder.kind != SNOOZE,
    ))  # fmt: skip
    plan_people([person.id], now)


def people_with_plans() -> list[int]:
    return list(db.session.scalars(select(Plan.person_id).where(Plan.status != STOPPED).distinct()))


def _row(person_id, kind, channel, send_at, expires_at, slot_id=None, occasion="") -> dict:
    return {"person_id": person_id, "slot_id": slot_id, "occasion": occasion, "kind": kind, "channel": channel,
            "planned_at": send_at, "send_at": send_at, "expires_at": expires_at, "state": PENDING, "attempts": 0,
            "last_error": ""}  # fmt: skip
