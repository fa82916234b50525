"""The sweep: claim the reminders that are due, check each one against the rule, send it, mark it.

Claiming takes a batch of due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two schedulers take
different rows; `BEGIN IMMEDIATE` on SQLite, one writer at a time), moves their send time a lease
ahead and commits: no other sweep takes them while this one works. An email is marked and committed
as soon as it is out; pushes go out several at a time and each group that comes back is marked in one
commit, with never more than UNMARKED of them out and unmarked. So a process killed mid-batch repeats
at most the one email and the UNMARKED pushes it had out (a push's Topic makes the copy replace the
first on the device); the rows it had not reached come back when the lease ends, while their windows
are open. The in-app inbox is written in the same transaction as its row's mark: exactly once.
"""

import datetime as dt
import logging
from collections import Counter, defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, Executor, ThreadPoolExecutor, wait
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import joinedload

from app import metrics
from app.dosing.windows import Moment, Status
from app.extensions import db
from app.models import (
    Account,
    InboxMessage,
    Person,
    PushSubscription,
    Reminder,
    ReminderSettings,
)
from app.models.reminders import EMAIL, EXPIRED, FAILED, INBOX, PENDING, PUSH, SENT
from app.patients import ledger, supply
from app.patients.plans import current_plan
from app.reminders import messages
from app.reminders.message import ReminderMessage

log = logging.getLogger(__name__)
BACKOFF_FIRST, BACKOFF_MAX = dt.timedelta(seconds=30), dt.timedelta(minutes=15)
# A batch of 200 rows, each a push with a 10 s timeout, 8 at a time, ends well inside the lease.
BATCH, LEASE = 500, dt.timedelta(minutes=15)
# Pushes in flight at once: a push service answers in tens of milliseconds, so one at a time would
# cap a sweep at a few dozen a second.
PUSH_WORKERS = 8
# Pushes sent (or in flight) but not yet marked in the database: all a process killed mid-sweep repeats.
UNMARKED = 4 * PUSH_WORKERS


@dataclass
class Channels:
    """What a sweep sends with; a channel left as None is not sent on (its rows are retried later)."""

    links: messages.Links
    sign: callable  # sign(person_id, slot_id) -> token for the notification actions
    push: object | None = None  # app.reminders.push.PushSender
    email: callable = None  # email(to, message, settings_url) -> None; raises OSError/SMTPException


def sweep(now: dt.datetime, channels: Channels, batch: int = BATCH) -> Counter:
    """Send every reminder due at `now`; returns how many rows ended in each state, and how many it claimed."""
    counts = Counter()
    # No pending row is ever due later than a lease after its expiry, so the pending index finds them.
    stale = (Reminder.state == PENDING, Reminder.send_at <= now + LEASE, Reminder.expires_at <= now)
    expired = db.session.execute(update(Reminder).where(*stale).values(state=EXPIRED)).rowcount
    db.session.commit()
    counts[EXPIRED] += expired
    with ThreadPoolExecutor(PUSH_WORKERS, thread_name_prefix="push") as pool:
        while rows := claim(now, batch):
            counts["claimed"] += len(rows)
            counts.update(handle(rows, now, channels, pool))
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
    db.session.execute(update(Reminder).where(Reminder.id.in_([r.id for r in rows])).values(send_at=now + LEASE))
    db.session.commit()
    for row in rows:  # from here the sweep changes them in memory and writes them back with `_mark`
        db.session.expunge(row)
        row.send_at = now + LEASE
    return rows


def _mark(rows: list[Reminder]) -> None:
    """Write the rows' new state, send time and attempts, in one statement."""
    if rows:
        db.session.execute(update(Reminder), [
            {"id": r.id, "state": r.state, "send_at": r.send_at, "attempts": r.attempts, "sent_at": r.sent_at}
            for r in rows
        ])  # fmt: skip


@dataclass
class Batch:
    """What a batch of claimed rows needs to know, read in a few queries."""

    statuses: dict[int, Status]  # what the rule says to each person now (app.dosing.windows.status_at)
    newest: dict
    people: dict
    settings: dict
    subscriptions: dict


