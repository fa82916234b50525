"""Demo data: a clinic whose patients have weeks of realistic doses, itch, POEM and side effects.

One generator makes every patient's story, deterministic from a seed. Plans are made, paused,
resumed and stopped by app.patients.plans at the story's own times, and the slots the daily horizon
job would have added since are stored as it stores them. seed_patients then reports each
application and skip through app.patients.doses at its simulated time, so every verdict is the
rule's own; seed_bulk stores the same story with verdicts from windows.assign in bulk inserts.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

import pyotp
from sqlalchemy import delete, insert, select

from app import accounts
from app.clinics.demo_stories import EVENT_KINDS, MEDICINE, MINUTE, STRENGTH, Story, make_stories
from app.clinics.staff import new_join_code
from app.dosing import schedule
from app.dosing.windows import assign
from app.extensions import db
from app.measures import poem
from app.models import (
    Account,
    Application,
    Clinic,
    Clinician,
    ClinicLink,
    DoseSlot,
    ItchEntry,
    Person,
    PoemResponse,
    Reminder,
    SideEffectReport,
    Skip,
)
from app.models.bulk import dialect_name, insert_new_values
from app.models.plans import ACTIVE, Plan, PlanEvent
from app.patients import doses, ledger, plans
from app.reminders import outbox

DEMO_CLINIC, DEMO_PHONE, DEMO_EMAIL = "Thinlayer Demo Clinic", "+44 20 7946 0000", "clinician@demo.thinlayer.example"
DEMO_PATIENTS, DEMO_DAYS = 50, 90


class DemoExists(Exception):
    """The demo clinic is there already: seeding twice would make a second one."""


@dataclass(frozen=True)
class DemoCredentials:
    """How to sign in to the demo as its clinician, and the code patients join the clinic with."""

    email: str
    password: str
    totp_secret: str
    join_code: str


# --- storing them ---------------------------------------------------------------------------------


def seed_patients(clinic: Clinic, count: int, days: int, now: dt.datetime, seed: int = 1) -> list[Person]:
    """`count` patients of `clinic`, each with a plan that began `days` days before `now` and its history.

    Every application and skip is reported through app.patients.doses at its own simulated time.
    """
    return _seed(clinic, make_stories(count, days, now, seed), now, fast=False)


def seed_bulk(clinic: Clinic, count: int, days: int, now: dt.datetime, seed: int = 1) -> list[Person]:
    """The same patients as seed_patients, with the verdicts of windows.assign stored in bulk inserts."""
    return _seed(clinic, make_stories(count, days, now, seed), now, fast=True)


def _seed(clinic: Clinic, stories: list[Story], now: dt.datetime, fast: bool) -> list[Person]:
    people = _people(clinic, stories)
    pairs = list(zip(people, stories, strict=True))
    plan_ids = _plans_in_bulk(pairs) if fast else [_plan(person, story) for person, story in pairs]
    _fill_slots(people, plan_ids, stories)
    (_report_in_bulk if fast else _report_each)(people, stories, _slot_ids(people, stories))
    _symptoms(people, stories)
    _replan_reminders(people, now)
    db.session.commit()
    return people


def _people(clinic: Clinic, stories: list[Story]) -> list[Person]:
    """An account, its person and a link to the clinic for each story; one password hash serves them all."""
    password_hash = accounts.hasher.hash(secrets.token_urlsafe(16))  # hashing is slow on purpose: once
    people = []
    for story in stories:
        account = Account(
            email=f"demo-patient-{story.number:03d}@example.org",
            password_hash=password_hash,
            locale=story.locale,
            created_at=story.created_at - 10 * MINUTE,
        )
        people.append(Person(name=story.name, timezone=story.timezone, created_at=account.created_at))
        account.people.append(people[-1])
        db.session.add(account)
    db.session.flush()
    db.session.add_all(
        [
            ClinicLink(person_id=person.id, clinic_id=clinic.id, joined_at=story.created_at - 5 * MINUTE)
            for person, story in zip(people, stories, strict=True)
        ]
    )
    db.session.commit()
    return people


def _plan(person: Person, story: Story) -> int:
    """The plan, made and then paused, resumed or stopped by the plan services at the story's times."""
    data = plans.PlanInput(
        MEDICINE, STRENGTH, story.times, story.start_date, body_areas=story.areas, early_minutes=story.early
    )
    plan = plans.create_plan(person, data, story.created_at)
    for at, status in story.changes:
        plans.set_status(person, status, at)
    return plan.id


