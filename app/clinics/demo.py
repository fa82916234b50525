"""Demo data: a clinic whose patients have weeks of realistic doses, itch, POEM and side effects.

One generator makes every patient's story, deterministic from a seed. Plans are made, paused,
resumed and stopped by app.patients.plans at the story's own times, and the slots the daily horizon
job would have added since are stored as it stores them. seed_patients then reports each
application and skip through app.patients.doses at its simulated time, so every verdict is the
rule's own; seed_bulk stores the same story with verdicts from windows.assign in bulk inserts.
"""

import dataclasses
import datetime as dt
import random
import secrets
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pyotp
from sqlalchemy import delete, insert, select

from app import accounts
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
from app.models.bulk import dialect_name, insert_new_values, stored
from app.models.plans import ACTIVE, PAUSED, STOPPED, Plan, PlanEvent
from app.patients import doses, plans
from app.patients.symptoms import RED_FLAGS
from app.reminders import outbox

DEMO_CLINIC, DEMO_PHONE, DEMO_EMAIL = "Thinlayer Demo Clinic", "+44 20 7946 0000", "clinician@demo.thinlayer.example"
DEMO_PATIENTS, DEMO_DAYS = 50, 90
LOCALES = ("en", "es", "fr")
ZONES = ("Europe/London", "Europe/Madrid", "Europe/Paris", "America/New_York", "America/Mexico_City",
         "Australia/Sydney", "Asia/Kolkata", "America/St_Johns")  # fmt: skip
TWICE = ("07:00 19:00", "08:00 20:00", "07:30 19:30", "06:30 18:30", "08:00 21:00", "09:00 21:00")
ONCE = ("08:00", "21:00", "19:30", "07:15")
AREAS = ("face", "neck", "hands", "arms", "legs", "trunk", "folds")  # the plan form's order
# Chance of applying a dose at the start and at the end of the period; of applying it late; of a second one.
PROFILES = ((0.96, 0.95, 0.03, 0.01), (0.88, 0.82, 0.1, 0.03), (0.55, 0.48, 0.25, 0.05), (0.95, 0.4, 0.15, 0.04))
NAMES = {"en": ("Amelia", "Oliver", "Isla", "Harry", "Grace", "Noah"),
         "es": ("Lucía", "Mateo", "Sofía", "Hugo", "Valeria", "Diego"),
         "fr": ("Chloé", "Louis", "Inès", "Gabriel", "Manon", "Jules")}  # fmt: skip
REASONS = {"en": ("Skin clear today", "Skin too sore", "Away from home", "Cream left at work"),
           "es": ("Piel limpia hoy", "Piel muy irritada", "Fuera de casa"),
           "fr": ("Peau nette aujourd’hui", "Peau trop irritée", "Pas à la maison")}  # fmt: skip
REVIEW_NOTES = ("Phoned the patient; no action needed.", "Seen in clinic; swab taken.", "Advised to see their GP.")
# Added to each POEM item (poem.ITEMS order): itchy and dry skin are common, bleeding and weeping rarer.
POEM_OFFSETS = (0.6, 0.1, -0.8, -1.0, -0.3, 0.0, 0.5)
MIN_DAYS_FOR_CHANGES = 21  # a week's pause and a later stop need room
MINUTE = dt.timedelta(minutes=1)
MEDICINE, STRENGTH = "pimecrolimus", "1%"
EVENT_KINDS = {ACTIVE: "resumed", PAUSED: "paused", STOPPED: "stopped"}  # as plans.set_status records them


class DemoExists(Exception):
    """The demo clinic is there already: seeding twice would make a second one."""


@dataclass(frozen=True)
class DemoCredentials:
    """How to sign in to the demo as its clinician, and the code patients join the clinic with."""

    email: str
    password: str
    totp_secret: str
    join_code: str


@dataclass
class Story:
    """One made-up patient: who they are, their plan, and what they reported when (instants in UTC)."""

    number: int
    locale: str
    name: str
    timezone: str
    times: list[dt.time]
    early: int
    areas: list[str]
    created_at: dt.datetime  # account, clinic link and plan: the evening before the first dose
    start_date: dt.date
    changes: list[tuple[dt.datetime, str]] = field(default_factory=list)  # (at, plan status)
    slots: list[schedule.DoseSlot] = field(default_factory=list)  # as stored at `now`
    reports: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)  # (applied, recorded)
    skips: list[tuple[int, str, dt.datetime]] = field(default_factory=list)  # (slot index, reason, recorded)
    taken: dict[dt.date, list[bool]] = field(default_factory=dict)  # per local day: each due dose applied?
    itch: list[tuple[dt.date, int, bool, dt.datetime]] = field(default_factory=list)
    poems: list[tuple[dt.date, list[int], dt.datetime]] = field(default_factory=list)
    effects: list[dict] = field(default_factory=list)  # SideEffectReport columns

    def report(self, at: dt.datetime, recorded: dt.datetime, now: dt.datetime) -> None:
        """An application at `at`, logged at `recorded`, if it had been logged by `now`."""
        if at + MINUTE <= now:
            self.reports.append((at, min(recorded, now)))


