"""The clinic dashboard's adherence, counted in SQL from each slot's stored outcome, equals the rule's answer
(history.adherences) over random histories; and each stored outcome is what the slot's records say.

Each example: one or two patients linked to a clinic, each in a random zone with a plan of one or two doses a
day, made about 35 days before the dashboard is read. Over those days, driven through the real services on a
clock that only moves forward: taps now and back-dated (in windows, between them, before the plan), undos,
skips, pause and resume, zone moves and a clinician's plan changes, with the daily job filling the horizon.
Then at a `now` at the end, both periods of each dashboard row equal the rule's, and every slot's
DoseSlot.outcome equals windows.recorded_state of the application that counts for it and its skip.
"""

import dataclasses
import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import accounts
from app.clinics.dashboard import patient_rows
from app.dosing import windows
from app.dosing.schedule import PlanRuleError, gaps_minutes
from app.dosing.windows import Verdict
from app.extensions import db
from app.models import Account, Application, Clinic, ClinicLink, DoseSlot, Person, Skip
from app.models.plans import ACTIVE, PAUSED
from app.patients import history
from app.patients.doses import RecordError, record_application, skip_dose, undo_application
from app.patients.ledger import slots_between
from app.patients.plans import PlanInput, RuleChange, change_plan, create_plan, current_plan, extend_horizon, set_status
from tests.databases import empty_schema

UTC = dt.UTC
DAY, MINUTE = dt.timedelta(days=1), dt.timedelta(minutes=1)
DAYS = 35  # the plan is made this many days before the end
PERIODS = (7, 30)
ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"]
# First days whose next 35 days hold a clock change somewhere (the US 8 Mar and 1 Nov, Europe 29 Mar and
# 25 Oct, Lord Howe and Chatham 5 Apr, 27 Sep and 4 Oct), and a quiet one.
FIRST_DAYS = [
    dt.date(2026, 3, 1),
    dt.date(2026, 3, 20),
    dt.date(2026, 6, 10),
    dt.date(2026, 9, 20),
    dt.date(2026, 10, 10),
]
serial = itertools.count()


