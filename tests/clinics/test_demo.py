"""Demo data: realistic, varied patients whose stored verdicts are the rule's own, and the demo clinic."""

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import accounts
from app.clinics import demo, staff
from app.dosing.windows import assign
from app.extensions import db
from app.models import (
    Account,
    Application,
    Clinic,
    Clinician,
    ClinicLink,
    DoseSlot,
    ItchEntry,
    Person,
    Plan,
    PoemResponse,
    Reminder,
    SideEffectReport,
    Skip,
)
from app.models.plans import STOPPED
from app.patients.history import EXTRA_VERDICTS, adherence

# 21 days across Europe's change to summer time (29 March) and Sydney's end of it (5 April).
NOW = dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC)
COUNT, DAYS = 6, 21


pytestmark = pytest.mark.usefixtures("quick_hashes")


def new_clinic() -> Clinic:
    clinic = Clinic(name="Test Clinic", phone="", join_code=staff.new_join_code(), created_at=NOW)
    db.session.add(clinic)
    db.session.commit()
    return clinic


@pytest.fixture
def seeded(database) -> list[Person]:
    return demo.seed_patients(new_clinic(), COUNT, DAYS, NOW)


def slots_of(person: Person) -> list[DoseSlot]:
    return list(db.session.scalars(select(DoseSlot).where(DoseSlot.person_id == person.id)
                                   .order_by(DoseSlot.scheduled_at)))  # fmt: skip


def applications_of(person: Person) -> list[Application]:
    return list(db.session.scalars(select(Application).where(Application.person_id == person.id)
                                   .order_by(Application.id)))  # fmt: skip


def test_every_stored_verdict_is_the_one_the_rule_gives(seeded):
    for person in seeded:
        slots, stored = slots_of(person), applications_of(person)
        _, judgements = assign(slots, [a.applied_at for a in stored])
        for application, judgement in zip(stored, judgements, strict=True):
            slot_id = judgement.slot.id if judgement.slot else None
            assert application.verdict == judgement.verdict.value
            assert application.slot_id == slot_id
            assert application.counts_for_slot_id == (slot_id if judgement.verdict.counts else None)


def test_no_dose_counts_two_applications(seeded):
    counted = Counter(a.slot_id for a in db.session.scalars(select(Application)) if a.verdict in ("counted", "late"))
    assert counted and max(counted.values()) == 1


def test_every_local_day_has_each_dose_of_the_plan_at_its_local_time_across_clock_changes(seeded):
    for person in seeded:
        plan = db.session.scalar(select(Plan).where(Plan.person_id == person.id))
        tz, by_day = ZoneInfo(person.timezone), defaultdict(list)
        for slot in slots_of(person):
            assert slot.scheduled_at.astimezone(tz).strftime("%H:%M") == slot.local_time
            by_day[slot.local_date].append(slot.local_time)
        days = sorted(by_day)
        assert days[0] == plan.start_date
        assert days == [plan.start_date + dt.timedelta(days=n) for n in range(len(days))]
        if plan.status == STOPPED:  # the stop came after the day's first dose
            assert by_day[days[-1]] == plan.times[:1]
            days.pop()
        else:  # up to the horizon
            assert days[-1] == NOW.astimezone(tz).date() + dt.timedelta(days=14)
        assert all(by_day[day] == plan.times for day in days)


def test_the_patients_are_varied(seeded):
    verdicts = Counter(db.session.scalars(select(Application.verdict)))
    assert verdicts["late"] and sum(verdicts[v] for v in EXTRA_VERDICTS) >= 2
    assert db.session.scalars(select(Skip.reason)).first()
    assert db.session.scalars(select(DoseSlot.id).where(DoseSlot.paused.is_(True))).first()
    assert {a.locale for a in db.session.scalars(select(Account))} == {"en", "es", "fr"}
    assert len({p.timezone for p in seeded}) == COUNT
    plans = list(db.session.scalars(select(Plan)))
    assert {len(p.times) for p in plans} == {1, 2} and STOPPED in {p.status for p in plans}
    assert [e.kind for p in plans for e in p.events if e.kind != "created"].count("paused") >= 1
    flagged = [r for r in db.session.scalars(select(SideEffectReport)) if r.red_flags]
    assert any(r.reviewed_at is None for r in flagged)
    itch = list(db.session.scalars(select(ItchEntry)))
    assert len(itch) > COUNT * DAYS / 2 and any(e.woke_up for e in itch) and {e.peak_itch for e in itch} > {0, 5}
    assert all(len(r.answers) == 7 for r in db.session.scalars(select(PoemResponse)))
    assert len(db.session.scalars(select(ClinicLink)).all()) == COUNT


