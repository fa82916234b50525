"""The in-app inbox as the person reads it: each dose reminder says what the rule says at read time.

A reminder was written when it was sent; by the time it is read its dose may be applied, skipped,
closed or moved by a change of zone or plan. So its words are made again when it is shown, in the
person's current zone, and one the rule no longer invites a dose for says it is out of date (and is
no longer marked new).
"""

import datetime as dt
from dataclasses import dataclass

from app.dosing.windows import Status
from app.extensions import db
from app.models import DoseSlot, InboxMessage, Person
from app.patients import ledger
from app.reminders import messages, preferences
from app.reminders.preferences import DOSE_KINDS


@dataclass(frozen=True)
class InboxItem:
    message: InboxMessage
    title: str
    lines: list[str]
    current: bool  # a dose reminder whose dose a tap now would count for (or any other message)
    snoozes: list[int]

    @property
    def new(self) -> bool:
        return self.message.read_at is None and self.current


def inbox_items(person: Person, now: dt.datetime) -> list[InboxItem]:
    """The person's latest inbox messages, each dose reminder made again from the rule at `now`."""
    stored = preferences.inbox(person)
    status = ledger.statuses({person.id}, now)[person.id]
    slot_ids = {m.slot_id for m in stored if m.slot_id}
    slots = {s.id: s for s in db.session.query(DoseSlot).filter(DoseSlot.id.in_(slot_ids))} if slot_ids else {}
    return [_item(message, person, status, slots.get(message.slot_id), now) for message in stored]


def _item(message: InboxMessage, person: Person, status: Status, slot: DoseSlot | None, now: dt.datetime) -> InboxItem:
    if message.kind not in DOSE_KINDS:
        return InboxItem(message, message.title, message.body.split("\n"), True, [])
    if status.invites_for(message.slot_id):
        title, lines = messages.dose_words(message.kind, person, status.slot, status.missed)
        return InboxItem(message, title, lines, True, preferences.snooze_minutes(status.slot, now))
    title, lines = messages.out_of_date_words(person, slot)
    return InboxItem(message, title, lines, False, [])