# --- the stories ----------------------------------------------------------------------------------


def make_stories(count: int, days: int, now: dt.datetime, seed: int = 1) -> list[Story]:
    """Every patient's story up to `now`; the n-th is the same whatever `count` is, for a given seed."""
    return [_story(i, days, now, random.Random(f"{seed}:{i}")) for i in range(count)]


def _story(i: int, days: int, now: dt.datetime, rng: random.Random) -> Story:
    locale, tz = LOCALES[i % len(LOCALES)], ZoneInfo(ZONES[i % len(ZONES)])
    times = [dt.time.fromisoformat(t) for t in rng.choice(ONCE if i % 10 in (1, 4, 7) else TWICE).split()]
    early = rng.choice((schedule.DEFAULT_EARLY_MINUTES,) * 3 + (60, 90))
    today = now.astimezone(tz).date()
    start = today - dt.timedelta(days=days)
    created = _local(start - dt.timedelta(days=1), dt.time(17), tz) + rng.randrange(180) * MINUTE
    story = Story(i + 1, locale, rng.choice(NAMES[locale]), tz.key, times, early,
                  sorted(rng.sample(AREAS, rng.randint(1, 3)), key=AREAS.index), created, start)  # fmt: skip
    slots = schedule.make_slots(times, tz, start, today + dt.timedelta(days=plans.HORIZON_DAYS), early,
                                schedule.default_cutoff_minutes(times))  # fmt: skip
    story.changes = _changes(i, rng, slots, start, days)
    story.slots = [dataclasses.replace(s, paused=status == PAUSED) for s in slots
                   if (status := _status_at(story.changes, s.opens)) != STOPPED]  # fmt: skip
    profile = PROFILES[i % len(PROFILES)]
    _doses(story, rng, profile, days, now)
    _itch_and_poem(story, rng, 0.55 + 0.4 * profile[1], days, now)
    _side_effects(story, i, rng, days, now)
    return story


def _local(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)


