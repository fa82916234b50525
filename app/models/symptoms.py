"""Itch, side effects with red flags, and the weekly POEM."""

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class ItchEntry(db.Model):
    """Peak itch (0–10) for one local day, and whether itch woke the person."""

    __tablename__ = "itch_entries"
    # The unique key serves queries by person and day; the index, the dashboard's "last activity".
    __table_args__ = (UniqueConstraint("person_id", "local_date"),
                      Index("ix_itch_entries_person_recorded", "person_id", "recorded_at"))  # fmt: skip
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    local_date: Mapped[dt.date] = mapped_column(Date)
    peak_itch: Mapped[int] = mapped_column(Integer)
    woke_up: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


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
