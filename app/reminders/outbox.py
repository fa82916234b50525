"""Plan the outbox: the reminder rows for each person's dose slots, review date and weekly POEM.

Rows are only ever added with "insert, or do nothing if it exists", and the unique keys on
(slot, kind, channel) and (person, occasion, kind, channel) make a second row impossible, so
planning twice, or from two processes at once, plans once.
"""

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from app.extensions import db, insert_new_rows
from app.models import DoseSlot, Person, Plan, PushSubscription, Reminder, ReminderSettings
from app.models.plans import ACTIVE, STOPPED
from app.models.reminders import DUE, EMAIL, INBOX, MISSED, PENDING, POEM, PUSH, REVIEW, SNOOZE

REVIEW_AT = dt.time(9, 0)  # local time of the review and POEM prompts
POEM_AT = dt.time(18, 0)
PROMPT_LASTS = dt.timedelta(hours=12)
CHUNK = 500  # people per query, well under every database's parameter limit


def settings_for(person_id: int) -> ReminderSettings:
    """The person's settings, or the defaults (not stored) if they never changed them."""
    settings = db.session.get(ReminderSettings, person_id)
    return settings or ReminderSettings(person_id=person_id, push=False, email=False, missed_after_minutes=60,
                                        poem_weekday=6, review=True)  # fmt: skip


def channels(settings: ReminderSettings, has_push: bool) -> list[str]:
    """The in-app inbox always; Web Push and email when the person turned them on."""
    return [INBOX] + ([PUSH] if settings.push and has_push else []) + ([EMAIL] if settings.email else [])


def slot_rows(slot, settings: ReminderSettings, chosen: list[str], now: dt.datetime) -> list[dict]:
    """The `due` and `missed` rows of one slot, for the times still ahead of now."""
    times = {DUE: slot.scheduled_at, MISSED: slot.scheduled_at + dt.timedelta(minutes=settings.missed_after_minutes)}
    return [
        _row(slot.person_id, kind, channel, send_at, slot.closes_at, slot_id=slot.id, occasion=f"slot:{slot.id}")
        for kind, send_at in times.items()
        if now < send_at < slot.closes_at
        for channel in chosen
    ]


def plan_people(person_ids: Iterable[int], now: dt.datetime, new_slots_after: int = 0) -> int:
    """Add the missing rows for these people's slots ahead (only slots with id > new_slots_after),
    their next review and POEM prompts; returns how many rows were new."""
    added = 0
    ids = list(person_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        settings = {s.person_id: s for s in db.session.scalars(
            select(ReminderSettings).where(ReminderSettings.person_id.in_(chunk)))}  # fmt: skip
        pushable = set(db.session.scalars(
            select(PushSubscription.person_id).where(PushSubscription.person_id.in_(chunk))))  # fmt: skip
        rows = []
        slots = db.session.execute(
            select(DoseSlot.id, DoseSlot.person_id, DoseSlot.scheduled_at, DoseSlot.closes_at).where(
                DoseSlot.person_id.in_(chunk), DoseSlot.id > new_slots_after, DoseSlot.closes_at > now,
                DoseSlot.paused.is_(False),
            )
        )  # fmt: skip
        for slot in slots:
            chosen = settings.get(slot.person_id) or settings_for(slot.person_id)
            rows += slot_rows(slot, chosen, channels(chosen, slot.person_id in pushable), now)
        for person, plan in db.session.execute(
            select(Person, Plan).join(Plan, Plan.person_id == Person.id)
            .where(Person.id.in_(chunk), Plan.status == ACTIVE)
        ):  # fmt: skip
            chosen = settings.get(person.id) or settings_for(person.id)
            rows += prompt_rows(person, plan, chosen, channels(chosen, person.id in pushable), now)
        added += insert_new_rows(Reminder.__table__, rows)
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
