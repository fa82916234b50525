"""What the operators' checks read: each scheduler process's last finished sweep."""

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class SchedulerHeartbeat(db.Model):
    """One row per scheduler process (host and process id), written at the end of each of its sweeps.

    /healthz reads the newest: no sweep for two minutes while a scheduler is expected is an outage.
    """

    __tablename__ = "scheduler_heartbeats"
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    pid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
