"""The consented links between patients and clinics: join, leave, remove, and who may read whom.

A clinician reads a person only through a live link to the clinician's own clinic; ending the link
(either side) ends that access with the very next request, since every read asks again.
"""

import datetime as dt

from sqlalchemy import select

from app.clinics import audit
from app.extensions import db
from app.models import Clinic, Clinician, ClinicLink, Person

PATIENT, CLINIC = "patient", "clinic"


def live_link(person_id: int, clinic_id: int) -> ClinicLink | None:
    return db.session.scalar(select(ClinicLink).where(
        ClinicLink.person_id == person_id, ClinicLink.clinic_id == clinic_id, ClinicLink.ended_at.is_(None),
    ))  # fmt: skip


def linked_person(clinician: Clinician, person_id: int) -> Person | None:
    """The person if they share their record with the clinician's clinic right now; None otherwise."""
    if not 0 < person_id < 2**31:
        return None
    return db.session.scalar(select(Person).join(ClinicLink, ClinicLink.person_id == Person.id).where(
        Person.id == person_id, ClinicLink.clinic_id == clinician.clinic_id, ClinicLink.ended_at.is_(None),
    ))  # fmt: skip


def clinics_of(person: Person) -> list[Clinic]:
    """The clinics the person shares with now, in the order they joined."""
    return list(db.session.scalars(select(Clinic).join(ClinicLink, ClinicLink.clinic_id == Clinic.id).where(
        ClinicLink.person_id == person.id, ClinicLink.ended_at.is_(None),
    ).order_by(ClinicLink.joined_at)))  # fmt: skip


def join(person: Person, clinic: Clinic, now: dt.datetime) -> ClinicLink:
    """Share the person's record with the clinic (again, if they once left); joining twice changes nothing."""
    link = db.session.scalar(select(ClinicLink).where(ClinicLink.person_id == person.id,
                                                      ClinicLink.clinic_id == clinic.id))  # fmt: skip
    if link is None:
        link = ClinicLink(person_id=person.id, clinic_id=clinic.id, joined_at=now)
        db.session.add(link)
    elif link.ended_at is not None:
        link.joined_at, link.ended_at, link.ended_by = now, None, ""
    db.session.commit()
    return link


def leave(person: Person, clinic_id: int, now: dt.datetime) -> bool:
    """The patient stops sharing with the clinic; False if they were not sharing with it."""
    return _end(live_link(person.id, clinic_id), PATIENT, now)


def remove(clinician: Clinician, person: Person, now: dt.datetime) -> bool:
    """A clinician ends the clinic's link to a patient; written to the patient's audit log."""
    ended = _end(live_link(person.id, clinician.clinic_id), CLINIC, now)
    if ended:
        audit.record(clinician, person, audit.REMOVE, "", now)
    return ended


def _end(link: ClinicLink | None, by: str, now: dt.datetime) -> bool:
    if link is None:
        return False
    link.ended_at, link.ended_by = now, by
    db.session.commit()
    return True
