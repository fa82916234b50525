"""Plan the outbox: the reminder rows for each person's dose slots, review date and weekly POEM.

Rows are only ever added with "insert, or do nothing if it exists", and the unique keys on
(slot, kind, channel) and (person, occasion, kind, channel) make a second row impossible, so
planning twice, or from two processes at once, plans once.
"""

import datetime as dt
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
from app.measures.ftu import estimate_tube
from app.models import DoseSlot, Person, Plan, PushSubscription, Reminder, ReminderSettings
from app.models.bulk import dialect_name, insert_new_values, stored
from app.models.plans import ACTIVE
from app.models.reminders import DUE, EMAIL, INBOX, MISSED, PENDING, POEM, PUSH, REVIEW, SNOOZE
from app.models.types import UTCDateTime
from app.patients import supply

REVIEW_AT = dt.time(9, 0)  # local time of the review and POEM prompts
POEM_AT = dt.time(18, 0)
PROMPT_LASTS = dt.timedelta(hours=12)
DEFAULT_MISSED = 60  # minutes after the dose time
CHUNK = 500  # people per query, well under every database's parameter limit
PROMPT_COLUMNS = ["person_id", "occasion", "kind", "channel", "planned_at", "send_at", "expires_at", "state",
                  "attempts", "last_error"]  # fmt: skip


def settings_for(person_id: int) -> ReminderSettings:
    """The person's settings, or the defaults (not stored) if they never changed them."""
    return db.session.get(ReminderSettings, person_id) or default_settings(person_id)


def default_settings(person_id: int) -> ReminderSettings:
    return ReminderSettings(person_id=person_id, push=False, email=False, missed_after_minutes=DEFAULT_MISSED,
                            poem_weekday=6, review=True)  # fmt: skip


def channels(push: bool, email: bool, has_push: bool) -> list[str]:
    """The in-app inbox always; Web Push (if the person has a subscription) and email when turned on."""
    return [INBOX] + ([PUSH] if push and has_push else []) + ([EMAIL] if email else [])


def plan_people(person_ids: list[int], now: dt.datetime) -> int:
    """Add the missing rows for these people's slots ahead and their next prompts; how many were new."""
    chunks = [person_ids[i : i + CHUNK] for i in range(0, len(person_ids), CHUNK)]
    return sum(plan_slots(now, person_ids=chunk) + plan_prompts(now, person_ids=chunk) for chunk in chunks)


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


def plan_prompts(now: dt.datetime, *, person_ids: list[int] | None = None) -> int:
    """Each person's (or these people's) next review and POEM prompts, on their channels; how many rows
    were new. One query reads plain columns; a person who never saved settings has the defaults."""
    chosen, pushable = ReminderSettings, exists().where(PushSubscription.person_id == Person.id)
    people = db.session.execute(
        select(Person.id, Person.timezone, Plan.id, Plan.review_date, chosen.push, chosen.email, chosen.review,
               chosen.poem_weekday, pushable, Plan.body_areas, Plan.times, Plan.tube_grams, Plan.tube_opened)
        .join(Plan, Plan.person_id == Person.id)
        .outerjoin(chosen, chosen.person_id == Person.id)
        .where(Plan.status == ACTIVE, Person.id.in_(person_ids) if person_ids is not None else true())
    )  # fmt: skip
    postgres, rows, defaults = dialect_name() == "postgresql", [], default_settings(0)
    for person_id, timezone, plan_id, review_date, push, email, review, poem_weekday, has_push, *tube in people:
        if push is None:  # no settings row
            push, email, review, poem_weekday = defaults.push, defaults.email, defaults.review, defaults.poem_weekday
        ways = channels(push, email, has_push)
        for kind, occasion, send_at in prompts(ZoneInfo(timezone), plan_id, review_date, review, poem_weekday, now):
            values = [stored(v, postgres) for v in (send_at, send_at + PROMPT_LASTS)]
            rows += [(person_id, occasion, kind, way, values[0], values[0], values[1], PENDING, 0, "") for way in ways]
        areas, times, grams, opened = tube
        rows += _supply_note(person_id, timezone, estimate_tube(areas or [], len(times), grams, opened), now, postgres)
    return insert_new_values(Reminder.__table__, PROMPT_COLUMNS, rows)


def _supply_note(person_id: int, timezone: str, tube, now: dt.datetime, postgres: bool) -> list[tuple]:
    """The inbox row of the note that the plan's tube may soon run out, if it has a tube: one per tube,
    by its occasion, however often this plans."""
    times = supply.note_times(tube, timezone, now)
    if times is None:
        return []
    send_at, expires_at = (stored(v, postgres) for v in times)
    return [(person_id, supply.occasion(tube), supply.SUPPLY, INBOX, send_at, send_at, expires_at, PENDING, 0, "")]


def prompts(tz: ZoneInfo, plan_id: int, review_date: dt.date, review: bool, poem_weekday: int | None,
            now: dt.datetime) -> list[tuple[str, str, dt.datetime]]:  # fmt: skip
    """(kind, occasion, send time) of the review reminder (on the review date) and the next weekly POEM
    prompt, where still ahead."""
    today = now.astimezone(tz).date()
    wanted = [(REVIEW, f"review:{plan_id}", review_date, REVIEW_AT)] if review else []
    if poem_weekday is not None:
        poem_day = today + dt.timedelta(days=(poem_weekday - today.weekday()) % 7)
        wanted.append((POEM, f"poem:{poem_day.isoformat()}", poem_day, POEM_AT))
    instants = [(kind, occasion, dt.datetime.combine(day, at, tz).astimezone(dt.UTC))
                for kind, occasion, day, at in wanted]  # fmt: skip
    return [(kind, occasion, send_at) for kind, occasion, send_at in instants if send_at > now]


def replan(person: Person, now: dt.datetime) -> None:
    """After a change of settings or subscriptions: drop the person's pending rows planned ahead and plan
    again. Snoozes the person asked for, and rows already due but held back (quiet hours, a retry), stay."""
    db.session.execute(delete(Reminder).where(
        Reminder.person_id == person.id, Reminder.state == PENDING, Reminder.planned_at > now, Reminder.kind != SNOOZE,
    ))  # fmt: skip
    plan_people([person.id], now)