def load(rows: list[Reminder], now: dt.datetime) -> Batch:
    slot_ids = {r.slot_id for r in rows if r.slot_id}
    person_ids = {r.person_id for r in rows}
    people = {p.id: p for p in db.session.scalars(  # with their accounts' people: a message names whose dose
        select(Person).options(joinedload(Person.account).selectinload(Account.people)).where(Person.id.in_(person_ids))
    )}  # fmt: skip
    settings = {s.person_id: s for s in db.session.scalars(
        select(ReminderSettings).where(ReminderSettings.person_id.in_(person_ids)))}  # fmt: skip
    subscriptions = defaultdict(list)
    for sub in db.session.scalars(select(PushSubscription).where(PushSubscription.person_id.in_(person_ids))):
        subscriptions[sub.person_id].append(sub)
    dose_people = {r.person_id for r in rows if r.slot_id}
    return Batch(ledger.statuses(dose_people, now), _newest(slot_ids, now), people, settings, subscriptions)


def handle(rows: list[Reminder], now: dt.datetime, channels: Channels, pool: Executor) -> Counter:
    """Check each claimed row against the rule and send it; pushes go out on the pool, all else here."""
    batch = load(rows, now)
    outcome, handled, pushes, messages_made = Counter(), set(), [], {}
    for row in rows:
        person, status = batch.people[row.person_id], batch.statuses.get(row.person_id)
        held = _rule_holds(row, status, batch, handled, now) or _quiet_holds(row, person, batch, now)
        if isinstance(held, dt.datetime):
            row.send_at = held
            continue
        if held == EXPIRED:
            row.state = EXPIRED
        else:
            key = (row.person_id, row.slot_id, row.kind)  # the same words on every channel: made once
            if key not in messages_made:
                messages_made[key] = _message(row, person, status, channels, now)
            message = messages_made[key]
            handled.add((row.slot_id, row.channel))
            row.attempts += 1
            if row.channel == PUSH and channels.push is not None and batch.subscriptions[person.id]:
                pushes.append((row, batch.subscriptions[person.id], message))
                continue
            _settle(row, _deliver(row, person, message, now, channels), now)
            if row.channel != INBOX:
                _mark([row])
                db.session.commit()  # out of the process: mark it at once
        outcome[row.state] += 1
        metrics.count_send(row.channel, row.state)
    pushing = {id(row) for row, _, _ in pushes}
    _mark([row for row in rows if id(row) not in pushing])
    db.session.commit()  # the inbox messages with their rows' marks, and the rows expired or held back
    outcome.update(_send_pushes(pushes, now, channels.push, pool))
    return outcome


def _send_pushes(pushes: list, now: dt.datetime, sender, pool: Executor) -> Counter:
    """Post the pushes on the pool, never more than UNMARKED out or back and not yet marked; those that
    come back are marked a group at a time, in one commit. A process killed here repeats at most
    UNMARKED pushes."""
    outcome, waiting, out, back = Counter(), deque(pushes), {}, []
    while waiting or out:
        while waiting and len(out) + len(back) < UNMARKED:
            row, subscriptions, message = waiting.popleft()
            out[pool.submit(_push, sender, subscriptions, message, row, now)] = row
        done, _ = wait(out, return_when=FIRST_COMPLETED)
        for future in done:
            row = out.pop(future)
            _settle(row, _push_outcome(row, future), now)
            outcome[row.state] += 1
            metrics.count_send(row.channel, row.state)
            back.append(row)
        if len(back) >= PUSH_WORKERS or not out:  # a group at a time: each commit costs the pool its turn
            _mark(back)
            db.session.commit()
            back = []
    return outcome


def _rule_holds(row: Reminder, status: Status | None, batch: Batch, handled: set, now: dt.datetime):
    """For a dose reminder, what the rule says of sending it now: None to send it; EXPIRED when no dose
    for its slot would count now (taken, skipped, paused, closed, no longer the person's dose after a
    change, or for good too soon after the last one) or a newer reminder for it is current; or the
    instant its window opens for this dose, when the last dose was too recent and that comes before
    the reminder expires."""
    if not row.slot_id:
        return EXPIRED if row.kind == supply.SUPPLY and not _supply_due(row, batch, now) else None
    slot = status.slot if status is not None and status.slot is not None else None
    if slot is None or slot.id != row.slot_id:
        return EXPIRED
    if status.moment is Moment.SPACED and status.opens_from is not None and now < status.opens_from < row.expires_at:
        return status.opens_from
    if not status.invites or row.planned_at < batch.newest[slot.id, row.channel] or (slot.id, row.channel) in handled:
        return EXPIRED
    return None