def _plan_times(first: dt.time, spacing: int | None) -> list[dt.time]:
    if spacing is None:
        return [first]
    minutes = (first.hour * 60 + first.minute + spacing) % (24 * 60)
    return sorted([first, dt.time(minutes // 60, minutes % 60)])


# Once a day, or twice with both intervals at least 8 hours (8 h to 16 h after the first, by quarter hours).
dose_times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
plan_times = st.builds(_plan_times, dose_times, st.none() | st.integers(32, 64).map(lambda q: q * 15))
# A clinician's rule: early and cut-off minutes, and a spacing from 4 hours (0.0) to the shortest interval (1.0).
rule_changes = st.tuples(
    plan_times, st.integers(30, 180), st.integers(60, 720), st.sampled_from([0.0, 1.0]) | st.floats(0, 1)
)
# How the clock moves before each event: on by some minutes, or to a minute near an edge of a window ahead.
EDGES = ("opens_at", "scheduled_at", "on_time_until", "closes_at")
moves = st.tuples(st.just("by"), st.integers(1, 12 * 60)) | st.tuples(
    st.just("to"), st.sampled_from(EDGES), st.integers(0, 1), st.sampled_from([-1, 0, 1]) | st.integers(-90, 180)
)
# Each event's arguments, by kind.
ARGUMENTS = {
    "wait": st.just(()),
    "tap": st.just(()),
    "tap_back": st.tuples(st.sampled_from([1, 60, 24 * 60]) | st.integers(1, 24 * 60)),  # minutes back
    "undo": st.tuples(st.integers(0, 12)),  # minutes after the last tap's clock
    "skip": st.tuples(st.integers(0, 1)),  # the open or next slot, or the one after
    "pause": st.just(()),
    "resume": st.just(()),
    "zone": st.tuples(st.sampled_from(ZONES)),
    "change_plan": rule_changes,
}
# The patient's taps are the common events; a pause, a resume, a zone move or a clinician's change is rarer
# (and each remakes the slots ahead, the slowest write there is).
KINDS = (
    ["wait"] * 2
    + ["tap"] * 8
    + ["tap_back"] * 3
    + ["undo"] * 2
    + ["skip"] * 2
    + ["pause", "resume", "zone", "change_plan"]
)
actions = st.sampled_from(KINDS).flatmap(lambda kind: ARGUMENTS[kind].map(lambda arguments: (kind, *arguments)))
patients = st.fixed_dictionaries(
    {
        "zone": st.sampled_from(ZONES),
        "hour": st.integers(0, 23),
        "times": plan_times,
        # Each of the DAYS days: the events of that day, each after a move of the clock.
        "days": st.lists(st.lists(st.tuples(moves, actions), max_size=4), min_size=DAYS, max_size=DAYS),
    }
)


def min_gap_minutes(times: list[dt.time], spacing: float) -> int:
    return 240 + round(spacing * (min(gaps_minutes(times)) - 240))


class Patient:
    """One linked person and their own clock; every event a request of its own, through the services."""

    def __init__(self, clinic_id: int, zone: str, start: dt.datetime, times: list[dt.time]):
        self.now, self.start, self.zone_name, self.last_application = start, start, zone, None
        n = next(serial)
        account = Account(email=f"p{n}@example.org", password_hash="-", locale="en", created_at=start)
        person = Person(name=f"P{n}", timezone=zone, created_at=start, account=account)
        db.session.add(person)
        db.session.flush()
        db.session.add(ClinicLink(person_id=person.id, clinic_id=clinic_id, joined_at=start))
        db.session.commit()
        self.person_id = person.id
        create_plan(person, PlanInput("pimecrolimus", "1%", times, self.local_today()), start)
        self.log(f"create_plan(times={[t.strftime('%H:%M') for t in times]})")

    @property
    def person(self) -> Person:
        return db.session.get(Person, self.person_id)

    def local_today(self) -> dt.date:
        return self.now.astimezone(ZoneInfo(self.person.timezone)).date()

    def log(self, what: str) -> None:
        note(f"person {self.person_id} at {self.now:%Y-%m-%d %H:%M}Z ({self.zone_name}): {what}")

    def advance_to(self, then: dt.datetime) -> None:
        """Move the clock on, running the daily job (slots to the horizon) at each 00:05 UTC passed."""
        job = dt.datetime.combine((self.now - 5 * MINUTE).date() + DAY, dt.time(0, 5), UTC)
        while job <= then:
            self.now = job
            db.session.remove()
            extend_horizon(job, [self.person_id])
            db.session.commit()
            job += DAY
        self.now = max(self.now, then)

    def move(self, how: tuple) -> None:
        if how[0] == "by":
            self.advance_to(self.now + how[1] * MINUTE)
            return
        _, edge, nth, offset = how
        db.session.remove()
        slots = slots_between(self.person, self.now - DAY, self.now + 3 * DAY)
        ahead = sorted(t for s in slots if (t := self.edge(s, edge) + offset * MINUTE) > self.now)
        if ahead:
            self.advance_to(ahead[min(nth, len(ahead) - 1)])

    @staticmethod
    def edge(slot: DoseSlot, name: str) -> dt.datetime:
        if name == "on_time_until":
            return slot.scheduled_at + windows.ON_TIME_MINUTES * MINUTE
        return getattr(slot, name)

    def act(self, action: tuple) -> None:
        db.session.remove()  # each event a request (or job) of its own, with a session of its own
        try:
            getattr(self, action[0])(*action[1:])
        except (RecordError, PlanRuleError) as error:
            db.session.rollback()
            self.log(f"{action[0]}: {type(error).__name__}({error})")

    def wait(self) -> None:
        pass

    def tap(self, back: int = 0) -> None:
        at = self.now - back * MINUTE
        self.last_application, judgement = record_application(self.person, at, self.now)
        self.log(f"record_application #{self.last_application} at={at:%Y-%m-%d %H:%M}Z -> {judgement.verdict}")

    def tap_back(self, back: int) -> None:
        self.tap(back)

    def undo(self, delay: int) -> None:
        self.advance_to(self.now + delay * MINUTE)
        if self.last_application is not None:
            undo_application(self.person, self.last_application, self.now)
            self.log(f"undo_application #{self.last_application}")

    def skip(self, pick: int) -> None:
        ahead = [s for s in slots_between(self.person, self.now, self.now + 2 * DAY) if not s.paused]
        if len(ahead) > pick:
            skip_dose(self.person, ahead[pick].id, "skin sore", self.now)
            self.log(f"skip_dose slot {ahead[pick].id} ({ahead[pick].local_date} {ahead[pick].local_time})")

    def pause(self) -> None:
        set_status(self.person, PAUSED, self.now)
        self.log("set_status paused")

    def resume(self) -> None:
        set_status(self.person, ACTIVE, self.now)
        self.log("set_status active")

    def zone(self, zone: str) -> None:
        person = self.person
        accounts.update_person(person, person.name, zone, self.now)
        self.zone_name = zone
        self.log(f"update_person zone={zone}")

    def change_plan(self, times: list[dt.time], early: int, cutoff: int, spacing: float) -> None:
        plan = current_plan(self.person)
        gap = min_gap_minutes(times, spacing)
        change_plan(plan, RuleChange(times, early, cutoff, gap, plan.review_date), self.now)
        db.session.commit()
        self.log(f"change_plan({[t.strftime('%H:%M') for t in times]}, early={early}, cutoff={cutoff}, gap={gap})")

    def live(self, days: list[list[tuple]]) -> None:
        """Each day's events, the day starting DAY after the last began (or later, if events ran on)."""
        for k, events in enumerate(days):
            self.advance_to(self.start + k * DAY)
            for how, action in events:
                self.move(how)
                self.act(action)


def recorded_outcomes(person_id: int) -> dict[int, tuple[str | None, str | None]]:
    """Each slot of the person: (its stored outcome, what windows.recorded_state makes of its records)."""
    counting = dict(
        db.session.execute(
            select(Application.counts_for_slot_id, Application.verdict).where(
                Application.person_id == person_id,
                Application.counts_for_slot_id.is_not(None),
                Application.voided_at.is_(None),
            )
        ).all()
    )
    skipped = set(db.session.scalars(select(Skip.slot_id).where(Skip.person_id == person_id)))
    outcomes = {}
    for slot in db.session.scalars(select(DoseSlot).where(DoseSlot.person_id == person_id)):
        verdict = counting.get(slot.id)
        state = windows.recorded_state(Verdict(verdict) if verdict else None, slot.id in skipped)
        outcomes[slot.id] = (slot.outcome, state.value if state is not None else None)
    return outcomes


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(  # a slot kept across a move west closes before the new zone's day it was made for begins
    people=[
        {
            "zone": "Pacific/Chatham",
            "hour": 12,
            "times": [dt.time(0, 30)],
            "days": [[]] * 34 + [[(("to", "closes_at", 0, -60), ("zone", "America/New_York"))]],
        }
    ],
    first_day=dt.date(2026, 6, 10),
    last_minutes=65,
)
@given(
    people=st.lists(patients, min_size=1, max_size=2),
    first_day=st.sampled_from(FIRST_DAYS),
    last_minutes=st.sampled_from([0, 1]) | st.integers(0, 2 * 24 * 60),
)
def test_the_dashboard_and_each_stored_outcome_agree_with_the_rule_over_random_histories(
    database, people, first_day, last_minutes
):
    db.session.remove()
    empty_schema(database)  # a fresh database for every example
    clinic = Clinic(name="Riverside", phone="", join_code="ABC2345", created_at=dt.datetime(2026, 1, 1, tzinfo=UTC))
    db.session.add(clinic)
    db.session.commit()
    clinic_id, linked = clinic.id, []
    for drawn in people:
        start = dt.datetime.combine(first_day, dt.time(drawn["hour"]), ZoneInfo(drawn["zone"])).astimezone(UTC)
        patient = Patient(clinic_id, drawn["zone"], start, drawn["times"])
        patient.live(drawn["days"])
        linked.append(patient)
    now = max(patient.now for patient in linked) + last_minutes * MINUTE
    for patient in linked:
        patient.advance_to(now)
    db.session.remove()
    note(f"dashboard read at {now:%Y-%m-%d %H:%M}Z")
    rows = {row.person_id: row for row in patient_rows(clinic_id, now)}
    for patient in linked:
        person = patient.person
        rule = history.adherences(person, PERIODS, now)
        shown = {7: rows[person.id].adherence_7, 30: rows[person.id].adherence_30}
        for days in PERIODS:
            expected = dataclasses.replace(rule[days], full_days=None, days=None)  # the dashboard counts no days
            assert shown[days] == expected, f"person {person.id} ({person.timezone}), {days} days at {now}"
        outcomes = recorded_outcomes(person.id)
        differing = {slot_id: pair for slot_id, pair in outcomes.items() if pair[0] != pair[1]}
        assert not differing, f"slots whose stored outcome is not their records' (stored, records): {differing}"