def _plans_in_bulk(pairs: list[tuple[Person, Story]]) -> list[int]:
    """The plans and their events as _plan stores them, without the services' slots and reminders."""
    stored_plans = []
    for person, story in pairs:
        times = sorted(t.strftime("%H:%M") for t in story.times)
        last_at, status = story.changes[-1] if story.changes else (story.created_at, ACTIVE)
        plan = Plan(
            person_id=person.id,
            medicine=MEDICINE,
            strength=STRENGTH,
            body_areas=story.areas,
            other_area="",
            times=times,
            start_date=story.start_date,
            review_date=story.start_date + plans.REVIEW_AFTER,
            status=status,
            early_minutes=story.early,
            created_at=story.created_at,
            updated_at=last_at,
            cutoff_minutes=schedule.default_cutoff_minutes(story.times),
            min_gap_minutes=schedule.default_min_gap_minutes(story.times),
        )
        # The kinds plans.set_status records.
        plan.events = [PlanEvent(kind="created", at=story.created_at, detail=", ".join(times))]
        plan.events += [PlanEvent(kind=EVENT_KINDS[s], at=at, detail="") for at, s in story.changes]
        stored_plans.append(plan)
    db.session.add_all(stored_plans)
    db.session.flush()
    return [plan.id for plan in stored_plans]


def _fill_slots(people: list[Person], plan_ids: list[int], stories: list[Story]) -> None:
    """The slots the daily horizon job would have added since each plan began (plans.extend_horizon's rows).

    Rows the plan services made are kept as they are: the unique key leaves them alone.
    """
    postgres, rows = dialect_name() == "postgresql", []
    for person, plan_id, story in zip(people, plan_ids, stories, strict=True):
        rows += [
            (
                person.id,
                plan_id,
                s.paused,
                *plans.stored_times(s, postgres),
                s.dose_index,
                s.min_gap // MINUTE,
                s.per_day,
            )
            for s in story.slots
        ]
    insert_new_values(DoseSlot.__table__, plans.SLOT_COLUMNS, rows)


def _slot_ids(people: list[Person], stories: list[Story]) -> dict[int, list[int]]:
    """Each person's slot ids in time order, checked against their story's slots."""
    found: dict[int, list[tuple]] = {person.id: [] for person in people}
    ids = list(found)
    for i in range(0, len(ids), outbox.CHUNK):
        rows = db.session.execute(
            select(DoseSlot.person_id, DoseSlot.id, DoseSlot.scheduled_at, DoseSlot.paused)
            .where(DoseSlot.person_id.in_(ids[i : i + outbox.CHUNK]))
            .order_by(DoseSlot.person_id, DoseSlot.scheduled_at)
        )
        for person_id, slot_id, scheduled, paused in rows:
            found[person_id].append((slot_id, scheduled, paused))
    for person, story in zip(people, stories, strict=True):
        # The bulk verdicts are read off the story's slots: they must be the stored ones, exactly.
        if [(at, paused) for _, at, paused in found[person.id]] != [(s.scheduled, s.paused) for s in story.slots]:
            raise RuntimeError(f"the stored slots of demo patient {story.number} differ from the story's")
    return {person_id: [row[0] for row in rows] for person_id, rows in found.items()}


def _report_each(people: list[Person], stories: list[Story], slot_ids: dict[int, list[int]]) -> None:
    """Each application and skip reported through the services, in the order the patient reported them."""
    for person, story in zip(people, stories, strict=True):
        timeline = [(recorded, at, None) for at, recorded in story.reports]
        timeline += [(recorded, k, reason) for k, reason, recorded in story.skips]
        for recorded, what, reason in sorted(timeline, key=lambda event: event[0]):
            if reason is None:
                doses.record_application(person, what, recorded)
            else:
                doses.skip_dose(person, slot_ids[person.id][what], reason, recorded)