def _changes(i: int, rng: random.Random, slots, start: dt.date, days: int) -> list[tuple[dt.datetime, str]]:
    """A week's pause ("my skin is clear") for every fifth patient, a stop for every twelfth."""
    if days < MIN_DAYS_FOR_CHANGES:
        return []
    changes, resumed = [], 0
    if i % 5 == 2:
        paused = int(days * 0.3) + rng.randrange(days // 4)
        resumed = paused + 7
        changes += [
            (_in_skip_zone(rng, slots, start, day), status) for day, status in ((paused, PAUSED), (resumed, ACTIVE))
        ]
    if i % 12 == 5:
        stopped = max(int(days * 0.75) + rng.randrange(days // 8), resumed + 1)
        changes.append((_in_skip_zone(rng, slots, start, stopped), STOPPED))
    return changes


def _in_skip_zone(rng: random.Random, slots, start: dt.date, day: int) -> dt.datetime:
    """An instant after the day's first window closed and before the next opened.

    No window is open then, so plans.set_status remakes exactly the slots that open after it.
    """
    k = next(k for k, s in enumerate(slots) if s.local_date == start + dt.timedelta(days=day))
    return slots[k].closes + rng.randrange((slots[k + 1].opens - slots[k].closes) // MINUTE) * MINUTE


def _status_at(changes: list[tuple[dt.datetime, str]], at: dt.datetime) -> str:
    return next((status for t, status in reversed(changes) if t < at), ACTIVE)


def _doses(story: Story, rng: random.Random, profile, days: int, now: dt.datetime) -> None:
    """Applications, extras and skips for every window opened by `now`, then put in report order."""
    first, last, late, extra = profile
    for j, slot in enumerate(story.slots):
        if slot.opens >= now:
            break
        if slot.paused:
            if j % 9 == 4 and rng.random() < 0.5:  # applied out of habit while paused: unscheduled
                at = slot.scheduled + rng.randrange(30) * MINUTE
                story.report(at, at + MINUTE, now)
            continue
        applies = rng.random() < first + (last - first) * (slot.local_date - story.start_date).days / days
        story.taken.setdefault(slot.local_date, []).append(applies)
        if applies:
            _apply(story, rng, slot, late, extra, now)
        elif rng.random() < 0.2:
            recorded = slot.opens + rng.random() * (min(slot.closes, now) - slot.opens)
            story.skips.append((j, rng.choice(REASONS[story.locale]), recorded))
        elif rng.random() < 0.15 and j + 1 < len(story.slots):
            _catch_up_too_late(story, rng, slot, story.slots[j + 1], now)
    story.reports.sort(key=lambda report: report[1])


def _apply(story: Story, rng: random.Random, slot, late: float, extra: float, now: dt.datetime) -> None:
    """One application in the slot's window, sometimes late or logged hours later, sometimes a second one."""
    if rng.random() < late:
        at = min(slot.scheduled + rng.uniform(61, 240) * MINUTE, slot.closes - MINUTE)
    else:
        at = max(slot.opens, slot.scheduled + min(rng.gauss(5, 20), 58) * MINUTE)
    at = at.replace(second=rng.randrange(60), microsecond=0)
    logged_later = rng.random() < 0.1
    story.report(at, at + (rng.randint(60, 600) * MINUTE if logged_later else MINUTE), now)
    second = at + rng.randint(15, 90) * MINUTE
    if rng.random() < extra and second < slot.closes:
        story.report(second, second + MINUTE, now)


def _catch_up_too_late(story: Story, rng: random.Random, slot, following, now: dt.datetime) -> None:
    """A missed dose applied in the skip zone after its window: an extra application."""
    # Not where the plan changed: the rule reads a skip zone by its neighbours, which the change remade.
    if any(slot.closes <= t < following.opens for t, _ in story.changes):
        return
    at = slot.closes + rng.random() * (following.opens - slot.closes)
    story.report(at.replace(microsecond=0), at.replace(microsecond=0) + MINUTE, now)


def _itch_and_poem(story: Story, rng: random.Random, logs: float, days: int, now: dt.datetime) -> None:
    """Daily peak itch falling as doses are applied (low while paused), and a weekly POEM on Sundays."""
    tz, base = ZoneInfo(story.timezone), rng.randint(6, 9)
    paused = {s.local_date for s in story.slots if s.paused}
    last_day = max(story.taken, default=story.start_date)
    for d in range(days + 1):
        day = story.start_date + dt.timedelta(days=d)
        week = [t for k in range(7) for t in story.taken.get(day - dt.timedelta(days=k), [])]
        applied = sum(week) / len(week) if week else 0
        peak = base * (1 - 0.7 * applied * min(1, (d + 1) / 21)) + rng.gauss(0, 0.9)
        peak = rng.randint(0, 2) if day in paused else max(0, min(10, round(peak)))
        at = _local(day, dt.time(20, 30), tz) + rng.randrange(150) * MINUTE
        if at > now or day > last_day:
            break
        if rng.random() < logs:
            woke = rng.random() < (0.7 if peak >= 7 else 0.2 if peak >= 5 else 0)
            story.itch.append((day, peak, woke, at))
        if day.weekday() == 6 and rng.random() < logs:
            recent = [entry[1] for entry in story.itch[-7:] if (day - entry[0]).days < 7] or [base]
            level = sum(recent) / len(recent) / 2.5
            answers = [max(0, min(4, round(level + offset + rng.gauss(0, 0.6)))) for offset in POEM_OFFSETS]
            story.poems.append((day, answers, _local(day, dt.time(18), tz) + rng.randint(5, 150) * MINUTE))


def _side_effects(story: Story, i: int, rng: random.Random, days: int, now: dt.datetime) -> None:
    """Burning or redness in the first days for many; a red flag for every eighth, the latest unreviewed."""
    tz = ZoneInfo(story.timezone)

    def report(day: int, effects: list[str], red_flags: list[str], reviewed: bool) -> None:
        local_date = story.start_date + dt.timedelta(days=day)
        at = _local(local_date, dt.time(21), tz) + rng.randrange(90) * MINUTE
        seen = at + rng.randint(12, 48) * 60 * MINUTE if reviewed else None
        if at <= now:
            story.effects.append({"local_date": local_date, "effects": effects, "other": "", "red_flags": red_flags,
                                  "recorded_at": at, "reviewed_at": seen if seen and seen <= now else None,
                                  "review_note": rng.choice(REVIEW_NOTES) if seen and seen <= now else ""})  # fmt: skip

    if rng.random() < 0.45:
        report(rng.randint(0, 4), [e for e in ("burning", "redness", "itching") if rng.random() < 0.6] or ["burning"],
               [], False)  # fmt: skip
    if i % 8 == 3:
        recent = i % 16 == 3
        day = days - rng.randint(1, 4) if recent else rng.randint(days // 3, days // 2)
        report(day, ["redness"] if rng.random() < 0.5 else [], [rng.choice(RED_FLAGS[:4])], not recent)


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
        account = Account(email=f"demo-patient-{story.number:03d}@example.org", password_hash=password_hash,
                          locale=story.locale, created_at=story.created_at - 10 * MINUTE)  # fmt: skip
        people.append(Person(name=story.name, timezone=story.timezone, created_at=account.created_at))
        account.people.append(people[-1])
        db.session.add(account)
    db.session.flush()
    db.session.add_all([ClinicLink(person_id=person.id, clinic_id=clinic.id, joined_at=story.created_at - 5 * MINUTE)
                        for person, story in zip(people, stories, strict=True)])  # fmt: skip
    db.session.commit()
    return people


def _plan(person: Person, story: Story) -> int:
    """The plan, made and then paused, resumed or stopped by the plan services at the story's times."""
    data = plans.PlanInput(MEDICINE, STRENGTH, story.times, story.start_date, body_areas=story.areas,
                           early_minutes=story.early)  # fmt: skip
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
        plan = Plan(person_id=person.id, medicine=MEDICINE, strength=STRENGTH, body_areas=story.areas, other_area="",
                    times=times, start_date=story.start_date, review_date=story.start_date + plans.REVIEW_AFTER,
                    status=status, early_minutes=story.early, created_at=story.created_at, updated_at=last_at,
                    cutoff_minutes=schedule.default_cutoff_minutes(story.times))  # fmt: skip
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
        rows += [(person.id, plan_id, *(stored(v, postgres) for v in (s.local_date, s.local_time.strftime("%H:%M"),
                  s.scheduled, s.opens, s.closes)), s.paused) for s in story.slots]  # fmt: skip
    insert_new_values(DoseSlot.__table__, plans.SLOT_COLUMNS, rows)


def _slot_ids(people: list[Person], stories: list[Story]) -> dict[int, list[int]]:
    """Each person's slot ids in time order, checked against their story's slots."""
    found: dict[int, list[tuple]] = {person.id: [] for person in people}
    ids = list(found)
    for i in range(0, len(ids), outbox.CHUNK):
        rows = db.session.execute(select(DoseSlot.person_id, DoseSlot.id, DoseSlot.scheduled_at, DoseSlot.paused)
                                  .where(DoseSlot.person_id.in_(ids[i : i + outbox.CHUNK]))
                                  .order_by(DoseSlot.person_id, DoseSlot.scheduled_at))  # fmt: skip
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
    """The rows record_application and skip_dose would store, with the verdicts of windows.assign."""
    applications, skips = [], []
    for person, story in zip(people, stories, strict=True):
        ids, index = slot_ids[person.id], {slot.scheduled: k for k, slot in enumerate(story.slots)}
        _, judgements = assign(story.slots, [at for at, _ in story.reports])  # in report order, as the app judges
        for (at, recorded), judgement in zip(story.reports, judgements, strict=True):
            slot_id = ids[index[judgement.slot.scheduled]] if judgement.slot else None
            applications.append({"person_id": person.id, "slot_id": slot_id, "applied_at": at, "recorded_at": recorded,
                                 "counts_for_slot_id": slot_id if judgement.verdict.counts else None,
                                 "verdict": judgement.verdict.value, "source": "web"})  # fmt: skip
        skips += [{"person_id": person.id, "slot_id": ids[k], "reason": reason, "recorded_at": recorded}
                  for k, reason, recorded in story.skips]  # fmt: skip
    _insert(Application, applications)
    _insert(Skip, skips)


def _symptoms(people: list[Person], stories: list[Story]) -> None:
    """Itch, POEM and side-effect rows as app.patients.symptoms stores them."""
    itch, poems, effects = [], [], []
    for person, story in zip(people, stories, strict=True):
        itch += [{"person_id": person.id, "local_date": day, "peak_itch": peak, "woke_up": woke, "recorded_at": at}
                 for day, peak, woke, at in story.itch]  # fmt: skip
        for day, answers, at in story.poems:
            score = poem.score(dict(zip(poem.ITEMS, answers, strict=True)))
            poems.append({"person_id": person.id, "local_date": day, "answers": list(score.items),
                          "total": score.total, "band": score.band, "recorded_at": at})  # fmt: skip
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
    clinic = Clinic(name=DEMO_CLINIC, phone=DEMO_PHONE, join_code=new_join_code(),
                    created_at=now - dt.timedelta(days=DEMO_DAYS + 2))  # fmt: skip
    password = _strong_password()
    account = Account(email=DEMO_EMAIL, password_hash=accounts.hasher.hash(password), locale="en", created_at=now)
    clinician = Clinician(account=account, clinic=clinic, name="Dr Demo", is_admin=True,
                          totp_secret=pyotp.random_base32(), totp_enrolled_at=now, created_at=now)  # fmt: skip
    db.session.add(clinician)
    db.session.commit()
    seed_patients(clinic, DEMO_PATIENTS, DEMO_DAYS, now)
    return DemoCredentials(DEMO_EMAIL, password, clinician.totp_secret, clinic.join_code)


def _strong_password() -> str:
    while True:
        password = secrets.token_urlsafe(15)
        if accounts.check_password(password, (DEMO_EMAIL, "Dr Demo")).ok:
            return password
