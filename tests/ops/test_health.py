"""/healthz: 503 while the schema is behind the migration head or no sweep ran for two minutes where a
scheduler is expected; 200 when all is current; cheap enough to ask often."""

import datetime as dt

from sqlalchemy import event

from app.extensions import db
from app.reminders import scheduler
from app.web.ops import routes
from tests.ops.conftest import migrate

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
BEFORE_HEAD = "a5d3c8e1f6b2"  # two revisions before the head: no request keys, no heartbeats


def test_healthz_is_503_on_a_database_that_was_never_migrated(make_app):
    response = make_app(SCHEMA_CHECK=True).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["schema"] == "behind" and response.json["database"] == "ok"


def test_healthz_is_503_while_the_schema_is_behind_and_200_once_upgraded(make_app):
    app = make_app(SCHEMA_CHECK=True)
    migrate(app, BEFORE_HEAD)
    behind = app.test_client().get("/healthz")
    assert (behind.status_code, behind.json["status"], behind.json["schema"]) == (503, "degraded", "behind")
    migrate(app)
    upgraded = make_app(SCHEMA_CHECK=True).test_client().get("/healthz")  # a new process, as after a deploy
    assert (upgraded.status_code, upgraded.json["status"], upgraded.json["schema"]) == (200, "ok", "ok")


def test_healthz_is_503_when_no_sweep_finished_in_two_minutes_while_a_scheduler_is_expected(make_app, monkeypatch):
    monkeypatch.setattr(routes, "utcnow", lambda: NOW)
    app = make_app(SCHEMA_CHECK=True, EXPECT_SCHEDULER=True, PUSH_ENABLED=False)
    migrate(app)
    client = app.test_client()
    never = client.get("/healthz")
    assert never.status_code == 503
    assert (never.json["scheduler"], never.json["last_sweep_seconds_ago"]) == ("late", None)

    scheduler.run_sweep(app, NOW - dt.timedelta(minutes=2, seconds=1))
    late = client.get("/healthz")
    assert (late.status_code, late.json["scheduler"], late.json["last_sweep_seconds_ago"]) == (503, "late", 121.0)

    scheduler.run_sweep(app, NOW - dt.timedelta(seconds=30))
    fresh = client.get("/healthz")
    assert (fresh.status_code, fresh.json["scheduler"], fresh.json["last_sweep_seconds_ago"]) == (200, "ok", 30.0)


def test_healthz_reports_the_last_sweep_but_stays_200_where_no_scheduler_is_expected(make_app, monkeypatch):
    monkeypatch.setattr(routes, "utcnow", lambda: NOW)
    app = make_app(SCHEMA_CHECK=True, EXPECT_SCHEDULER=False, PUSH_ENABLED=False)
    migrate(app)
    scheduler.run_sweep(app, NOW - dt.timedelta(hours=1))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert (response.json["scheduler"], response.json["last_sweep_seconds_ago"]) == ("not expected", 3600.0)


def test_healthz_asks_the_database_at_most_twice_and_once_while_the_schema_check_is_fresh(make_app):
    app = make_app(SCHEMA_CHECK=True, EXPECT_SCHEDULER=True)
    migrate(app)
    client = app.test_client()
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    client.get("/healthz")  # the first in this process reads the schema's revision too
    first = len(statements)
    client.get("/healthz")
    assert len(statements) - first == 1, statements[first:]
    assert first <= 3, statements  # the revision (Alembic may look for its table first) and the last sweep
