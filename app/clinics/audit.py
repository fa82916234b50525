"""The audit log of clinicians' reads, exports and plan changes, as the patient sees it."""

import datetime as dt

from sqlalchemy import insert, select

from app.extensions import db
from app.models import AuditEvent, Clinician, Person
from app.models.audit import EXPORT, PLAN_CHANGE, READ, REMOVE, REVIEW

__all__ = ["EXPORT", "PLAN_CHANGE", "READ", "REMOVE", "REVIEW", "events_for", "record", "record_many"]


def record(clinician: Clinician, person: Person, action: str, detail: str, now: dt.datetime,
           commit: bool = True) -> AuditEvent:  # fmt: skip
    """Append who did what to whose record, and when. The row can never be changed afterwards."""
    event = AuditEvent(at=now, person_id=person.id, clinic_id=clinician.clinic_id,
                       actor_account_id=clinician.account_id, actor_name=clinician.name,
                       clinic_name=clinician.clinic.name, action=action, detail=detail[:300])  # fmt: skip
    db.session.add(event)
    if commit:
        db.session.commit()
    return event


def record_many(clinician: Clinician, person_ids: list[int], action: str, detail: str, now: dt.datetime) -> None:
    """The same entry for several people at once (a dashboard page shows each of them), in one statement."""
    if person_ids:
        db.session.execute(insert(AuditEvent), [
            {"at": now, "person_id": person_id, "clinic_id": clinician.clinic_id,
             "actor_account_id": clinician.account_id, "actor_name": clinician.name,
             "clinic_name": clinician.clinic.name, "action": action, "detail": detail}
            for person_id in person_ids
        ])  # fmt: skip
        db.session.commit()


def events_for(person: Person, limit: int = 200) -> list[AuditEvent]:
    """The newest entries about the person first: "who viewed my data"."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.person_id == person.id).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ))  # fmt: skip
