"""A database restart under taps, with real processes: a private PostgreSQL cluster, gunicorn (production
config) and a phone that taps "I applied it" again and again, each tap with its own request key and sent again
with the same key until it is answered, as the offline queue does.

Nothing lost (every tap answered with success is in the database), nothing doubled (one row per request key),
and the first request after the database is back succeeds.
"""

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest
import requests
from argon2 import PasswordHasher
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Application, Person
from app.patients.plans import PlanInput, create_plan
from tests.faults import cluster as pg
from tests.faults.web import allow_secure_cookies_over_http, csrf_token, gunicorn, person_id, sign_in, stop
from tests.reminders.processes import app_for, fresh_schema

EMAIL, PASSWORD = "tapper@example.org", "correct horse battery staple"
RESEND_FOR = 20  # seconds a tap is sent again before the phone gives up on it


@pytest.fixture
def cluster():
    if pg.binaries() is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) here: apt-get install postgresql")
    server = pg.Cluster().start()
    yield server
    server.stop()


@pytest.fixture
def site(cluster, tmp_path):
    """The schema, one account with a plan, and gunicorn with 2 workers on the private cluster."""
    url = cluster.create_database("thinlayer")
    app = app_for(url, tmp_path)
    fresh_schema(app)
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # rehashed at sign-in, once
        account = Account(email=EMAIL, password_hash=cheap.hash(PASSWORD), created_at=now)
        account.people.append(Person(name="Tess", timezone="Europe/London", created_at=now))
        db.session.add(account)
        db.session.commit()
        create_plan(account.people[0], PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], now.date()), now)
        db.session.remove()
    server, base = gunicorn(url, 2, tmp_path / "gunicorn.log")
    yield app, base
    stop(server)
    with app.app_context():
        db.engine.dispose()


@dataclass
class Tap:
    key: str
    started: float
    attempts: list = field(default_factory=list)  # (sent at, answered with success)

    @property
    def stored(self) -> bool:
        return any(ok for _, ok in self.attempts)


class Phone:
    """Taps in a thread until told to stop; each tap is resent with its key until a 200 answers it."""

    def __init__(self, base: str):
        self.base, self.session, self.taps = base, requests.Session(), []
        allow_secure_cookies_over_http(self.session)
        self.stopping = threading.Event()

    def sign_in(self) -> None:
        landing = sign_in(self.session, self.base, EMAIL, PASSWORD, timeout=10)
        assert landing.status_code == 200, landing.text[:500]
        self.person = person_id(landing.url)
        self.csrf = csrf_token(landing.text)

    def run(self) -> None:
        while not self.stopping.is_set():
            tap = Tap(uuid.uuid4().hex, time.monotonic())
            self.taps.append(tap)
            deadline = time.monotonic() + RESEND_FOR
            while not tap.stored and time.monotonic() < deadline:
                tap.attempts.append((time.monotonic(), self.send(tap.key)))
                if not tap.attempts[-1][1]:
                    time.sleep(0.05)
            time.sleep(0.02)

    def send(self, key: str) -> bool:
        form = {"csrf_token": self.csrf, "request_key": key, "when": "now"}
        try:
            answer = self.session.post(
                f"{self.base}/people/{self.person}/applications",
                data=form,
                timeout=15,
                headers={"Accept": "application/json"},
            )
        except requests.RequestException:
            return False
        return answer.status_code == 200 and "stored" in answer.json()

    def answered(self) -> int:
        return sum(tap.stored for tap in self.taps)


def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_taps_across_a_database_restart_are_stored_exactly_once_and_the_next_request_succeeds(site, cluster):
    app, base = site
    phone = Phone(base)
    phone.sign_in()
    tapping = threading.Thread(target=phone.run)
    tapping.start()
    try:
        wait_until(lambda: phone.answered() >= 10, 60)  # bounds for a busy machine; ~1 s each when idle
        cluster.restart()
        back = time.monotonic()
        wait_until(lambda: sum(tap.started > back and tap.stored for tap in list(phone.taps)) >= 10, 60)
    finally:
        phone.stopping.set()
        tapping.join(timeout=RESEND_FOR + 10)

    first_after = min((sent, ok) for tap in phone.taps for sent, ok in tap.attempts if sent > back)
    assert first_after[1], "the first request after the database came back failed"
    with app.app_context():
        rows = dict(
            db.session.execute(
                select(Application.request_key, func.count())
                .where(Application.person_id == phone.person)
                .group_by(Application.request_key)
            ).all()
        )
        db.session.remove()
    answered = [tap.key for tap in phone.taps if tap.stored]
    assert answered and all(rows.get(key) == 1 for key in answered)  # nothing lost
    assert set(rows) <= {tap.key for tap in phone.taps} and set(rows.values()) == {1}  # nothing doubled
    failed = sum(not ok for tap in phone.taps for _, ok in tap.attempts)
    print(f"{len(phone.taps)} taps, {len(answered)} answered, {failed} attempts failed during the restart")
