"""/metrics: off unless METRICS_ENABLED, and then for loopback clients only; request latency by endpoint,
sends by channel and result, the sweep's lag and the outbox's due rows; added up across processes in
prometheus_client's multiprocess mode."""

import datetime as dt
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.extensions import db
from app.models import Account, Person
from app.patients.plans import PlanInput, create_plan
from app.reminders import scheduler
from app.web.ops import routes
from tests.ops.conftest import migrate
from tests.reminders.processes import ROOT

START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
DUE = dt.datetime(2026, 6, 1, 7, 0, tzinfo=dt.UTC)  # 08:00 in London


def samples(text: str) -> dict[tuple, float]:
    """Every sample of an exposition: (name, labels as sorted pairs) -> value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client, address="127.0.0.1", **kwargs):
    return client.get("/metrics", environ_base={"REMOTE_ADDR": address}, **kwargs)


def test_metrics_are_not_served_unless_enabled(make_app):
    assert scrape(make_app(METRICS_ENABLED=False).test_client()).status_code == 404


@pytest.mark.parametrize("address, status", [("127.0.0.1", 200), ("::1", 200), ("192.0.2.10", 403), ("10.0.0.5", 403)])
def test_metrics_are_served_to_loopback_clients_only(make_app, address, status):
    app = make_app(METRICS_ENABLED=True)
    migrate(app)
    assert scrape(app.test_client(), address).status_code == status


def test_behind_a_trusted_proxy_a_remote_client_is_refused_though_the_proxy_is_local(make_app):
    app = make_app(METRICS_ENABLED=True, TRUSTED_PROXIES=1)
    migrate(app)
    assert scrape(app.test_client(), headers={"X-Forwarded-For": "198.51.100.4"}).status_code == 403


def test_metrics_count_requests_by_endpoint_sends_by_channel_and_result_and_read_the_outbox(make_app, monkeypatch):
    app = make_app(METRICS_ENABLED=True, PUSH_ENABLED=False)
    migrate(app)
    with app.app_context():
        person = Person(
            name="Sam",
            timezone="Europe/London",
            created_at=START,
            account=Account(email="sam@example.org", password_hash="-", created_at=START),
        )
        db.session.add(person)
        db.session.commit()
        create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], START.date()), START)
        db.session.remove()
    scheduler.run_horizon(app, START)
    client = app.test_client()
    sent = ("thinlayer_reminder_sends_total", (("channel", "inbox"), ("result", "sent")))
    topic = ("thinlayer_request_duration_seconds_count", (("endpoint", "public.topic"),))

    monkeypatch.setattr(routes, "utcnow", lambda: DUE)
    before = samples(scrape(client).get_data(as_text=True))
    assert before[("thinlayer_outbox_pending_due_rows", ())] == 1  # the 08:00 reminder in the inbox, due
    assert not any(name == "thinlayer_sweep_lag_seconds" for name, _ in before)  # no sweep yet

    client.get("/en/medicines/pimecrolimus/sun")
    scheduler.run_sweep(app, DUE)
    monkeypatch.setattr(routes, "utcnow", lambda: DUE + dt.timedelta(seconds=45))
    response = scrape(client)
    after = samples(response.get_data(as_text=True))

    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert after[sent] == before.get(sent, 0) + 1
    assert after[topic] == before.get(topic, 0) + 1
    assert after[("thinlayer_outbox_pending_due_rows", ())] == 0
    assert after[("thinlayer_sweep_lag_seconds", ())] == 45


CHILD = """
import sys
from app import create_app
from app.config import TestingConfig
app = create_app(type("C", (TestingConfig,), {"METRICS_ENABLED": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1]}))
client = app.test_client()
client.get("/en/medicines/pimecrolimus/sun")
if sys.argv[2] == "scrape":
    sys.stdout.write(client.get("/metrics").get_data(as_text=True))
"""


def test_in_multiprocess_mode_metrics_add_up_every_process(make_app, database_url, tmp_path):
    migrate(make_app())
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}

    def child(mode: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, database_url, mode],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    child("request")
    child("request")
    exposition = samples(child("scrape"))
    assert exposition[("thinlayer_request_duration_seconds_count", (("endpoint", "public.topic"),))] == 3
