"""Monitoring endpoints: /healthz for load balancers and monitors, /metrics for Prometheus."""

import datetime as dt
import ipaddress

from flask import Blueprint, abort, current_app, request

from app import health, metrics
from app.extensions import db

bp = Blueprint("ops", __name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, its schema is at the migration head and (where a scheduler is
    expected) a sweep finished in the last two minutes; 503 otherwise."""
    config = current_app.config
    expect = health.Expectations(
        check_schema=config["SCHEMA_CHECK"],
        expect_scheduler=config["EXPECT_SCHEDULER"],
        late_after=dt.timedelta(seconds=config["SCHEDULER_LATE_SECONDS"]),
    )
    body, ok = health.report(db.session, utcnow(), expect)
    body["content"] = current_app.extensions["content"].version
    return body, 200 if ok else 503, {"Cache-Control": "no-store"}


@bp.get("/metrics")
def prometheus_metrics():
    """Prometheus's text format, when METRICS_ENABLED, to clients on this machine only."""
    if not current_app.config["METRICS_ENABLED"]:
        abort(404)
    if not from_loopback(request.remote_addr):
        abort(403)
    body = metrics.exposition(db.session, utcnow())
    return body, 200, {"Content-Type": metrics.CONTENT_TYPE, "Cache-Control": "no-store"}


def from_loopback(address: str | None) -> bool:
    """Whether a client address is this machine's (127.0.0.0/8, ::1, or ::ffff:127.x)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return ip.is_loopback or bool(getattr(ip, "ipv4_mapped", None) and ip.ipv4_mapped.is_loopback)
