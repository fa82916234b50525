"""The scheduler process: APScheduler runs three jobs; the database decides what each one does.

- sweep, every 30 seconds: send what is due (app.reminders.sweep);
- horizon, daily and at start: slots and their reminders 14 days ahead;
- clean-up, daily: forget finished outbox rows after a while.

This module is the process's edge, like a view is a request's: it reads the clock and passes
`now` down. `flask scheduler` runs it alone; `make run` hosts it in its single server process.
"""

import datetime as dt
import logging
import os
import socket

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, url_for
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import delete, func, insert, select, update

from app.extensions import db
from app.models import DoseSlot, Reminder, SchedulerHeartbeat
from app.models.bulk import begin_bulk_write, refresh_statistics
from app.models.reminders import EXPIRED, FAILED, PENDING, SENT
from app.patients.plans import extend_horizon, horizon_people
from app.reminders import email, outbox
from app.reminders.push import PushSender, load_vapid
from app.reminders.sweep import Channels, sweep

log = logging.getLogger(__name__)
SWEEP_SECONDS = 30
KEEP_FINISHED = dt.timedelta(days=30)
KEEP_HEARTBEATS = dt.timedelta(days=1)
HORIZON_GROUP = 10_000  # people per horizon transaction


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def action_signer(app: Flask) -> URLSafeTimedSerializer:
    """Signs the token a notification's "Applied" / "Skip" buttons post back."""
    return URLSafeTimedSerializer(app.secret_key, salt="reminder-action")


def make_channels(app: Flask, push: PushSender | None = None) -> Channels:
    signer = action_signer(app)
    if push is None and app.config.get("PUSH_ENABLED", True):
        push = PushSender(load_vapid(app.instance_path), app.config["VAPID_SUBJECT"])
    return Channels(
        links=lambda endpoint, person_id: url_for(endpoint, person_id=person_id, _external=True),
        sign=lambda person_id, slot_id: signer.dumps({"p": person_id, "s": slot_id}),
        push=push, email=email.send_reminder,
    )  # fmt: skip


def run_sweep(app: Flask, now: dt.datetime, channels: Channels | None = None):
    """One sweep at `now`, its heartbeat for /healthz, and one log line with what it claimed and did."""
    # A request context for url_for: links are built from PUBLIC_BASE_URL, never from a Host header.
    with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
        counts = sweep(now, channels or make_channels(app))
        record_heartbeat(now)
        db.session.commit()
        db.session.remove()
    fields = {"sweep_at": now.isoformat(), **{key: counts[key] for key in ("claimed", SENT, EXPIRED, FAILED)}}
    log.info(
        "sweep at %(sweep_at)s: claimed %(claimed)d, sent %(sent)d, expired %(expired)d, failed %(failed)d",
        fields,
        extra={"fields": fields},
    )
    return counts


def record_heartbeat(now: dt.datetime) -> None:
    """This process's row in scheduler_heartbeats says it finished a sweep at `now`."""
    host, pid = socket.gethostname()[:255], os.getpid()
    mine = (SchedulerHeartbeat.host == host, SchedulerHeartbeat.pid == pid)
    if not db.session.execute(update(SchedulerHeartbeat).where(*mine).values(finished_at=now)).rowcount:
        db.session.execute(insert(SchedulerHeartbeat).values(host=host, pid=pid, finished_at=now))


def run_horizon(app: Flask, now: dt.datetime) -> tuple[int, int]:
    """Slots 14 days ahead for every current plan, then the reminders they lack.

    A group of HORIZON_GROUP people at a time, each group in its own writing transaction: what a group's
    slots were made from cannot change before they are stored, and on SQLite the write lock is held for
    a second or two at a time, not for the whole job, so taps and sweeps go on meanwhile.
    """
    slots = reminders = 0
    with app.app_context():
        people = horizon_people(now)  # a plan made after this read makes its own slots
        for i in range(0, len(people), HORIZON_GROUP):
            begin_bulk_write()
            newest = db.session.scalar(select(func.max(DoseSlot.id))) or 0
            slots += extend_horizon(now, people[i : i + HORIZON_GROUP])
            reminders += outbox.plan_slots(now, after_id=newest)
            db.session.commit()
        begin_bulk_write()
        reminders += outbox.plan_prompts(now)
        db.session.commit()
        db.session.remove()
    log.info("horizon at %s: %d slots, %d reminders", now.isoformat(), slots, reminders)
    return slots, reminders


def run_cleanup(app: Flask, now: dt.datetime) -> int:
    """The daily upkeep: finished reminders older than KEEP_FINISHED go, and SQLite's statistics are renewed."""
    with app.app_context():
        gone = db.session.execute(
            delete(Reminder).where(Reminder.state != PENDING, Reminder.expires_at < now - KEEP_FINISHED)
        ).rowcount  # fmt: skip
        # Processes that stopped long ago (restarts make new ones) leave their heartbeats behind.
        db.session.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.finished_at < now - KEEP_HEARTBEATS))
        db.session.commit()
        refresh_statistics()
        db.session.remove()
    return gone


def build(app: Flask, background: bool = False):
    """The APScheduler with the three jobs; each job reads the clock when it runs."""
    scheduler = (BackgroundScheduler if background else BlockingScheduler)(timezone="UTC")
    channels = None

    def sweep_job():
        nonlocal channels
        channels = channels or make_channels(app)
        run_sweep(app, utcnow(), channels)

    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    scheduler.add_job(lambda: run_horizon(app, utcnow()), "cron", hour=0, minute=5, id="horizon",
                      next_run_time=utcnow(), **common)  # fmt: skip
    scheduler.add_job(sweep_job, "interval", seconds=SWEEP_SECONDS, id="sweep",
                      next_run_time=utcnow() + dt.timedelta(seconds=1), **common)  # fmt: skip
    scheduler.add_job(lambda: run_cleanup(app, utcnow()), "cron", hour=3, minute=30, id="cleanup", **common)
    return scheduler
