"""The reminder engine as real processes: killed mid-sweep, stopped for six hours, run twice at once, run
from `flask scheduler --once`.

Each test runs the local Web Push endpoint and one or two scheduler processes on a simulated clock
(tests/reminders/processes.py), on a SQLite file and on PostgreSQL (database `thinlayer_proc` on the
TEST_DATABASE_URL server) when TEST_DATABASE_URL is set. A push is counted by what the endpoint
decrypted: the person (subscription), the slot (payload topic "dose-<slot id>") and the kind (title).
"""

import datetime as dt
import os
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import DoseSlot, InboxMessage, Person, PushSubscription, Reminder
from app.models.reminders import INBOX, PUSH, SENT
from app.patients.doses import record_application
from app.reminders.push import push_topic
from app.reminders.sweep import UNMARKED
from tests.databases import postgres_url
from tests.reminders.processes import (
    ROOT,
    Driver,
    Group,
    PushService,
    app_for,
    fresh_schema,
    next_tick,
    process_env,
    seed,
)

UTC = dt.UTC
START = dt.datetime(2026, 6, 1, tzinfo=UTC)  # a Monday: no weekly POEM prompt falls in the day
END = START + dt.timedelta(days=1)
POSTGRES = os.environ.get("TEST_DATABASE_URL")
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES else [])
ZONES = ("Europe/London", "America/New_York", "Asia/Tokyo", "Asia/Kolkata")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'thinlayer.sqlite3'}"
    return postgres_url("thinlayer_proc")


