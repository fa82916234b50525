"""A state machine over the dose services on a simulated clock: taps (now and back-dated), undos, skips,
zone moves, the patient's and the clinician's plan changes, pause, resume and stop, the daily horizon job,
reminder sweeps and a notification's "Applied" action, in any order, from a start near a 2026 clock
change. After every step the missed-dose rule (app/dosing/windows.py, rules 1-7) must still hold on
what is stored:

1. dose identity: no two slots of the person share (local_date, dose_index);
2. spacing: no two counted applications closer than the smaller min_gap of their slots, nor (in report
   order, as the rule applies it) one closer than its own slot's min_gap to one counted before it;
3. cap: no counted application that makes, with per_day of those counted before it, more than its slot's
   per_day in a span shorter than its slot's cap span (rule 7 as app.dosing.windows now has it: a day less
   the slot's window and an hour, not a plain 24 hours);
4. each slot has one state (windows.slot_states) and its stored outcome is what its records say;
5. no channel invites what the rule would not count: Today invites exactly when a tap now would count
   (and then the tap keeps 2 and 3), every dose reminder the last sweep sent now is for that slot, and so
   is every one the inbox (made again when read) still shows as current; and each event of the calendar
   feed's next two weeks rings when a dose would count for its very slot.
"""

import datetime as dt
import itertools
from typing import NamedTuple
from zoneinfo import ZoneInfo

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app import accounts
from app.dosing import windows
from app.dosing.schedule import PlanRuleError, gaps_minutes
from app.dosing.windows import SlotState, Verdict
from app.extensions import db
from app.models import Account, Application, DoseSlot, InboxMessage, Person, Reminder, Skip
from app.models.plans import ACTIVE, PAUSED, STOPPED
from app.patients import doses, ledger
from app.patients.doses import RecordError, record_application, skip_dose, today_view, undo_application
from app.patients.plans import PlanInput, RuleChange, change_plan, create_plan, current_plan, set_status
from app.reminders import calendar, inbox, preferences, scheduler
from app.reminders.push import PushResult
from tests.databases import empty_schema