def _supply_due(row: Reminder, batch: Batch, now: dt.datetime) -> bool:
    """A tube note goes out only while the person's active plan still has that tube and it may soon run out."""
    person = batch.people[row.person_id]
    return supply.still_due(current_plan(person), person.timezone, row.occasion, now)


def _quiet_holds(row: Reminder, person: Person, batch: Batch, now: dt.datetime):
    """Inside the person's quiet hours: the instant they end while the reminder is current, else EXPIRED."""
    quiet_end = _quiet_until(person, batch.settings.get(person.id), now)
    if quiet_end is None:
        return None
    return quiet_end if quiet_end < row.expires_at else EXPIRED


def _message(row, person, status: Status | None, channels, now: dt.datetime) -> ReminderMessage:
    if row.kind == supply.SUPPLY:
        title, lines = supply.note_words(person, current_plan(person), now)
        return ReminderMessage(kind=row.kind, title=messages.named(title, person), lines=lines, topic=row.kind,
                               url=channels.links("patient.plan", person.id), locale=person.account.locale)  # fmt: skip
    if not row.slot_id:
        return messages.prompt_message(row.kind, person, channels.links)
    slot = status.slot
    return messages.dose_message(
        row.kind, person, slot, status.missed, channels.links, channels.sign(person.id, slot.id)
    )


def _deliver(row: Reminder, person: Person, message: ReminderMessage, now: dt.datetime, channels: Channels) -> str:
    """Send on the inbox or by email (or find nothing to send a push with): "sent", "retry", ..."""
    try:
        if row.channel == INBOX:
            db.session.add(InboxMessage(
                person_id=person.id, reminder_id=row.id, slot_id=row.slot_id, kind=row.kind, title=message.title,
                body="\n".join(message.lines), created_at=now,
            ))  # fmt: skip
            return SENT
        if row.channel == PUSH:  # no sender (retry later) or no subscription left (nothing to send to)
            return "retry" if channels.push is None else EXPIRED
        if row.channel == EMAIL:
            return _email(person, message, channels)
        return FAILED
    except Exception:  # a channel's bug must not stop the other reminders
        log.exception("reminder %s failed on %s", row.id, row.channel)
        return "retry"


def _settle(row: Reminder, result: str, now: dt.datetime) -> None:
    """Mark the row; a failure worth retrying is tried again later, backing off, until it expires."""
    if result == "retry":
        delay = min(BACKOFF_FIRST * 2 ** (row.attempts - 1), BACKOFF_MAX)
        if now + delay < row.expires_at:
            row.send_at = now + delay
            return
        result = FAILED
    row.state = result
    row.sent_at = now if result == SENT else None


def _push(sender, subscriptions: list[PushSubscription], message: ReminderMessage, row: Reminder, now: dt.datetime):
    """On a pool thread, no database: post to each of the person's browsers. [(subscription, PushResult)]"""
    ttl = max(int((row.expires_at - now).total_seconds()), 0)
    payload = message.payload()
    return [(sub, sender.send({"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}, payload,
                              ttl=ttl, topic=message.topic)) for sub in subscriptions]  # fmt: skip


def _push_outcome(row: Reminder, future) -> str:
    try:
        results = future.result()
    except Exception:
        log.exception("reminder %s failed on push", row.id)
        return "retry"
    for sub, result in results:
        if result.outcome == "gone":
            db.session.delete(sub)
    outcomes = {result.outcome for _, result in results}
    if "sent" in outcomes:
        return SENT
    return "retry" if "retry" in outcomes else FAILED


def _email(person: Person, message: ReminderMessage, channels: Channels) -> str:
    if channels.email is None:
        return "retry"
    try:
        channels.email(person.account.email, message, channels.links("reminders.settings", person.id))
    except OSError:
        return "retry"
    return SENT


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
