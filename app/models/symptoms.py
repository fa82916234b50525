"""Itch, side effects with red flags, and the weekly POEM."""

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.doses import REQUEST_KEY_LENGTH
from app.models.types import UTCDateTime


class ItchEntry(db.Model):
    """Peak itch (0–10) for one local day, and whether itch woke the person."""

    __tablename__ = "itch_entries"
    # The unique key serves queries by person and day; the index, the dashboard's "last activity"; the
    # unique index, resent requests (app.models.doses, REQUEST_KEY_LENGTH).
    __table_args__ = (
        UniqueConstraint("person_id", "local_date"),
        Index("ix_itch_entries_person_recorded", "person_id", "recorded_at"),
        Index("uq_itch_entries_person_request_key", "person_id", "request_key", unique=True),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    local_date: Mapped[dt.date] = mapped_column(Date)
    peak_itch: Mapped[int] = mapped_column(Integer)
    woke_up: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The key of the request that wrote the values now held; the keys of the ones it replaced are in their
    # RecordEdit's `before`, so a late resend of any of them is still known.
    request_key: Mapped[str | None] = mapped_column(String(REQUEST_KEY_LENGTH), nullable=True)


class SideEffectReport(db.Model):
    """Side effects and red flags reported on one occasion; red flags await a clinician's review."""

    __tablename__ = "side_effect_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    local_date: Mapped[dt.date] = mapped_column(Date)
    effects: Mapped[list] = mapped_column(JSON, default=list)
    other: Mapped[str] = mapped_column(String(200), default="")
    red_flags: Mapped[list] = mapped_column(JSON, default=list)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="")


class PoemResponse(db.Model):
    """One weekly POEM: the seven answers (0–4 each), the total and its band."""

    __tablename__ = "poem_responses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    local_date: Mapped[dt.date] = mapped_column(Date)
    answers: Mapped[list] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(24))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