UTC = dt.UTC
DAY = dt.timedelta(hours=24)
MINUTE = dt.timedelta(minutes=1)
# The zones, two more, and zones whose rules changed lately: Cairo brought summer time back in 2023
# (its clocks change at midnight, so a day's first minutes may not exist), Mexico City dropped it in 2022.
ZONES = [
    *("Europe/London", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns"),
    *("Asia/Kolkata", "America/Los_Angeles", "Asia/Tokyo", "Africa/Cairo", "America/Mexico_City"),
]
# Days just before a clock change somewhere: the US (8 Mar, 1 Nov), Europe (29 Mar, 25 Oct), Lord Howe
# and Chatham (5 Apr; 4 Oct and 27 Sep), Cairo (24 Apr, 30 Oct).
DAYS = [
    dt.date(2026, m, d) for m, d in [(3, 7), (3, 28), (4, 4), (4, 23), (9, 26), (10, 3), (10, 24), (10, 29), (10, 31)]
]
# Local times in or next to a clock change's gap or repeated hour, and any quarter hour.
dose_times = st.sampled_from([dt.time(1, 30), dt.time(2, 30), dt.time(2, 15), dt.time(3), dt.time(1), dt.time(2)]) | (
    st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
)


def _plan_times(first: dt.time, spacing: int | None) -> list[dt.time]:
    if spacing is None:
        return [first]
    minutes = (first.hour * 60 + first.minute + spacing) % (24 * 60)
    return sorted([first, dt.time(minutes // 60, minutes % 60)])


# Once a day, or twice with both intervals at least 8 hours (8 h to 16 h after the first, by quarter hours).
plan_times = st.builds(_plan_times, dose_times, st.none() | st.integers(32, 64).map(lambda q: q * 15))
durations = st.sampled_from([1, 5, 30, 59, 60, 61, 119, 120, 121, 240, 360, 480, 720, 1439, 1440, 2880]) | (
    st.integers(1, 2 * 24 * 60)
)
# A clinician's rule: early and cut-off minutes, and a spacing from 4 hours (0.0) to the shortest interval (1.0).
earlies = st.sampled_from([30, 180]) | st.integers(30, 180)
cutoffs = st.sampled_from([60, 720]) | st.integers(60, 720)
spacings = st.sampled_from([0.0, 1.0]) | st.floats(0, 1)
offsets = st.sampled_from([-1, 0, 1])  # minutes either side of an instant
edges = st.sampled_from(["opens_at", "scheduled_at", "closes_at"])
serial = itertools.count()


class CollectingPush:
    """A push service that takes every push: the payloads, in order."""

    def __init__(self):
        self.payloads = []

    def send(self, subscription, payload, ttl, topic, urgency="high"):
        self.payloads.append(payload)
        return PushResult("sent", 201)


class CollectingEmail:
    def __init__(self):
        self.messages = []

    def __call__(self, to, message, settings_url):
        self.messages.append(message)


def min_gap_minutes(times: list[dt.time], spacing: float) -> int:
    return 240 + round(spacing * (min(gaps_minutes(times)) - 240))


def spacing_violations(points):
    """Pairs of counted doses (at, min_gap, per_day, cap span) closer than the smaller min_gap of the two."""
    pairs = itertools.combinations(sorted(points), 2)
    return [(a[0].isoformat(), b[0].isoformat()) for a, b in pairs if b[0] - a[0] < min(a[1], b[1])]


def too_soon_in_report_order(points):
    """Rule 6 as it is applied, in report order: counted doses closer to one counted before them than
    their own slot's min_gap."""
    return [
        (at.isoformat(), f"min_gap {gap}")
        for k, (at, gap, _, _) in enumerate(points)
        if any(abs(at - earlier[0]) < gap for earlier in points[:k])
    ]


def over_cap_in_report_order(points):
    """Rule 7 as it is applied, in report order: counted doses that, with per_day of those counted before
    them, lie in a span shorter than their own slot's cap span (a day less the window and an hour)."""
    over = []
    for k, (at, _, per_day, span) in enumerate(points):
        merged = sorted([p[0] for p in points[:k]] + [at])
        j = merged.index(at)
        runs = [merged[i : i + per_day + 1] for i in range(max(0, j - per_day), j + 1) if i + per_day < len(merged)]
        over += [[t.isoformat() for t in run] for run in runs if run[-1] - run[0] < span]
    return over


def point(at: dt.datetime, slot) -> tuple:
    """A counted dose as the rule weighs it: its instant, its slot's min_gap, per_day and cap span."""
    return at, slot.min_gap, slot.per_day, windows.cap_span(slot)


class Records(NamedTuple):
    slots: list[DoseSlot]
    applications: list[Application]  # not undone, in report order
    skipped: set[int]  # ids of the slots skipped on purpose (not undone)

    @property
    def counted(self) -> list[tuple]:
        """Each counted application as a point(), in report order."""
        slots = {s.id: s for s in self.slots}
        return [point(a.applied_at, slots[a.counts_for_slot_id]) for a in self.applications if a.counts_for_slot_id]


class DoseMachine(RuleBasedStateMachine):
    app = None  # set by the test

    def __init__(self):
        super().__init__()
        db.session.remove()
        empty_schema(self.app)  # a fresh database for every example
        self.push, self.email = CollectingPush(), CollectingEmail()
        self.channels = scheduler.make_channels(self.app, push=self.push)
        self.channels.email = self.email
        self.signer = scheduler.action_signer(self.app)
        self.person_id = None
        self.last_application = None
        self.delivered = []  # (channel, slot_id) of the dose reminders the sweep at `now` sent
        self.last_notification = None  # the slot of the last dose push or email delivered
        self.stored = None

    # --- helpers ---------------------------------------------------------------------------------

    def fresh(self) -> None:
        """Each step is a request or a job of its own, with a session of its own (as in the app)."""
        db.session.remove()
        self.stored = None

    def records(self) -> Records:
        """The person's slots, applications and skips as stored now, read once for all the invariants."""
        if self.stored is None:
            db.session.remove()
            self.stored = Records(self.slots(), self.applications(), self.skipped_ids())
        return self.stored

    @property
    def person(self) -> Person:
        return db.session.get(Person, self.person_id)

    def local_today(self) -> dt.date:
        return self.now.astimezone(ZoneInfo(self.person.timezone)).date()

    def plan_input(self, times) -> PlanInput:
        return PlanInput("pimecrolimus", "1%", times, self.local_today())

    def advance_to(self, then: dt.datetime, tap: bool) -> None:
        """Move the clock on (running the daily job if 00:05 UTC passed), then maybe tap "I applied it"."""
        before, self.now = self.now, then
        if (then - dt.timedelta(minutes=5)).date() != (before - dt.timedelta(minutes=5)).date():
            self.daily_job()
        if tap:
            self.fresh()
            self.tap(self.now)

    def slots(self) -> list[DoseSlot]:
        query = select(DoseSlot).where(DoseSlot.person_id == self.person_id).order_by(DoseSlot.scheduled_at)
        return list(db.session.scalars(query))

    def applications(self) -> list[Application]:
        query = select(Application).where(Application.person_id == self.person_id, Application.voided_at.is_(None))
        return list(db.session.scalars(query.order_by(Application.id)))

    def skipped_ids(self) -> set[int]:
        query = select(Skip.slot_id).where(Skip.person_id == self.person_id)
        return set(db.session.scalars(query))

    def dry_run(self) -> windows.Judgement:
        """What a tap at `now` would be judged, as doses._judge_and_store judges it, storing nothing."""
        return ledger.read(self.person, self.now - doses.CONTEXT, self.now + doses.CONTEXT).judge(self.now)

    def rule_allows_now(self, slot_id: int) -> list:
        """What rules 1, 6 and 7 would have against a dose at `now` counted for this slot: worked out here,
        not by app.dosing, so that a rule broken there shows."""
        slot = db.session.get(DoseSlot, slot_id)
        points = [*self.records().counted, point(self.now, slot)]
        problems = []
        if not (slot.opens_at <= self.now < slot.closes_at) or slot.paused:
            problems.append("the slot's window does not hold now, or it is paused")
        if db.session.scalar(select(Application.id).where(Application.counts_for_slot_id == slot_id)) is not None:
            problems.append("the slot already has its dose")
        return (
            problems + spacing_violations(points) + too_soon_in_report_order(points) + over_cap_in_report_order(points)
        )

    def tap(self, at: dt.datetime, **kwargs):
        try:
            self.last_application, judgement = record_application(self.person, at, self.now, **kwargs)
            return judgement
        except RecordError as error:
            db.session.rollback()
            return error

    # --- setup -----------------------------------------------------------------------------------

    @initialize(
        zone=st.sampled_from(ZONES),
        day=st.sampled_from(DAYS),
        hour=st.integers(0, 23),
        times=plan_times,
        clinician_rule=st.none() | st.tuples(earlies, cutoffs, spacings),
        missed_after=st.sampled_from(preferences.MISSED_AFTER_CHOICES),
        quiet=st.sampled_from([None, ("22:00", "07:00"), ("13:00", "15:00")]),
    )
    def start(self, zone, day, hour, times, clinician_rule, missed_after, quiet):
        """One person with a plan: the defaults, or a clinician's rule (the defaults if it cannot be)."""
        self.now = dt.datetime.combine(day, dt.time(hour), ZoneInfo(zone)).astimezone(UTC)
        n = next(serial)
        account = Account(email=f"p{n}@example.org", password_hash="-", locale="en", created_at=self.now)
        person = Person(name="Sam", timezone=zone, created_at=self.now, account=account)
        db.session.add(person)
        db.session.commit()
        self.person_id = person.id
        plan = self.plan_input(times)
        if clinician_rule is not None:
            early, cutoff, spacing = clinician_rule
            plan.early_minutes, plan.cutoff_minutes = early, cutoff
            plan.min_gap_minutes = min_gap_minutes(times, spacing)
        try:
            create_plan(person, plan, self.now)
        except PlanRuleError:
            create_plan(person, self.plan_input(times), self.now)
        preferences.add_subscription(person, f"https://push.example/{n}", "p256dh", "auth", self.now)
        quiet_start, quiet_end = quiet or (None, None)
        preferences.save_settings(
            person, preferences.SettingsInput(True, missed_after, quiet_start, quiet_end, None, True), self.now
        )

    def teardown(self):
        db.session.remove()

    # --- the clock -------------------------------------------------------------------------------

    @rule(minutes=durations, tap=st.booleans())
    def advance(self, minutes, tap):
        self.fresh()
        self.delivered = []
        self.advance_to(self.now + minutes * MINUTE, tap)

    @rule(edge=edges, nth=st.integers(0, 2), offset=offsets, tap=st.booleans())
    def advance_to_a_window_edge(self, edge, nth, offset, tap):
        """To a minute either side of, or onto, an opening, a dose time or a close ahead."""
        self.fresh()
        self.delivered = []
        ahead = sorted(t for s in self.slots() if (t := getattr(s, edge) + offset * MINUTE) > self.now)
        if ahead:
            self.advance_to(ahead[min(nth, len(ahead) - 1)], tap)

    @rule(nth=st.integers(0, 2), tap=st.booleans())
    def advance_to_a_reminder(self, nth, tap):
        """To the instant a pending reminder falls due."""
        self.fresh()
        self.delivered = []
        query = select(Reminder.send_at).where(Reminder.person_id == self.person_id, Reminder.state == "pending")
        ahead = sorted(t for t in set(db.session.scalars(query)) if t > self.now)
        if ahead:
            self.advance_to(ahead[min(nth, len(ahead) - 1)], tap)

    @rule(offset=offsets, tap=st.booleans())
    def advance_to_the_next_chance(self, offset, tap):
        """To a minute either side of, or onto, the instant Today says a dose can next count."""
        self.fresh()
        self.delivered = []
        opens_from = today_view(self.person, self.now).status.opens_from
        if opens_from is not None and opens_from + offset * MINUTE > self.now:
            self.advance_to(opens_from + offset * MINUTE, tap)

    @rule()
    def daily_job(self):
        """The horizon job: slots 14 days ahead (plans.extend_horizon) and their reminders."""
        self.fresh()
        self.delivered = []
        db.session.commit()
        scheduler.run_horizon(self.app, self.now)
        db.session.expire_all()

    # --- the patient's records -------------------------------------------------------------------

    @rule()
    def tap_now(self):
        self.fresh()
        self.delivered = []
        self.tap(self.now)

    @rule(minutes_back=st.integers(1, 24 * 60))
    def tap_back_dated(self, minutes_back):
        self.fresh()
        self.delivered = []
        self.tap(self.now - minutes_back * MINUTE)

    @rule()
    def undo_last(self):
        self.fresh()
        self.delivered = []
        if self.last_application is None:
            return
        try:
            undo_application(self.person, self.last_application, self.now)
        except RecordError:
            db.session.rollback()

    @rule(pick=st.integers(0, 1))
    def skip(self, pick):
        """Skip the open or an upcoming dose."""
        self.fresh()
        self.delivered = []
        ahead = [s for s in self.slots() if s.closes_at > self.now and not s.paused]
        if len(ahead) > pick:
            try:
                skip_dose(self.person, ahead[pick].id, "skin sore", self.now)
            except RecordError:
                db.session.rollback()

    # --- zone and plan ---------------------------------------------------------------------------

    @rule(zone=st.sampled_from(ZONES))
    def change_zone(self, zone):
        self.fresh()
        self.delivered = []
        person = self.person
        accounts.update_person(person, person.name, zone, self.now)

    @rule(times=plan_times)
    def new_plan_by_patient(self, times):
        self.fresh()
        self.delivered = []
        create_plan(self.person, self.plan_input(times), self.now)

    @rule(times=plan_times, early=earlies, cutoff=cutoffs, spacing=spacings)
    def change_plan_by_clinician(self, times, early, cutoff, spacing):
        self.fresh()
        self.delivered = []
        plan = current_plan(self.person)
        if plan is None:
            return
        change = RuleChange(times, early, cutoff, min_gap_minutes(times, spacing), plan.review_date)
        try:
            change_plan(plan, change, self.now)
        except PlanRuleError:
            db.session.rollback()
            return
        db.session.commit()

    @rule()
    def pause(self):
        self.fresh()
        self.delivered = []
        set_status(self.person, PAUSED, self.now)

    @rule()
    def resume(self):
        self.fresh()
        self.delivered = []
        set_status(self.person, ACTIVE, self.now)

    @rule(then=st.none() | plan_times)
    def stop(self, then):
        self.fresh()
        self.delivered = []
        set_status(self.person, STOPPED, self.now)
        if then is not None:
            create_plan(self.person, self.plan_input(then), self.now)

    # --- reminders -------------------------------------------------------------------------------

    @rule()
    def sweep(self):
        self.fresh()
        pushes, emails = len(self.push.payloads), len(self.email.messages)
        newest = db.session.scalar(select(func.max(InboxMessage.id))) or 0
        db.session.commit()
        scheduler.run_sweep(self.app, self.now, self.channels)  # removes the session, as the job does
        sent = [(m.payload(), "email") for m in self.email.messages[emails:]]
        sent += [(p, "push") for p in self.push.payloads[pushes:]]
        self.delivered = [(channel, self.signer.loads(p["token"])["s"]) for p, channel in sent if p["token"]]
        query = select(InboxMessage.slot_id).where(
            InboxMessage.id > newest, InboxMessage.person_id == self.person_id, InboxMessage.slot_id.is_not(None)
        )
        self.delivered += [("inbox", slot_id) for slot_id in db.session.scalars(query)]
        if any(channel != "inbox" for channel, _ in self.delivered):
            self.last_notification = next(s for channel, s in reversed(self.delivered) if channel != "inbox")

    @rule()
    def act_on_the_last_notification(self):
        """The notification's "Applied" button: stored only when the dose counts for that very slot."""
        self.fresh()
        self.delivered = []
        if self.last_notification is None:
            return
        before = len(self.applications())
        result = self.tap(self.now, source="push", for_slot=self.last_notification)
        if isinstance(result, RecordError):
            assert result.code == "reminder_closed"
            assert len(self.applications()) == before, "a closed reminder's action stored an application"
        else:
            assert result.verdict.counts and result.slot.id == self.last_notification

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def one_slot_per_dose(self):
        identities = [(s.local_date, s.dose_index) for s in self.records().slots]
        twice = sorted({d for d in identities if identities.count(d) > 1})
        assert not twice, f"two slots for the same dose: {twice}"

    @invariant()
    def counted_doses_are_spaced(self):
        counted = self.records().counted
        close = spacing_violations(counted)
        assert not close, f"counted doses closer than the smaller min_gap of their slots: {close}"
        close = too_soon_in_report_order(counted)
        assert not close, f"counted doses closer than their slot's min_gap to one counted before: {close}"

    @invariant()
    def counted_doses_keep_the_daily_cap(self):
        over = over_cap_in_report_order(self.records().counted)
        assert not over, f"one counted dose more than per_day in a cap span: {over}"

    @invariant()
    def each_slot_has_one_state_and_its_outcome_is_its_records(self):
        slots, applications, skipped = self.records()
        counting = {a.counts_for_slot_id: a for a in applications if a.counts_for_slot_id is not None}
        for slot in slots:
            counts = counting.get(slot.id)
            state = windows.recorded_state(Verdict(counts.verdict) if counts else None, slot.id in skipped)
            settled = state.value if state is not None else None
            assert slot.outcome == settled, f"slot {slot.id} stores {slot.outcome!r}, its records say {settled!r}"
            if counts is not None:
                inside = slot.opens_at <= counts.applied_at < slot.closes_at and not slot.paused
                assert inside, f"application {counts.id} counts for slot {slot.id}, outside its window or paused"
        indexes = {i for i, s in enumerate(slots) if s.id in skipped}
        states = windows.slot_states(slots, [a.applied_at for a in applications], indexes, self.now)
        assert len(states) == len(slots)
        for slot, state in zip(slots, states, strict=True):
            assert isinstance(state, SlotState)
            if slot.paused:
                expected = {SlotState.PAUSED}
            elif slot.outcome is not None:
                expected = {SlotState(slot.outcome)}  # the rule over the records says what is stored
            elif slot.closes_at <= self.now:
                expected = {SlotState.MISSED}
            else:
                expected = {SlotState.OPEN if slot.opens_at <= self.now else SlotState.UPCOMING}
            assert state in expected, f"slot {slot.id} ({slot.local_date} {slot.local_time}) is {state}, not {expected}"

    @invariant()
    def nothing_invites_what_would_not_count(self):
        status = today_view(self.person, self.now).status
        self.fresh()  # Today may have made slots (a short horizon)
        judgement = self.dry_run()
        counts_for = judgement.slot.id if judgement.verdict.counts else None
        if status.invites:
            assert counts_for == status.slot.id, f"Today invites a dose for slot {status.slot.id}: {judgement}"
            problems = self.rule_allows_now(counts_for)
            assert not problems, f"Today invites a dose the rule forbids: {problems}"
        if counts_for is not None:
            # A skipped dose still counts when applied after all (windows.recorded_state); Today says skipped.
            skipped = status.moment is windows.Moment.SKIPPED and status.slot.id == counts_for
            assert status.invites or skipped, f"a tap now counts for slot {counts_for}, Today says {status.moment}"
        for item in inbox.inbox_items(self.person, self.now):  # made again from the rule when read
            if item.message.slot_id is not None and (item.current or item.snoozes):
                assert counts_for == item.message.slot_id, f"the inbox invites {item.title!r}: {judgement}"
        ahead = ledger.read(self.person, self.now - doses.CONTEXT, self.now + calendar.LOOK_AHEAD)
        for slot, starts in calendar.doses_to_apply(self.person, self.now):
            rings = ahead.judge(starts)  # each event, as the records stand now
            assert rings.verdict.counts and rings.slot.id == slot.id, f"the calendar invites {slot.id}: {rings}"
        for channel, slot_id in self.delivered:
            assert counts_for == slot_id, f"a {channel} reminder for slot {slot_id}, a tap now: {judgement.verdict}"
            problems = self.rule_allows_now(slot_id)
            assert not problems, f"a {channel} reminder invites a dose the rule forbids: {problems}"


# A fresh schema for each example costs ten times as much on PostgreSQL: fewer there, the rule being the
# same code on both; the database's part (its types, the unique keys, the plain statements) shows in a few.
EXAMPLES = {"sqlite": 50, "postgresql": 12}


def test_the_rule_holds_whatever_happens_over_time(app):
    DoseMachine.app = app
    examples = EXAMPLES[app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0].split("+")[0]]
    with app.app_context():
        run_state_machine_as_test(
            DoseMachine,
            settings=settings(max_examples=examples, stateful_step_count=40, deadline=None, database=None),
        )