def _report_in_bulk(people: list[Person], stories: list[Story], slot_ids: dict[int, list[int]]) -> None:
    """The rows record_application and skip_dose would store, with the verdicts of windows.assign, and
    the outcome they leave on each slot (ledger.store_outcomes, as they store it)."""
    applications, skips = [], []
    for person, story in zip(people, stories, strict=True):
        ids, index = slot_ids[person.id], {slot.scheduled: k for k, slot in enumerate(story.slots)}
        skipped = [k for k, _, _ in story.skips]
        _, judgements = assign(story.slots, [at for at, _ in story.reports], skipped)  # in report order, as the app
        for (at, recorded), judgement in zip(story.reports, judgements, strict=True):
            slot_id = ids[index[judgement.slot.scheduled]] if judgement.slot else None
            applications.append(
                {
                    "person_id": person.id,
                    "slot_id": slot_id,
                    "applied_at": at,
                    "recorded_at": recorded,
                    "counts_for_slot_id": slot_id if judgement.verdict.counts else None,
                    "verdict": judgement.verdict.value,
                    "source": "web",
                }
            )
        skips += [
            {"person_id": person.id, "slot_id": ids[k], "reason": reason, "recorded_at": recorded}
            for k, reason, recorded in story.skips
        ]
    _insert(Application, applications)
    _insert(Skip, skips)
    ledger.store_outcomes(DoseSlot.person_id.in_([person.id for person in people]))


def _symptoms(people: list[Person], stories: list[Story]) -> None:
    """Itch, POEM and side-effect rows as app.patients.symptoms stores them."""
    itch, poems, effects = [], [], []
    for person, story in zip(people, stories, strict=True):
        itch += [
            {"person_id": person.id, "local_date": day, "peak_itch": peak, "woke_up": woke, "recorded_at": at}
            for day, peak, woke, at in story.itch
        ]
        for day, answers, at in story.poems:
            score = poem.score(dict(zip(poem.ITEMS, answers, strict=True)))
            poems.append(
                {
                    "person_id": person.id,
                    "local_date": day,
                    "answers": list(score.items),
                    "total": score.total,
                    "band": score.band,
                    "recorded_at": at,
                }
            )
        effects += [{"person_id": person.id, **report} for report in story.effects]
    _insert(ItchEntry, itch)
    _insert(PoemResponse, poems)
    _insert(SideEffectReport, effects)


def _insert(model, rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(model), rows)


def _replan_reminders(people: list[Person], now: dt.datetime) -> None:
    """The reminders the app has planned at `now`, and no others.

    The plan services planned reminders for what was ahead at each simulated time, but no sweep ever
    sent them: they are dropped, and what is ahead now is planned.
    """
    ids = [person.id for person in people]
    for i in range(0, len(ids), outbox.CHUNK):
        db.session.execute(delete(Reminder).where(Reminder.person_id.in_(ids[i : i + outbox.CHUNK])))
    outbox.plan_people(ids, now)


# --- the demo clinic ------------------------------------------------------------------------------


def seed_demo(now: dt.datetime) -> DemoCredentials:
    """The demo clinic, its admin clinician (TOTP enrolled) and 50 patients with 90 days of history.

    DemoExists if the demo clinic or its clinician is there already.
    """
    if db.session.scalar(select(Clinic.id).where(Clinic.name == DEMO_CLINIC)) or accounts.find_account(DEMO_EMAIL):
        raise DemoExists(f"{DEMO_CLINIC} already exists; use another database for a fresh demo")
    # The clinic is older than its patients' links; its clinician has just been set up.
    clinic = Clinic(
        name=DEMO_CLINIC, phone=DEMO_PHONE, join_code=new_join_code(), created_at=now - dt.timedelta(days=DEMO_DAYS + 2)
    )
    password = _strong_password()
    account = Account(email=DEMO_EMAIL, password_hash=accounts.hasher.hash(password), locale="en", created_at=now)
    clinician = Clinician(
        account=account,
        clinic=clinic,
        name="Dr Demo",
        is_admin=True,
        totp_secret=pyotp.random_base32(),
        totp_enrolled_at=now,
        created_at=now,
    )
    db.session.add(clinician)
    db.session.commit()
    seed_patients(clinic, DEMO_PATIENTS, DEMO_DAYS, now)
    return DemoCredentials(DEMO_EMAIL, password, clinician.totp_secret, clinic.join_code)


def _strong_password() -> str:
    while True:
        password = secrets.token_urlsafe(15)
        if accounts.check_password(password, (DEMO_EMAIL, "Dr Demo")).ok:
            return password
