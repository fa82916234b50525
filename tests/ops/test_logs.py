"""Structured logs: one JSON line per request (request id, method, path without its query string, status,
duration, endpoint) and one per sweep (claimed, sent, expired, failed); nothing that names a person."""

import datetime as dt
import io
import json
import logging

import pytest

from app import logs
from app.reminders import scheduler
from tests.ops.conftest import migrate

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def json_lines(caplog, logger: str) -> list[dict]:
    """The records a logger wrote, each as the JSON formatter writes it."""
    formatter = logs.JsonFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records if record.name == logger]


def test_each_request_is_one_json_line_with_its_id_and_no_query_string(make_app, caplog):
    app = make_app()
    caplog.set_level(logging.INFO, logger="thinlayer.request")
    response = app.test_client().get("/en/medicines/pimecrolimus/sun?token=s3cret&email=pat@example.org")

    [line] = json_lines(caplog, "thinlayer.request")
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert (line["method"], line["path"], line["status"], line["endpoint"]) == (
        "GET",
        "/en/medicines/pimecrolimus/sun",
        200,
        "public.topic",
    )
    assert isinstance(line["duration_ms"], float) and 0 < line["duration_ms"] < 10_000
    assert {"time", "level", "logger", "message"} <= set(line)
    assert "s3cret" not in json.dumps(line) and "example.org" not in json.dumps(line)


@pytest.mark.parametrize(
    "url, logged",
    [
        ("/calendar/a-secret-feed-token.ics", "/calendar/<token>.ics"),
        ("/account/reset/a-secret-reset-token", "/account/reset/<token>"),
        ("/join/SECRETCODE", "/join/<code>"),
    ],
)
def test_a_secret_in_the_path_is_logged_as_its_placeholder(make_app, caplog, url, logged):
    app = make_app()
    migrate(app)
    caplog.set_level(logging.INFO, logger="thinlayer.request")
    app.test_client().get(url)
    [line] = json_lines(caplog, "thinlayer.request")
    assert line["path"] == logged
    assert "secret" not in json.dumps(line).lower()


def test_each_sweep_logs_one_line_with_what_it_claimed_sent_expired_and_failed(make_app, caplog):
    app = make_app(PUSH_ENABLED=False)
    migrate(app)
    caplog.set_level(logging.INFO, logger="app.reminders.scheduler")
    scheduler.run_sweep(app, NOW)
    [line] = [entry for entry in json_lines(caplog, "app.reminders.scheduler") if "sweep_at" in entry]
    assert {key: line[key] for key in ("claimed", "sent", "expired", "failed")} == {
        "claimed": 0,
        "sent": 0,
        "expired": 0,
        "failed": 0,
    }
    assert line["message"] == f"sweep at {NOW.isoformat()}: claimed 0, sent 0, expired 0, failed 0"


def test_log_json_puts_one_json_object_a_line_on_standard_error(make_app, monkeypatch):
    migrate(make_app())
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        make_app(LOG_JSON=True).test_client().get("/healthz?x=1")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [request_line] = [line for line in lines if line["logger"] == "thinlayer.request"]
    assert (request_line["path"], request_line["endpoint"], request_line["status"]) == ("/healthz", "ops.healthz", 200)


def test_without_log_json_no_handler_is_added(make_app):
    before = list(logging.getLogger().handlers)
    make_app(LOG_JSON=False)
    assert logging.getLogger().handlers == before
