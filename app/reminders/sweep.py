"""The sweep: claim the reminders that are due, check each one against the rule, send it, mark it.

Claiming takes a batch of due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two schedulers take
different rows; `BEGIN IMMEDIATE` on SQLite, one writer at a time), moves their send time a lease
ahead and commits: no other sweep takes them while this one works. Each push or email is then marked
and committed as soon as it is out, so a process killed mid-batch repeats at most the one delivery it
had in flight (its Topic makes the copy replace the first); the rows it had not reached come back when
the lease ends, while their windows are open. The in-app inbox is written in the same transaction as
its row's mark, so it is exactly once.
"""

import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Application, DoseSlot, InboxMessage, Person, PushSubscription, Reminder, ReminderSettings, Skip
from app.models.reminders import EMAIL, EXPIRED, FAILED, INBOX, PENDING, PUSH, SENT
from app.reminders import messages
from app.reminders.message import ReminderMessage

log = logging.getLogger(__name__)
BACKOFF_FIRST, BACKOFF_MAX = dt.timedelta(seconds=30), dt.timedelta(minutes=15)
# A batch of 50 rows, each a push with a 10 s timeout, ends well inside the lease.
BATCH, LEASE = 50, dt.timedelta(minutes=15)


@dataclass
class Channels:
    """What a sweep sends with; a channel left as None is not sent on (its rows are retried later)."""

    links: messages.Links
    sign: callable  # sign(person_id, slot_id) -> token for the notification actions
    push: object | None = None  # app.reminders.push.PushSender
    email: callable = None  # email(to, message, settings_url) -> None; raises OSError/SMTPException


def sweep(now: dt.datetime, channels: Channels, batch: int = BATCH) -> Counter:
    """Send every reminder due at `now`; returns how many rows ended in each state."""
    counts = Counter()
    expired = db.session.execute(
        update(Reminder).where(Reminder.state == PENDING, Reminder.expires_at <= now).values(state=EXPIRED)
    ).rowcount  # fmt: skip
    db.session.commit()
    counts[EXPIRED] += expired
    while rows := claim(now, batch):
        counts.update(handle(rows, now, channels))
        db.session.commit()
    return counts


def claim(now: dt.datetime, limit: int) -> list[Reminder]:
    """Take up to `limit` due rows for a lease; rows another scheduler is taking are skipped."""
    query = (select(Reminder).where(Reminder.state == PENDING, Reminder.send_at <= now)
             .order_by(Reminder.send_at, Reminder.id).limit(limit))  # fmt: skip
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    else:
        db.session.execute(text("BEGIN IMMEDIATE"))
    rows = list(db.session.scalars(query))
    for row in rows:
        row.send_at = now + LEASE
    db.session.commit()
    return rows


def handle(rows: list[Reminder], now: dt.datetime, channels: Channels) -> Counter:
    slot_ids = {r.slot_id for r in rows if r.slot_id}
    slots = {s.id: s for s in db.session.scalars(select(DoseSlot).where(DoseSlot.id.in_(slot_ids)))}
    taken = _taken(slot_ids)
    newest = _newest(slot_ids, now)
    person_ids = {r.person_id for r in rows}
    people = {p.id: p for p in db.session.scalars(
        select(Person).options(joinedload(Person.account)).where(Person.id.in_(person_ids)))}  # fmt: skip
    settings = {s.person_id: s for s in db.session.scalars(
        select(ReminderSettings).where(ReminderSettings.person_id.in_(person_ids)))}  # fmt: skip
    missed_before = _missed_before(list(slots.values()), taken, now)
    outcome, handled = Counter(), set()
    for row in rows:
        person, slot = people[row.person_id], slots.get(row.slot_id)
        if slot is not None and (slot.id in taken or slot.paused or slot.closes_at <= now
                                 or row.planned_at < newest[slot.id, row.channel]
                                 or (slot.id, row.channel) in handled):  # fmt: skip
            # Taken, paused, closed, or a newer reminder for this dose is current: at most one goes out.
            row.state = EXPIRED
        elif (quiet_end := _quiet_until(person, settings.get(person.id), now)) is not None:
            if quiet_end < row.expires_at:
                row.send_at = quiet_end
                continue
            row.state = EXPIRED
        else:
            message = _message(row, person, slot, missed_before.get(row.slot_id), channels)
            _deliver(row, person, message, now, channels)
            handled.add((row.slot_id, row.channel))
            if row.channel != INBOX:
                db.session.commit()  # out of the process: mark it at once
        outcome[row.state] += 1
    return outcome


def _message(row, person, slot, missed_before, channels) -> ReminderMessage:
    if slot is None:
        return messages.prompt_message(row.kind, person, channels.links)
    return messages.dose_message(
        row.kind, person, slot, missed_before, channels.links, channels.sign(person.id, slot.id)
    )


