"""Prometheus metrics (prometheus_client): request latency by endpoint, sends by channel and result, and,
read from the database when scraped, the sweep's lag and the outbox's due rows.

With PROMETHEUS_MULTIPROC_DIR set (before the process starts), every gunicorn worker and scheduler
process writes its counts to files in that folder and /metrics adds them up (prometheus_client's
multiprocess mode); without it, each process counts in memory and /metrics shows its own.
"""

import datetime as dt
import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from app.models import Reminder, SchedulerHeartbeat
from app.models.reminders import PENDING

REQUEST_SECONDS = Histogram(
    "thinlayer_request_duration_seconds",
    "Time to answer a request, by endpoint",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10),
)
SENDS = Counter("thinlayer_reminder_sends", "Reminders the sweep settled, by channel and result", ["channel", "result"])
CONTENT_TYPE = CONTENT_TYPE_LATEST


def observe_request(endpoint: str, seconds: float) -> None:
    REQUEST_SECONDS.labels(endpoint).observe(seconds)


def count_send(channel: str, state: str) -> None:
    """One reminder row settled by the sweep: sent, expired, failed, or pending again (a retry)."""
    SENDS.labels(channel, "retry" if state == PENDING else state).inc()


class OutboxCollector:
    """Gauges read from the database at scrape time, so they are true whichever scheduler did the work."""

    def __init__(self, session, now: dt.datetime):
        self.session, self.now = session, now

    def collect(self):
        due, last = self.session.execute(
            select(
                select(func.count()).where(Reminder.state == PENDING, Reminder.send_at <= self.now).scalar_subquery(),
                select(func.max(SchedulerHeartbeat.finished_at)).scalar_subquery(),
            )
        ).one()
        backlog = GaugeMetricFamily("thinlayer_outbox_pending_due_rows", "Pending outbox rows already due to send")
        backlog.add_metric([], due)
        yield backlog
        if last is not None:  # no sweep yet: no lag to report (/healthz says so)
            lag = GaugeMetricFamily("thinlayer_sweep_lag_seconds", "Seconds since any scheduler last finished a sweep")
            lag.add_metric([], max((self.now - _aware(last)).total_seconds(), 0.0))
            yield lag


def exposition(session, now: dt.datetime) -> bytes:
    """Every metric in Prometheus's text format: this process's (or, in multiprocess mode, every process's)
    and the outbox gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    database = CollectorRegistry()
    database.register(OutboxCollector(session, now))
    return generate_latest(processes) + generate_latest(database)


def _aware(instant: dt.datetime) -> dt.datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)
