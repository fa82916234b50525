"""Real processes for the reminder engine: a scheduler on a simulated clock, the push endpoint, bulk data.

`python -m tests.reminders.processes drive --instance DIR` is a scheduler process configured like
production (THINLAYER_ENV=production, SECRET_KEY, DATABASE_URL and TOTP_KEYS from the environment) whose
clock is its standard input. Each line is a command, answered by one line on standard output:

    horizon 2026-06-01T00:00:00+00:00   ->  horizon <slots> <reminders>
    sweep 2026-06-01T07:00:00+00:00     ->  swept {"sent": 20, ...}

It runs `scheduler.run_horizon` and `scheduler.run_sweep` exactly as `flask scheduler` does, with a
real `PushSender` (VAPID key in DIR) and the in-app inbox; only the instants come from the test.
`--push-latency S` makes each push take at least S seconds, like a distant push service, so a
kill lands mid-batch. `Driver` and `PushService` run these from a test or a benchmark; `seed`
adds people with plans in bulk (Core inserts).
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

from tests.reminders.push_endpoint import deliveries_path, make_subscriptions, read_deliveries

ROOT = Path(__file__).resolve().parents[2]
SECRET = "process-tests-" + "s" * 40
TOTP_KEYS = "dGVzdGluZy10b3RwLWtleS0zMi1ieXRlcy1sb25nISE="  # a Fernet key, as TestingConfig's
TICK = dt.timedelta(seconds=30)  # the sweep interval of the real scheduler (scheduler.SWEEP_SECONDS)


# --- databases -------------------------------------------------------------------------------------


def app_for(database_url: str, instance: str | os.PathLike):
    """An app on database_url for the test or benchmark process itself (it never sends pushes)."""
    from app import create_app
    from app.config import TestingConfig

    app = create_app(type("ProcessConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": database_url,
                                                             "PUSH_ENABLED": False}))  # fmt: skip
    app.instance_path = str(instance)
    return app


def fresh_schema(app) -> None:
    """Drop and create every table (a PostgreSQL database may hold an interrupted run's tables), marked as at
    the migration head, as `flask db upgrade` leaves it, so `flask scheduler` accepts it."""
    from flask_migrate import stamp

    from app.extensions import db
    from app.schema import MIGRATIONS

    with app.app_context():
        db.drop_all()
        db.create_all()
        stamp(directory=str(MIGRATIONS), revision="head")
        db.session.remove()


def process_env(database_url: str, **extra) -> dict:
    """The environment of a child process configured like production."""
    return {**os.environ, "THINLAYER_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": database_url,
            "TOTP_KEYS": TOTP_KEYS, "PYTHONPATH": str(ROOT), **extra}  # fmt: skip


# --- people in bulk --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """`count` people in one time zone with the same local dose times; `push` gives each a subscription."""

    count: int
    timezone: str
    times: tuple[str, ...] = ("08:00", "20:00")
    push: bool = False


def seed(groups: list[Group], now: dt.datetime, push: "PushService | None" = None) -> list[list[int]]:
    """Accounts, people and active plans (starting that local day), in bulk; inside an app context.

    People of a `push` group get Web Push turned on and a subscription at `push`. Slots and
    reminders are left to the horizon job. Returns each group's person ids.
    """
    from app.extensions import db

    first = (db.session.scalar(select(func.max(_table("people").c.id))) or 0) + 1
    ids, tables = [], {name: [] for name in ("accounts", "people", "plans", "reminder_settings", "push_subscriptions")}
    for group in groups:
        ids.append(list(range(first, first + group.count)))
        first += group.count
        for person_id in ids[-1]:
            for name, row in _person_rows(person_id, group, now).items():
                tables[name].append(row)
        if group.push:
            tables["push_subscriptions"] += _subscription_rows(ids[-1], push, now)
    _insert(tables)
    return ids


def _insert(tables: dict[str, list[dict]]) -> None:
    from app.extensions import db

    for name, rows in tables.items():
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(_table(name)), rows[start : start + 5000])
    if db.session.get_bind().dialect.name == "postgresql":  # explicit ids leave the sequences behind
        for name in ("accounts", "people", "plans"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}"))
    db.session.commit()


def _subscription_rows(person_ids: list[int], push: "PushService", now: dt.datetime) -> list[dict]:
    made = push.subscribe(len(person_ids))
    return [{"person_id": person_id, "endpoint": s["endpoint"], "p256dh": s["keys"]["p256dh"], "auth": s["keys"]["auth"],
             "created_at": now} for person_id, s in zip(person_ids, made, strict=True)]  # fmt: skip


def _person_rows(person_id: int, group: Group, now: dt.datetime) -> dict:
    from app.dosing.schedule import DEFAULT_EARLY_MINUTES, default_cutoff_minutes, default_min_gap_minutes

    times = [dt.time.fromisoformat(t) for t in group.times]
    start = now.astimezone(ZoneInfo(group.timezone)).date()
    rows = {
        "accounts": {"id": person_id, "email": f"p{person_id}@example.org", "password_hash": "-", "locale": "en",
                     "created_at": now},
        "people": {"id": person_id, "account_id": person_id, "name": f"P{person_id}", "timezone": group.timezone,
                   "created_at": now},
        "plans": {"id": person_id, "person_id": person_id, "medicine": "pimecrolimus", "strength": "1%",
                  "body_areas": [], "other_area": "", "times": sorted(group.times), "start_date": start,
                  "review_date": start + dt.timedelta(weeks=6), "status": "active",
                  "early_minutes": DEFAULT_EARLY_MINUTES, "cutoff_minutes": default_cutoff_minutes(times),
                  "min_gap_minutes": default_min_gap_minutes(times), "created_at": now, "updated_at": now},
    }  # fmt: skip
    if group.push:
        rows["reminder_settings"] = {"person_id": person_id, "push": True, "email": False, "missed_after_minutes": 60,
                                     "poem_weekday": 6, "review": True}  # fmt: skip
    return rows


def _table(name: str):
    from app.extensions import db

    return db.metadata.tables[name]


def next_tick(now: dt.datetime, end: dt.datetime) -> dt.datetime | None:
    """The first 30-second tick after now at which a pending reminder is due, if not after end.

    The real scheduler sweeps every 30 s; a tick where nothing is due changes nothing, so it is skipped.
    """
    from app.extensions import db
    from app.models import Reminder

    due = db.session.scalar(select(func.min(Reminder.send_at)).where(Reminder.state.in_(("pending", "sending"))))
    db.session.remove()
    if due is None:
        return None
    at = now + max(1, -(-(due - now) // TICK)) * TICK
    return at if at <= end else None


# --- processes -------------------------------------------------------------------------------------


class PushService:
    """The local Web Push endpoint (tests.reminders.push_endpoint) as its own process."""

    def __init__(self, state_file: Path):
        self.state_file = Path(state_file)
        self.process = None

    def start(self) -> "PushService":
        """Start it; on the port it had if the state file is from an earlier run (its subscriptions name it)."""
        port = json.loads(self.state_file.read_text())["port"] if self.state_file.exists() else 0
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.reminders.push_endpoint", "--state", str(self.state_file), "--port", str(port)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        line = self.process.stdout.readline()
        if not line.startswith("listening on"):
            raise RuntimeError(f"push endpoint did not start: {line!r}")
        return self

    def subscribe(self, n: int) -> list[dict]:
        return make_subscriptions(n, self.state_file)

    def deliveries(self) -> list:
        return read_deliveries(deliveries_path(self.state_file))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        if self.process:
            self.process.stdout.close()


class Driver:
    """A scheduler process on a simulated clock (see the module docstring); `kill()` is kill -9."""

    def __init__(self, database_url: str, instance: Path, log: Path, push_latency: float = 0.0):
        self.database_url, self.instance, self.log, self.push_latency = database_url, instance, log, push_latency
        self.process, self.replies, self.starts = None, None, 0

    def start(self, timeout: float = 60) -> "Driver":
        """Start a new process (after a kill too) and wait until it is ready for commands."""
        return self.launch().ready(timeout)

    def launch(self) -> "Driver":
        """Start a new process without waiting for it (so several can start at once)."""
        self.starts += 1
        command = [sys.executable, "-m", "tests.reminders.processes", "drive", "--instance", str(self.instance),
                   "--push-latency", str(self.push_latency)]  # fmt: skip
        with self.log.open("a") as log:  # the child keeps its own copy of the file
            log.write(f"--- start {self.starts}\n")
            log.flush()
            self.process = subprocess.Popen(command, cwd=ROOT, env=process_env(self.database_url), text=True,
                                            bufsize=1, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)  # fmt: skip
        self.replies = queue.Queue()
        threading.Thread(target=_pump, args=(self.process.stdout, self.replies), daemon=True).start()
        return self

    def ready(self, timeout: float = 60) -> "Driver":
        if self.reply(timeout) != "ready":
            raise RuntimeError("the scheduler process did not start; see " + str(self.log))
        return self

    def send(self, command: str, at: dt.datetime) -> None:
        self.process.stdin.write(f"{command} {at.isoformat()}\n")
        self.process.stdin.flush()

    def reply(self, timeout: float = 120) -> str | None:
        """The next line the process printed; None if it ended; TimeoutError if it said nothing in time."""
        try:
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no answer from the scheduler process in {timeout} s; see {self.log}") from None

    def call(self, command: str, at: dt.datetime) -> str:
        self.send(command, at)
        answer = self.reply()
        if answer is None:
            raise RuntimeError(f"the scheduler process died during {command} {at}: {self.log.read_text()[-3000:]}")
        return answer

    def sweep(self, at: dt.datetime) -> dict:
        self.send("sweep", at)
        return self.swept()

    def swept(self) -> dict:
        """The counts of the sweep it was sent (how many rows ended sent, expired, failed)."""
        answer = self.reply()
        if answer is None or not answer.startswith("swept "):
            raise RuntimeError(f"the sweep failed: {answer}; see {self.log}")
        return json.loads(answer.removeprefix("swept "))

    def replied(self) -> bool:
        return not self.replies.empty()

    def kill(self) -> None:
        """kill -9: no clean-up, no commit, no goodbye."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._close()

    def stop(self) -> None:
        """End of input: the process finishes the command in hand and exits."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=60)
        self._close()

    def _close(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream and not stream.closed:
                with contextlib.suppress(BrokenPipeError):  # the process is gone
                    stream.close()


def _pump(stream, replies: queue.Queue) -> None:
    try:
        for line in stream:
            replies.put(line.strip())
    except ValueError:  # closed by kill()
        pass
    replies.put(None)


# --- the scheduler process itself ------------------------------------------------------------------


class LatentSender:
    """A PushSender whose push service answers only after `latency` seconds (it has the message by then)."""

    def __init__(self, sender, latency: float):
        self.sender, self.latency = sender, latency

    def send(self, *args, **kwargs):
        result = self.sender.send(*args, **kwargs)
        time.sleep(self.latency)
        return result


def drive(instance: str, push_latency: float) -> None:
    """Answer commands from standard input until it ends (the module docstring says which)."""
    from app import create_app
    from app.reminders import scheduler
    from app.reminders.push import PushSender, load_vapid

    app = create_app()
    app.instance_path = instance
    sender = PushSender(load_vapid(instance), app.config["VAPID_SUBJECT"])
    channels = scheduler.make_channels(app, push=LatentSender(sender, push_latency) if push_latency else sender)
    print("ready", flush=True)
    jobs = {"horizon": lambda now: "horizon {} {}".format(*scheduler.run_horizon(app, now)),
            "sweep": lambda now: "swept " + json.dumps(scheduler.run_sweep(app, now, channels))}  # fmt: skip
    for line in sys.stdin:
        command, _, instant = line.strip().partition(" ")
        try:
            answer = jobs[command](dt.datetime.fromisoformat(instant))
        except Exception as exc:  # as APScheduler does: log the job's failure, keep the process running
            traceback.print_exc()
            answer = f"error {type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
        print(answer, flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["drive"])
    parser.add_argument("--instance", required=True, help="instance folder (the VAPID key)")
    parser.add_argument("--push-latency", type=float, default=0.0)
    args = parser.parse_args()
    drive(args.instance, args.push_latency)
