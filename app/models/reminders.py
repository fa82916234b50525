"""Reminders: the outbox the sweep sends from, the in-app inbox, push subscriptions and settings."""

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime

# Kinds: `due` at the slot time, `missed` a while after it (window still open), `snooze` when the
# patient asks again later; `review` before the plan's review date; `poem` weekly.
DUE, MISSED, SNOOZE, REVIEW, POEM = "due", "missed", "snooze", "review", "poem"
INBOX, PUSH, EMAIL = "inbox", "push", "email"
PENDING, SENT, EXPIRED, FAILED = "pending", "sent", "expired", "failed"


class Reminder(db.Model):
    """One reminder to send on one channel: a row in the outbox.

    `occasion` names what it is about ("slot:12", "review:3", "poem:2026-11-23"); the unique keys
    make a second row for the same slot, kind and channel impossible, whoever tries to add it.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("slot_id", "kind", "channel"),
        UniqueConstraint("person_id", "occasion", "kind", "channel"),
        Index("ix_reminders_pending", "state", "send_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("dose_slots.id", ondelete="CASCADE"), nullable=True)
    occasion: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(8))
    planned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # when it was first meant to go
    send_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the next try: quiet hours, retries
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(8), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(200), default="")


class InboxMessage(db.Model):
    """A reminder as the in-app inbox shows it; unread until the patient opens the inbox."""

    __tablename__ = "inbox_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    reminder_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminders.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("dose_slots.id", ondelete="SET NULL"), nullable=True)
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PushSubscription(db.Model):
    """A browser's Web Push subscription for one person (endpoint and its two keys)."""

    __tablename__ = "push_subscriptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1024), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ReminderSettings(db.Model):
    """How one person wants to be reminded; a person without a row has the defaults."""

    __tablename__ = "reminder_settings"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    push: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[bool] = mapped_column(Boolean, default=False)
    missed_after_minutes: Mapped[int] = mapped_column(Integer, default=60)
    quiet_start: Mapped[str | None] = mapped_column(String(5), nullable=True)  # local "HH:MM"
    quiet_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    poem_weekday: Mapped[int | None] = mapped_column(Integer, nullable=True, default=6)  # 0 Monday .. 6 Sunday
    review: Mapped[bool] = mapped_column(Boolean, default=True)
    # Only the hash of the feed's secret token (accounts.hash_token): the address is shown once, when made.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    person = relationship("Person")
