"""Engine tests: an app context on each database, people with plans, and a simulated clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app import create_app
from app.extensions import db
from app.models import Account, InboxMessage, Person, Reminder
from app.patients.plans import PlanInput, create_plan
from app.reminders import scheduler
from app.reminders.sweep import Channels
from tests.databases import empty_schema, release


@pytest.fixture
def engine_app(db_config, tmp_path):
    """A fresh schema; the test runs inside an app context, as a command or the scheduler would."""
    app = create_app(type("Engine", (db_config,), {"PUSH_ENABLED": False}))
    app.instance_path = str(tmp_path)
    empty_schema(app)
    with app.app_context():
        yield app
    release(app)


@pytest.fixture
def make_patient(engine_app):
    """Factory: a person with a plan made at `now` (the plan starts that local day)."""

    def make(now, times=("08:00", "20:00"), timezone="Europe/London", locale="en", name="Sam", email=None, **plan):
        account = Account(email=email or f"{name.lower()}-{timezone.replace('/', '-').lower()}@example.org",
                          password_hash="-", locale=locale, created_at=now)  # fmt: skip
        person = Person(name=name, timezone=timezone, created_at=now, account=account)
        db.session.add(person)
        db.session.commit()
        start = now.astimezone(ZoneInfo(timezone)).date()
        create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time.fromisoformat(t) for t in times],
                                      plan.pop("start_date", start), **plan), now)  # fmt: skip
        return person

    return make


@pytest.fixture
def channels(engine_app):
    """Inbox only unless a test adds push or email; links as the scheduler builds them."""
    return scheduler.make_channels(engine_app, push=None)


class Simulation:
    """Runs the scheduler's jobs on a simulated clock: a sweep at every instant a row falls due."""

    def __init__(self, app, channels: Channels):
        self.app, self.channels = app, channels

    def horizon(self, now):
        result = scheduler.run_horizon(self.app, now)
        db.session.expire_all()  # the jobs run in their own app context, like the real process
        return result

    def sweep(self, now):
        counts = scheduler.run_sweep(self.app, now, self.channels)
        db.session.expire_all()
        return counts

    def run(self, start, end, every=dt.timedelta(seconds=30)):
        """Sweep every 30 s from start to end, skipping stretches where nothing is due."""
        now = start
        while now <= end:
            self.sweep(now)
            due = db.session.scalar(db.select(db.func.min(Reminder.send_at)).where(Reminder.state == "pending"))
            if due is None or due > end:
                break
            steps = max(1, -(-(due - now) // every))  # the first 30-second tick at or after the due time
            now = now + steps * every

    def inbox(self, person=None) -> list[InboxMessage]:
        query = db.select(InboxMessage).order_by(InboxMessage.id)
        if person is not None:
            query = query.where(InboxMessage.person_id == person.id)
        return list(db.session.scalars(query))


@pytest.fixture
def sim(engine_app, channels):
    return Simulation(engine_app, channels)
