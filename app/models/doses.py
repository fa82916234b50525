"""Dose slots, applications, skips and the record of every edit."""

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime

# Request keys. Every form that records something (and the phone's offline queue) sends a random key with
# it; the record keeps it, and a unique index on (person_id, request_key) makes a resent request, or two
# tabs racing with the same one, store once. A unique index, not a table constraint: the same guard, and
# SQLite adds it without copying the table. NULLs never collide, so requests without a key store as before.
REQUEST_KEY_LENGTH = 64


class WindowNames:
    """The names app.dosing.windows reads (scheduled, opens, closes, min_gap) over a slot's column names."""

    __slots__ = ()

    @property
    def scheduled(self) -> dt.datetime:
        return self.scheduled_at

    @property
    def opens(self) -> dt.datetime:
        return self.opens_at

    @property
    def closes(self) -> dt.datetime:
        return self.closes_at

    @property
    def min_gap(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.min_gap_minutes)


class DoseSlot(WindowNames, db.Model):
    """A scheduled dose with its window, stored in UTC; past slots never change."""

    __tablename__ = "dose_slots"
    # Every query names the person: the unique key is their index (no more, for the horizon's sake).
    __table_args__ = (UniqueConstraint("person_id", "scheduled_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    local_date: Mapped[dt.date] = mapped_column(Date)
    local_time: Mapped[str] = mapped_column(String(5))
    scheduled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # The dose's identity is (local_date, dose_index): the first or second dose of that local day. A zone
    # or plan change never makes a second slot for a dose that already has one in the past.
    dose_index: Mapped[int] = mapped_column(Integer, default=0)
    # The plan's spacing and cap as they were when the slot was made (app.dosing.windows rules 6 and 7).
    min_gap_minutes: Mapped[int] = mapped_column(Integer, default=0)
    per_day: Mapped[int] = mapped_column(Integer, default=2)
    # What the records say of this dose so far: "on_time" or "late" while an application counts for it,
    # else "skipped" while it is skipped on purpose, else None (the rule's windows.recorded_state). Derived
    # from the records by its one writer, app.patients.ledger.store_outcomes, so that a reader of many slots,
    # the clinic dashboard, need not look up each one's applications and skips; they stay the record.
    outcome: Mapped[str | None] = mapped_column(String(8), nullable=True, default=None)


class Application(db.Model):
    """One reported application of the cream, with the rule's verdict when it was reported."""

    __tablename__ = "applications"
    # Serves every query by person, and the clinic dashboard's "last activity" as a lookup; the unique
    # index, a resent request (REQUEST_KEY_LENGTH, above) as a lookup and a store-once guard.
    __table_args__ = (
        Index("ix_applications_person_recorded", "person_id", "recorded_at"),
        Index("uq_applications_person_request_key", "person_id", "request_key", unique=True),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("dose_slots.id", ondelete="SET NULL"), nullable=True)
    # Set only while this application is the one that counts for its slot: the unique key makes a
    # second counted dose impossible even when two taps race.
    counts_for_slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("dose_slots.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    verdict: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(8), default="web")
    voided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The key the form or the offline queue sent with the report (None: sent without one).
    request_key: Mapped[str | None] = mapped_column(String(REQUEST_KEY_LENGTH), nullable=True)


class Skip(db.Model):
    """A dose skipped on purpose, with the patient's reason."""

    __tablename__ = "skips"
    __table_args__ = (Index("uq_skips_person_request_key", "person_id", "request_key", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("dose_slots.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    request_key: Mapped[str | None] = mapped_column(String(REQUEST_KEY_LENGTH), nullable=True)


class RecordEdit(db.Model):
    """Every change to a patient's record (undo, correction), so nothing is silently overwritten."""

    __tablename__ = "record_edits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    before: Mapped[dict] = mapped_column(JSON, default=dict)
