"""What a person changes about their reminders: settings, push subscriptions, the calendar link,
the inbox (read, snooze)."""

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import DoseSlot, InboxMessage, Person, PushSubscription, Reminder, ReminderSettings
from app.models.accounts import hash_token
from app.models.reminders import DUE, EMAIL, MISSED, PENDING, SNOOZE
from app.patients import ledger
from app.reminders import outbox

SNOOZE_MINUTES = (10, 30, 60)
DOSE_KINDS = frozenset({DUE, MISSED, SNOOZE})
MISSED_AFTER_CHOICES = (15, 30, 45, 60, 90, 120, 180)


class ReminderError(ValueError):
    """A change that cannot be made; `code` names why, for the page."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class SettingsInput:
    email: bool
    missed_after_minutes: int
    quiet_start: str | None
    quiet_end: str | None
    poem_weekday: int | None
    review: bool


def save_settings(person: Person, data: SettingsInput, now: dt.datetime) -> ReminderSettings:
    """Store the choices and plan the reminders ahead again to match them."""
    if data.missed_after_minutes not in MISSED_AFTER_CHOICES:
        raise ReminderError("missed_after")
    settings = _stored(person)
    settings.email, settings.missed_after_minutes, settings.review = data.email, data.missed_after_minutes, data.review
    settings.quiet_start, settings.quiet_end = data.quiet_start, data.quiet_end
    settings.poem_weekday = data.poem_weekday
    db.session.flush()
    outbox.replan(person, now)
    db.session.commit()
    return settings


def add_subscription(person: Person, endpoint: str, p256dh: str, auth: str, now: dt.datetime) -> None:
    """Keep a browser's push subscription and turn push on; ReminderError("push_taken") if the endpoint is
    registered to a person of another account, whose subscription stays as it is.

    An endpoint names one browser's subscription, and belongs to one person (it is unique). Within one account
    it moves to the person asked for: the account holder decides for everyone in it, say a parent on one phone.
    From another account it is refused: holding the address is no proof of owning the browser, and moving it
    would end the owner's reminders (and send ours to a stranger's device).
    """
    try:
        _keep_endpoint(person, endpoint, p256dh, auth, now)
    except IntegrityError:  # stored by another request between our look and our insert: look again
        db.session.rollback()
        _keep_endpoint(person, endpoint, p256dh, auth, now)
    _stored(person).push = True
    db.session.flush()
    outbox.replan(person, now)
    db.session.commit()


def _keep_endpoint(person: Person, endpoint: str, p256dh: str, auth: str, now: dt.datetime) -> None:
    """Store the subscription for person, replacing the endpoint's row if this account holds it (flushed)."""
    held = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if held is not None and held.person_id != person.id:
        holder_account = db.session.scalar(select(Person.account_id).where(Person.id == held.person_id))
        if holder_account != person.account_id:
            raise ReminderError("push_taken")
    if held is not None:
        db.session.delete(held)
        db.session.flush()
    db.session.add(PushSubscription(person_id=person.id, endpoint=endpoint, p256dh=p256dh, auth=auth, created_at=now))
    db.session.flush()


def remove_subscription(person: Person, endpoint: str, now: dt.datetime) -> None:
    db.session.execute(
        delete(PushSubscription).where(PushSubscription.person_id == person.id, PushSubscription.endpoint == endpoint)
    )
    if not subscription_count(person):
        _stored(person).push = False
    db.session.flush()
    outbox.replan(person, now)
    db.session.commit()


def subscription_count(person: Person) -> int:
    return db.session.scalar(select(func.count()).where(PushSubscription.person_id == person.id))


def calendar_link(person: Person, action: str) -> str | None:
    """Make, replace ("the old link stops working") or remove the secret calendar link's token.

    Returns the new token, the only time it exists outside the feed's address: only its hash is stored.
    """
    token = secrets.token_urlsafe(24) if action in ("create", "rotate") else None
    _stored(person).calendar_token_hash = hash_token(token) if token else None
    db.session.commit()
    return token