def _deliver(row: Reminder, person: Person, message: ReminderMessage, now: dt.datetime, channels: Channels) -> None:
    row.attempts += 1
    try:
        if row.channel == INBOX:
            db.session.add(InboxMessage(
                person_id=person.id, reminder_id=row.id, slot_id=row.slot_id, kind=row.kind, title=message.title,
                body="\n".join(message.lines), created_at=now,
            ))  # fmt: skip
            result = SENT
        elif row.channel == PUSH:
            result = _push(row, person, message, now, channels.push)
        elif row.channel == EMAIL:
            result = _email(person, message, channels)
        else:
            result = FAILED
    except Exception:  # a channel's bug must not stop the other reminders
        log.exception("reminder %s failed on %s", row.id, row.channel)
        result = "retry"
    if result == "retry":
        delay = min(BACKOFF_FIRST * 2 ** (row.attempts - 1), BACKOFF_MAX)
        if now + delay < row.expires_at:
            row.send_at = now + delay
            return
        result = FAILED
    row.state = result
    row.sent_at = now if result == SENT else None


def _push(row: Reminder, person: Person, message: ReminderMessage, now: dt.datetime, sender) -> str:
    subscriptions = db.session.scalars(select(PushSubscription).where(PushSubscription.person_id == person.id)).all()
    if sender is None:
        return "retry"
    if not subscriptions:
        return EXPIRED
    ttl = max(int((row.expires_at - now).total_seconds()), 0)
    results = []
    for sub in subscriptions:
        info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
        result = sender.send(info, message.payload(), ttl=ttl, topic=message.topic)
        if result.outcome == "gone":
            db.session.delete(sub)
        results.append(result.outcome)
    if "sent" in results:
        return SENT
    return "retry" if "retry" in results else FAILED


def _email(person: Person, message: ReminderMessage, channels: Channels) -> str:
    if channels.email is None:
        return "retry"
    try:
        channels.email(person.account.email, message, channels.links("reminders.settings", person.id))
    except OSError:
        return "retry"
    return SENT


def _taken(slot_ids) -> set[int]:
    """Slots with a counted application or a skip: nothing more is sent for them."""
    applied = select(Application.counts_for_slot_id).where(Application.counts_for_slot_id.in_(slot_ids))
    skipped = select(Skip.slot_id).where(Skip.slot_id.in_(slot_ids), Skip.voided_at.is_(None))
    return set(db.session.scalars(applied)) | set(db.session.scalars(skipped))


def _newest(slot_ids, now: dt.datetime) -> dict:
    """For each slot and channel, the latest planned time already reached: older reminders are stale."""
    rows = db.session.execute(
        select(Reminder.slot_id, Reminder.channel, func.max(Reminder.planned_at))
        .where(Reminder.slot_id.in_(slot_ids), Reminder.planned_at <= now)
        .group_by(Reminder.slot_id, Reminder.channel)
    )  # fmt: skip
    newest = defaultdict(lambda: dt.datetime.min.replace(tzinfo=dt.UTC))
    newest.update({(slot_id, channel): at for slot_id, channel, at in rows})
    return newest


def _missed_before(slots: list[DoseSlot], taken: set[int], now: dt.datetime) -> dict[int, DoseSlot]:
    """For each slot, the person's previous slot if its window closed with nothing applied or skipped."""
    if not slots:
        return {}
    earliest = min(s.scheduled_at for s in slots) - dt.timedelta(days=2)
    previous = db.session.scalars(
        select(DoseSlot).where(DoseSlot.person_id.in_({s.person_id for s in slots}),
                               DoseSlot.scheduled_at >= earliest, DoseSlot.closes_at <= now)
        .order_by(DoseSlot.scheduled_at)
    ).all()  # fmt: skip
    done = taken | _taken({p.id for p in previous})
    by_person = defaultdict(list)
    for p in previous:
        by_person[p.person_id].append(p)
    result = {}
    for slot in slots:
        before = [p for p in by_person[slot.person_id] if p.scheduled_at < slot.scheduled_at]
        if before and not before[-1].paused and before[-1].id not in done:
            result[slot.id] = before[-1]
    return result


def _quiet_until(person: Person, settings: ReminderSettings | None, now: dt.datetime) -> dt.datetime | None:
    """If now is inside the person's quiet hours, the instant they end; else None."""
    if settings is None or not (settings.quiet_start and settings.quiet_end):
        return None
    tz = ZoneInfo(person.timezone)
    local = now.astimezone(tz)
    start, end = dt.time.fromisoformat(settings.quiet_start), dt.time.fromisoformat(settings.quiet_end)
    at = local.time().replace(tzinfo=None)
    if start == end:
        return None
    inside = start <= at < end if start < end else (at >= start or at < end)
    if not inside:
        return None
    end_day = local.date() if at < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(end_day, end, tz).astimezone(dt.UTC)