@pytest.fixture
def proc_app(database_url, tmp_path):
    """A fresh schema on the database the processes share; the test body runs in an app context."""
    app = app_for(database_url, tmp_path)
    fresh_schema(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def push_service(tmp_path):
    service = PushService(tmp_path / "push.json").start()
    yield service
    service.stop()


@pytest.fixture
def scheduler_process(database_url, tmp_path):
    """Factory: a scheduler process on the simulated clock (not started); all are ended after the test."""
    made = []

    def make(push_latency=0.0) -> Driver:
        made.append(Driver(database_url, tmp_path, tmp_path / f"scheduler-{len(made)}.log", push_latency))
        return made[-1]

    yield make
    for driver in made:
        if driver.process is not None and driver.process.poll() is None:
            driver.kill()


def run_ticks(drivers: list[Driver], now: dt.datetime, end: dt.datetime) -> list[Counter]:
    """Every driver sweeps the same simulated instants at once, from now to end; what each one did."""
    done = [Counter() for _ in drivers]
    while now is not None:
        for driver in drivers:
            driver.send("sweep", now)
        for driver, counts in zip(drivers, done, strict=True):
            counts.update(driver.swept())
        now = next_tick(now, end)
    return done


def pushes(deliveries) -> list[tuple]:
    """What each push the endpoint received was for: (person, slot, kind); each carries its slot's Topic."""
    people = {s.endpoint.rsplit("/", 1)[1]: s.person_id for s in db.session.scalars(select(PushSubscription))}
    db.session.remove()
    keys = []
    for delivery in deliveries:
        assert delivery.topic == push_topic(delivery.payload["topic"])  # a repeat replaces, never adds
        kind = "missed" if "Did you apply" in delivery.payload["title"] else "due"
        keys.append((people[delivery.subscription_id], int(delivery.payload["topic"].removeprefix("dose-")), kind))
    return keys


def outbox(channel: str, after: dt.datetime, until: dt.datetime) -> list[Reminder]:
    """The channel's rows planned for (after, until]."""
    rows = list(db.session.scalars(select(Reminder).where(
        Reminder.channel == channel, Reminder.planned_at > after, Reminder.planned_at <= until)))  # fmt: skip
    db.session.remove()
    return rows


def inbox_counts() -> Counter:
    counts = Counter((m.person_id, m.slot_id, m.kind) for m in db.session.scalars(select(InboxMessage)))
    db.session.remove()
    return counts


# --- 1. kill -9 mid-sweep ------------------------------------------------------------------------------

# On which busy ticks the scheduler is killed, and how: when the endpoint has received 3 of the sweep's
# pushes, or after a random 0-400 ms (before, during or after the sweep). Tick 7 is killed twice.
KILLS = {1: ["progress"], 2: ["random"], 4: ["progress"], 7: ["progress", "progress"], 10: ["random"]}


@dataclass
class Kill:
    tick: dt.datetime
    how: str
    first: int  # deliveries the endpoint had when the sweep began
    received: list = field(default_factory=list)  # (person, slot, kind) of the pushes it had by the kill
    unmarked: Counter = field(default_factory=Counter)  # ... of which the database did not say "sent"
    finished: bool = False  # the sweep had answered before the kill

    def __str__(self):
        after = ", after the sweep answered" if self.finished else ""
        return f"{self.tick:%H:%M} {self.how}: {len(self.received)} received, {self.unmarked.total()} unmarked{after}"


def settled(push_service: PushService, quiet: float = 0.3) -> list:
    """The endpoint's deliveries once none has come for `quiet` seconds: a push already on the wire when
    its sender was killed still arrives, and must be counted with what that sender sent."""
    deliveries, deadline = push_service.deliveries(), time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(quiet)
        latest = push_service.deliveries()
        if len(latest) == len(deliveries):
            break
        deliveries = latest
    return deliveries


def sweep_and_kill(driver: Driver, push_service: PushService, now: dt.datetime, how: str, rng) -> Kill:
    """Start a sweep at now and kill -9 the process during it; what the endpoint and the database had then."""
    kill = Kill(now, how, len(push_service.deliveries()))
    driver.send("sweep", now)
    if how == "progress":
        deadline = time.monotonic() + 30
        while len(push_service.deliveries()) < kill.first + 3 and not driver.replied():
            assert time.monotonic() < deadline, "the sweep made no progress"
            time.sleep(0.005)
    else:
        time.sleep(rng.uniform(0, 0.4))
    kill.finished = driver.replied()
    driver.kill()
    kill.received = pushes(settled(push_service)[kill.first :])
    marked = {(r.person_id, r.slot_id, r.kind) for r in outbox(PUSH, START, END) if r.state == SENT}
    kill.unmarked = Counter(key for key in kill.received if key not in marked)
    return kill


def test_a_scheduler_killed_mid_sweep_sends_every_reminder_and_repeats_only_pushes_it_had_not_marked(
    proc_app, push_service, scheduler_process
):
    seed([Group(10, zone, push=True) for zone in ZONES], START, push_service)
    driver = scheduler_process(push_latency=0.02).start()  # a push service 20 ms away: a batch takes ~0.5 s
    driver.call("horizon", START)
    rng, kills, now, tick = random.Random(20260601), [], START, 0
    while now is not None:
        for how in KILLS.get(tick, []):
            kills.append(sweep_and_kill(driver, push_service, now, how, rng))
            driver.start()  # restarted where the clock was: the horizon runs first, as at every start
            driver.call("horizon", now)
        driver.sweep(now)
        now, tick = next_tick(now, END), tick + 1

    inbox_rows, push_rows = outbox(INBOX, START, END), outbox(PUSH, START, END)
    assert len(push_rows) == len(inbox_rows) == 4 * 10 * 4  # 4 zones x 10 people x 2 doses x (due, missed)
    assert {r.state for r in inbox_rows + push_rows} == {SENT}
    assert inbox_counts() == Counter((r.person_id, r.slot_id, r.kind) for r in inbox_rows)  # each exactly once
    received = Counter(pushes(push_service.deliveries()))
    assert set(received) == {(r.person_id, r.slot_id, r.kind) for r in push_rows}  # every push arrived
    repeats = received - Counter(set(received))
    # A push goes out again only if the endpoint had it and the database had not marked it when the
    # process died; the Topic header (checked in `pushes`) makes the copy replace the first one.
    assert repeats <= sum((kill.unmarked for kill in kills), Counter())
    report = f"{len(kills)} kills ({'; '.join(map(str, kills))}); {repeats.total()} pushes sent twice"
    print(report)
    # At most the pushes out and unmarked at each kill (the sweep never has more than UNMARKED). On the
    # phone the copy replaces the first notification (same tag), so the patient still sees one.
    assert repeats.total() <= UNMARKED * len(kills), report


# --- 2. six hours down ---------------------------------------------------------------------------------


STOP, RESTART = at("2026-06-01T06:00"), at("2026-06-01T12:00")


def test_after_six_hours_down_only_current_reminders_go_out_at_most_one_per_slot_and_channel(
    proc_app, push_service, scheduler_process
):
    london, tokyo, berlin, new_york = seed([
        Group(10, "Europe/London", push=True),  # 07:00Z dose (window 05:00-13:00): due and missed fall in the gap
        Group(10, "Asia/Tokyo", push=True),  # 11:00Z dose: due in the gap, missed at the restart
        Group(10, "Europe/Berlin", ("07:30", "19:30"), push=True),  # 05:30Z dose: window closes 11:30, in the gap
        Group(10, "America/New_York", push=True),  # 12:00Z dose: due at the restart
    ], START, push_service)  # fmt: skip
    driver = scheduler_process().start()
    driver.call("horizon", START)
    run_ticks([driver], START, STOP)
    driver.stop()
    for person in db.session.scalars(select(Person).where(Person.id.in_(london[:5]))):
        record_application(person, at("2026-06-01T07:30"), at("2026-06-01T07:30"))  # applied while it was down
    db.session.remove()

    restarted = scheduler_process().start()
    restarted.call("horizon", RESTART)
    before = len(push_service.deliveries())
    restarted.sweep(RESTART)
    catch_up_pushes = Counter(_key(d) for d in push_service.deliveries()[before:])
    catch_up_inbox = Counter((m.person_id, m.slot_id, m.kind) for m in db.session.scalars(
        select(InboxMessage).where(InboxMessage.created_at == RESTART)))  # fmt: skip
    run_ticks([restarted], RESTART, END)

    current = _current_at(RESTART, after=STOP)
    assert catch_up_inbox == Counter(current)  # at most one per open slot, the newest, nothing stale
    assert Counter((p, kind) for p, _, kind in current) == Counter(
        {**{(p, "missed"): 1 for p in london[5:] + tokyo}, **{(p, "due"): 1 for p in new_york}})  # fmt: skip
    assert not any(p in london[:5] + berlin for p, _, _ in current)  # applied; window closed
    assert max(catch_up_pushes.values()) == 1 and len(catch_up_pushes) == len(current)
    _assert_nothing_stale_after(RESTART)
    assert Counter(pushes(push_service.deliveries())) == Counter(
        (r.person_id, r.slot_id, r.kind) for r in outbox(PUSH, START, END) if r.state == SENT)  # fmt: skip


def _key(delivery) -> tuple:
    return delivery.subscription_id, delivery.payload["topic"]


def _taken(slot_ids) -> set[int]:
    """Slots with a counted application or a skip, read from the records."""
    from app.models import Application, Skip

    applied = select(Application.counts_for_slot_id).where(Application.counts_for_slot_id.in_(slot_ids))
    skipped = select(Skip.slot_id).where(Skip.slot_id.in_(slot_ids))
    return set(db.session.scalars(applied)) | set(db.session.scalars(skipped))


def _current_at(now: dt.datetime, after: dt.datetime) -> list[tuple]:
    """By the rule: for each slot with reminders falling due in (after, now], still open and not taken,
    only the newest of them."""
    rows = [r for r in outbox(INBOX, after, now)]
    slots = {s.id: s for s in db.session.scalars(select(DoseSlot).where(DoseSlot.id.in_({r.slot_id for r in rows})))}
    taken = _taken(set(slots))
    db.session.remove()
    newest = {}
    for row in sorted(rows, key=lambda r: r.planned_at):
        if slots[row.slot_id].closes_at > now and row.slot_id not in taken:
            newest[row.slot_id] = (row.person_id, row.slot_id, row.kind)
    return list(newest.values())


def _assert_nothing_stale_after(now: dt.datetime) -> None:
    """Every reminder sent from now on went out while its window was open and its slot not taken."""
    sent = list(db.session.scalars(select(Reminder).where(Reminder.state == SENT, Reminder.sent_at >= now)))
    slots = {s.id: s for s in db.session.scalars(select(DoseSlot).where(DoseSlot.id.in_({r.slot_id for r in sent})))}
    taken = _taken(set(slots))
    db.session.remove()
    assert sent and all(r.sent_at < slots[r.slot_id].closes_at and r.slot_id not in taken for r in sent)


# --- 3. two schedulers at once ---------------------------------------------------------------------------


@pytest.fixture
def postgres_app(tmp_path):
    if not POSTGRES:
        pytest.skip("two schedulers at once need PostgreSQL: set TEST_DATABASE_URL")
    url = postgres_url("thinlayer_proc")
    app = app_for(url, tmp_path)
    fresh_schema(app)
    with app.app_context():
        yield app, url
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_two_schedulers_on_postgresql_sweeping_the_same_instants_send_each_reminder_once(
    postgres_app, push_service, tmp_path
):
    _, url = postgres_app
    groups = [Group(200, "Europe/London", push=True), Group(200, "America/New_York", push=True),
              Group(100, "Asia/Tokyo", push=True)]  # fmt: skip
    seed(groups, START, push_service)
    drivers = [Driver(url, tmp_path, tmp_path / f"scheduler-{n}.log") for n in (1, 2)]
    try:
        for driver in drivers:
            driver.launch()
        for driver in drivers:
            driver.ready()
        assert drivers[0].call("horizon", START).startswith("horizon ")  # one started a moment earlier
        first, second = run_ticks(drivers, START, END)
    finally:
        for driver in drivers:
            driver.stop()

    inbox_rows, push_rows = outbox(INBOX, START, END), outbox(PUSH, START, END)
    assert len(inbox_rows) == len(push_rows) == 500 * 2 * 2
    assert {r.state for r in inbox_rows + push_rows} == {SENT}
    assert inbox_counts() == Counter((r.person_id, r.slot_id, r.kind) for r in inbox_rows)
    assert Counter(pushes(push_service.deliveries())) == Counter((r.person_id, r.slot_id, r.kind) for r in push_rows)
    assert first["sent"] + second["sent"] == 2000 * 2 and first["sent"] > 0 and second["sent"] > 0  # both worked


def test_two_schedulers_starting_at_once_both_run_the_horizon_and_plan_it_once(postgres_app, tmp_path):
    _, url = postgres_app
    seed([Group(300, "Europe/London"), Group(200, "Asia/Tokyo")], START)
    drivers = [Driver(url, tmp_path, tmp_path / f"scheduler-{n}.log") for n in (1, 2)]
    try:
        for driver in drivers:
            driver.launch()
        for driver in drivers:
            driver.ready()
        for driver in drivers:
            driver.send("horizon", START)
        answers = [driver.reply() for driver in drivers]
    finally:
        for driver in drivers:
            driver.stop()
    slots = db.session.scalar(select(func.count(DoseSlot.id)))
    reminders = db.session.scalar(select(func.count(Reminder.id)))
    db.session.remove()
    assert [answer.split()[0] for answer in answers] == ["horizon", "horizon"], answers
    # 15 days of 2 slots, each with a due and a missed reminder, except Tokyo's first (its times had
    # passed at the start); and a review and a POEM prompt each.
    assert (slots, reminders) == (500 * 30, 500 * 30 * 2 - 200 * 2 + 500 * 2)


# --- 4. flask scheduler --once ---------------------------------------------------------------------------


def test_flask_scheduler_once_sends_the_dose_due_at_that_instant(tmp_path):
    """The real command and config (production, app:create_app); its VAPID key is in the instance folder."""
    from app.models import Account
    from app.patients.plans import PlanInput, create_plan

    url = f"sqlite:///{tmp_path / 'thinlayer.sqlite3'}"
    app = app_for(url, tmp_path)
    fresh_schema(app)
    with app.app_context():
        person = Person(name="Sam", timezone="Europe/London", created_at=START,
                        account=Account(email="sam@example.org", password_hash="-", created_at=START))  # fmt: skip
        db.session.add(person)
        db.session.commit()
        create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], START.date()), START)
        db.session.remove()
    result = subprocess.run(
        [sys.executable, "-m", "flask", "scheduler", "--once", "--now", "2026-06-01T07:00:00Z"],
        cwd=ROOT, env=process_env(url, FLASK_APP="app:create_app"), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "scheduler at 2026-06-01T07:00:00+00:00: 0 slots and 0 reminders planned; sent 1, expired 0, failed 0"
    )
    with app.app_context():
        [message] = db.session.scalars(select(InboxMessage)).all()
        assert (message.kind, message.created_at, message.title) == ("due", at("2026-06-01T07:00"),
                                                                     "Time for your 08:00 dose")  # fmt: skip
        db.engine.dispose()