def test_adherence_follows_each_patients_habits(seeded):
    excellent, poor = seeded[0], seeded[2]  # the profiles go excellent, good, poor, declining
    assert adherence(excellent, 14, NOW).implementation_percent >= 85
    assert adherence(poor, 14, NOW).implementation_percent <= 70


def test_same_seed_makes_the_same_patients_and_another_seed_others():
    first = demo.make_stories(COUNT, DAYS, NOW, seed=7)
    assert demo.make_stories(COUNT, DAYS, NOW, seed=7) == first
    assert demo.make_stories(2, DAYS, NOW, seed=7) == first[:2]
    assert [s.reports for s in demo.make_stories(COUNT, DAYS, NOW, seed=8)] != [s.reports for s in first]


def record() -> dict:
    """Everything stored about each demo patient, by email, with slots named by their time (not their id)."""
    records = {}
    for account in db.session.scalars(select(Account)):
        person = account.people[0]
        slots = slots_of(person)
        at = {slot.id: slot.scheduled_at for slot in slots}
        plan = db.session.scalar(select(Plan).where(Plan.person_id == person.id))
        rows = {model: db.session.scalars(select(model).where(model.person_id == person.id).order_by(model.id)).all()
                for model in (Skip, ItchEntry, PoemResponse, SideEffectReport, Reminder, ClinicLink)}  # fmt: skip
        records[account.email] = [
            (account.locale, account.created_at, person.name, person.timezone),
            [(c.name, getattr(plan, c.name)) for c in Plan.__table__.columns if c.name not in ("id", "person_id")],
            [(e.kind, e.at, e.detail) for e in plan.events],
            [(s.local_date, s.local_time, s.scheduled_at, s.opens_at, s.closes_at, s.paused, s.outcome) for s in slots],
            [
                (a.applied_at, a.recorded_at, a.verdict, at.get(a.slot_id), at.get(a.counts_for_slot_id), a.source)
                for a in applications_of(person)
            ],
            [(at[s.slot_id], s.reason, s.recorded_at) for s in rows[Skip]],
            [(e.local_date, e.peak_itch, e.woke_up, e.recorded_at) for e in rows[ItchEntry]],
            [(r.local_date, r.answers, r.total, r.band, r.recorded_at) for r in rows[PoemResponse]],
            [
                (r.local_date, r.effects, r.red_flags, r.recorded_at, r.reviewed_at, r.review_note)
                for r in rows[SideEffectReport]
            ],
            sorted((r.kind, r.channel, at.get(r.slot_id), r.planned_at, r.state) for r in rows[Reminder]),
            [(link.joined_at, link.ended_at) for link in rows[ClinicLink]],
        ]
    return records


def test_the_bulk_seed_stores_what_the_services_store(database):
    demo.seed_patients(new_clinic(), COUNT, DAYS, NOW)
    through_services = record()
    db.session.remove()
    db.drop_all()
    db.create_all()
    demo.seed_bulk(new_clinic(), COUNT, DAYS, NOW)
    assert record() == through_services
    assert any(reminders for *_, reminders, _ in through_services.values())


def test_demo_makes_the_clinic_and_a_clinician_who_can_sign_in(database, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_PATIENTS", 3)
    monkeypatch.setattr(demo, "DEMO_DAYS", 21)
    credentials = demo.seed_demo(NOW)
    clinic = db.session.scalar(select(Clinic))
    assert (clinic.name, clinic.phone, clinic.join_code) == (demo.DEMO_CLINIC, demo.DEMO_PHONE, credentials.join_code)
    assert len(clinic.join_code) == 8 and set(clinic.join_code) <= set(staff.JOIN_ALPHABET)
    account = accounts.authenticate(credentials.email, credentials.password, "127.0.0.1", NOW)
    assert account is not None and account.email == "clinician@demo.thinlayer.example"
    clinician = db.session.scalar(select(Clinician).where(Clinician.account_id == account.id))
    assert (clinician.name, clinician.is_admin, clinician.clinic_id) == ("Dr Demo", True, clinic.id)
    assert clinician.totp_secret == credentials.totp_secret and clinician.totp_enrolled_at == NOW
    links = db.session.scalars(select(ClinicLink).where(ClinicLink.clinic_id == clinic.id)).all()
    assert len(links) == 3 and all(link.joined_at >= clinic.created_at for link in links)


def test_demo_refuses_a_second_run(database, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_PATIENTS", 1)
    demo.seed_demo(NOW)
    with pytest.raises(demo.DemoExists):
        demo.seed_demo(NOW + dt.timedelta(days=1))
    assert len(db.session.scalars(select(Clinic)).all()) == 1


def test_join_codes_use_only_unambiguous_characters():
    codes = {staff.new_join_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 8 and not set(code) & set("01OIL") for code in codes)
