"""Treatment plans and what happened to them (pause, resume, stop, changes)."""

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime

ACTIVE, PAUSED, STOPPED = "active", "paused", "stopped"


class Plan(db.Model):
    """One person's plan for one medicine: local dose times and the three rule parameters."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    medicine: Mapped[str] = mapped_column(String(64))
    strength: Mapped[str] = mapped_column(String(32))
    body_areas: Mapped[list] = mapped_column(JSON, default=list)
    other_area: Mapped[str] = mapped_column(String(80), default="")
    times: Mapped[list] = mapped_column(JSON)  # local "HH:MM" strings, sorted
    start_date: Mapped[dt.date] = mapped_column(Date)
    review_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    early_minutes: Mapped[int] = mapped_column(Integer)
    cutoff_minutes: Mapped[int] = mapped_column(Integer)
    # No two counted doses closer than this (default: half the shortest interval between doses).
    min_gap_minutes: Mapped[int] = mapped_column(Integer)
    # The tube in use, for the supply estimate (app.measures.ftu): its size in grams and the day it was opened.
    tube_grams: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tube_opened: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    events: Mapped[list["PlanEvent"]] = relationship(cascade="all, delete-orphan", order_by="PlanEvent.id")


class PlanEvent(db.Model):
    """A change to a plan, kept for the record: created, changed, paused, resumed, stopped."""

    __tablename__ = "plan_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    detail: Mapped[str] = mapped_column(Text, default="")
