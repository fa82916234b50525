"""The audit log: who did what to whose record, and when. Rows are only ever added.

A database trigger (see the migration) refuses any UPDATE; rows go only when the person's own
record is erased at their request.
"""

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime

READ, EXPORT, PLAN_CHANGE, REVIEW, REMOVE = "read", "export", "plan-change", "review", "remove"


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_person_at", "person_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id", ondelete="SET NULL"), nullable=True)
    # Kept as text as well as ids: the log still says who it was after an account is gone.
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"),
                                                         nullable=True)  # fmt: skip
    actor_name: Mapped[str] = mapped_column(String(120))
    clinic_name: Mapped[str] = mapped_column(String(120), default="")
    action: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(300), default="")


# What happened can never be changed; only the ids may become NULL when an account or clinic goes.
_WHAT = "at, person_id, action, detail, actor_name, clinic_name"
APPEND_ONLY = {
    "sqlite": [
        f"CREATE TRIGGER audit_events_append_only BEFORE UPDATE OF {_WHAT} ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_events_refuse_update() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$",
        f"CREATE TRIGGER audit_events_append_only BEFORE UPDATE OF {_WHAT} ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_update()",
    ],
}


@event.listens_for(AuditEvent.__table__, "after_create")
def _append_only(_table, connection, **_kw) -> None:
    """The same trigger as the migration makes, for tables made by create_all (the tests)."""
    for statement in APPEND_ONLY.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)