def person_for_calendar(token: str) -> Person | None:
    settings = db.session.scalar(
        select(ReminderSettings).where(ReminderSettings.calendar_token_hash == hash_token(token))
    )
    return settings.person if settings else None


def inbox(person: Person, limit: int = 50) -> list[InboxMessage]:
    return list(db.session.scalars(
        select(InboxMessage).where(InboxMessage.person_id == person.id)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc()).limit(limit)
    ))  # fmt: skip


def unread_counts(account_id: int) -> dict[int, int]:
    """Unread inbox messages per person of the account, in one query (for the page header).

    A dose reminder whose dose is recorded (applied or skipped) or whose slot is gone no longer counts as
    new; one whose window has since closed still does until it is read (the inbox itself, made at read
    time from the rule, says it is out of date and shows it as not new).
    """
    slot = DoseSlot.__table__.c
    current_slot = select(slot.id).where(slot.id == InboxMessage.slot_id, slot.outcome.is_(None))
    current = or_(InboxMessage.kind.not_in(sorted(DOSE_KINDS)), current_slot.exists())
    rows = db.session.execute(
        select(InboxMessage.person_id, func.count())
        .join(Person, Person.id == InboxMessage.person_id)
        .where(Person.account_id == account_id, InboxMessage.read_at.is_(None), current)
        .group_by(InboxMessage.person_id)
    )
    return dict(rows.all())


def mark_read(person: Person, now: dt.datetime) -> None:
    for message in db.session.scalars(
        select(InboxMessage).where(InboxMessage.person_id == person.id, InboxMessage.read_at.is_(None))
    ):
        message.read_at = now
    db.session.commit()


def snooze_minutes(slot: DoseSlot, now: dt.datetime) -> list[int]:
    """The snoozes that end before the window of a dose the rule invites now closes."""
    return [m for m in SNOOZE_MINUTES if now + dt.timedelta(minutes=m) < slot.closes_at]


def snooze(person: Person, message_id: int, minutes: int, now: dt.datetime) -> dt.datetime:
    """Remind again in `minutes` (inbox, and push if on); never past the window's close. Returns when."""
    message = db.session.get(InboxMessage, message_id)
    if message is None or message.person_id != person.id or message.slot_id is None:
        raise ReminderError("not_found")
    slot = db.session.get(DoseSlot, message.slot_id)
    status = ledger.statuses({person.id}, now)[person.id]
    if not status.invites_for(slot.id) or minutes not in snooze_minutes(slot, now):
        raise ReminderError("snooze_too_late")
    send_at = now + dt.timedelta(minutes=minutes)
    settings = outbox.settings_for(person.id)
    for channel in outbox.channels(settings.push, settings.email, subscription_count(person) > 0):
        if channel == EMAIL:
            continue  # an email a few minutes later is noise; the inbox and the phone carry snoozes
        row = db.session.scalar(select(Reminder).where(Reminder.slot_id == slot.id, Reminder.kind == SNOOZE,
                                                       Reminder.channel == channel))  # fmt: skip
        if row is None:
            row = Reminder(person_id=person.id, slot_id=slot.id, occasion=f"slot:{slot.id}", kind=SNOOZE,
                           channel=channel, attempts=0, last_error="")  # fmt: skip
            db.session.add(row)
        elif row.state != PENDING:  # snoozed again: the message it sent stays, and no longer names the row
            db.session.execute(update(InboxMessage).where(InboxMessage.reminder_id == row.id).values(reminder_id=None))
        row.planned_at = row.send_at = send_at
        row.expires_at, row.state, row.sent_at, row.attempts = slot.closes_at, PENDING, None, 0
    message.read_at = message.read_at or now
    db.session.commit()
    return send_at


def _stored(person: Person) -> ReminderSettings:
    settings = db.session.get(ReminderSettings, person.id)
    if settings is None:
        settings = outbox.settings_for(person.id)
        db.session.add(settings)
    return settings
