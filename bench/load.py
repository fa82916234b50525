"""Load and faults: patients and clinicians on real processes while the database restarts and processes die.

    .venv/bin/python bench/load.py [--seconds 60] [--patients 200] [--clinicians 5] [--reminders 300] [--smoke]

Starts a private PostgreSQL cluster (tests/faults/cluster.py: its own folder and port, never the shared server),
migrates it as a deployment does (`flask db upgrade`), seeds a clinic (app.clinics.demo.seed_bulk: 28 days of
doses, itch and POEM), its clinicians (TOTP enrolled) and people whose reminders fall due during the run (in-app
inbox and Web Push to the local push endpoint of tests/reminders), then runs gunicorn with 4 workers and two
`flask scheduler` processes (production config) and Locust (bench/load_users.py, headless) with the patients
and clinicians. During the run, at set fractions of it: kill -9 one gunicorn worker, `pg_ctl restart -m fast`,
kill -9 one scheduler during its sweep (restarted 2 s later, as systemd's Restart= would).

Each fault has a window, from the fault to its recovery plus a 2 s margin: the worker's until the arbiter has
a new worker, the database's until the first success of a page that reads the database answered after it
accepts connections again, the scheduler's until its replacement runs (bench/load_analysis.py). Printed and
kept in bench/results/load-<time>/summary.json:
requests and errors in and outside the windows, p50/p95 by page type outside them, seconds to recover from
the restart, every tap answered with success found in the database exactly once (by its request key), and
reminders: in-app messages at most one per slot and kind, pushes repeated at most UNMARKED per kill (the
documented at-least-once bound, app/reminders/sweep.py). `--smoke` is a few seconds with a handful of users,
run by the test suite so the script cannot rot.
"""

import argparse
import datetime as dt
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from load_analysis import HARD_CHECKS, SMOKE_CHECKS  # noqa: E402

from tests.faults.cluster import Cluster  # noqa: E402
from tests.faults.web import gunicorn, production_env, stop  # noqa: E402

PASSWORD, CLINICIAN_PASSWORD = "load-patient-password-7", "load clinician uses a long passphrase"
WORKERS, SCHEDULERS = 4, 2
# `flask scheduler`, with its log at INFO (each sweep's counts, APScheduler's runs) in scheduler-<n>.log.
SCHEDULER = (
    "import logging, sys; from flask.cli import main; "
    "logging.basicConfig(level=logging.INFO, format='%(asctime)s %(process)d %(name)s %(message)s'); "
    "sys.argv = ['flask', 'scheduler']; main()"
)
SETTLE = 3  # seconds after the run for a sweep in progress to finish before the records are read
FAULTS = {"worker": 0.3, "database": 0.5, "scheduler": 0.7}  # when, as a fraction of the run


def main() -> None:
    args = options()
    out = args.out or ROOT / "bench" / "results" / f"load-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    out.mkdir(parents=True, exist_ok=True)
    cluster = Cluster().start()
    run = None
    try:
        run = Run(cluster, out, args)
        run.prepare()
        run.load()
        time.sleep(SETTLE)
        summary = run.analyse()
    finally:
        if run:
            run.shut_down()
        cluster.stop()
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print_summary(summary)
    print(f"\nlogs and summary.json in {out}")
    # Latency depends on the machine (it is shared): reported, not a failure. A smoke run is too short for the
    # windows to mean much either; it must still find taps and reminders right.
    checks = summary["targets_met"]
    sys.exit(0 if all(checks[name] for name in (SMOKE_CHECKS if args.smoke else HARD_CHECKS)) else 1)


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--clinicians", type=int, default=5)
    parser.add_argument("--reminders", type=int, default=300, help="people with a reminder due during the run")
    parser.add_argument(
        "--sign-ins",
        type=int,
        default=20,
        help="patients who sign in during the run (the rest are signed in before it, as people who stay signed in are)",
    )
    parser.add_argument("--smoke", action="store_true", help="10 s, 6 patients, 1 clinician, 20 reminders")
    parser.add_argument("--out", type=Path, help="folder for logs and summary.json")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.patients, args.clinicians, args.reminders, args.sign_ins = 10, 6, 1, 20, 2
    args.sign_ins = min(args.sign_ins, args.patients)
    return args


class Run:
    """The processes of one run, the faults' timeline, and what was recorded."""

    def __init__(self, cluster: Cluster, out: Path, args: argparse.Namespace):
        self.cluster, self.out, self.args = cluster, out, args
        self.url = cluster.create_database("thinlayer")
        self.web = self.push = None
        self.schedulers: list[subprocess.Popen] = []
        self.events: list[dict] = []

    # --- before ------------------------------------------------------------------------------------

    def prepare(self) -> None:
        from tests.reminders.processes import PushService

        started = time.monotonic()
        migrate = subprocess.run(
            [sys.executable, "-m", "flask", "db", "upgrade"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=production_env(self.url),
        )
        if migrate.returncode:
            sys.exit(f"flask db upgrade failed:\n{migrate.stderr}")
        self.push = PushService(self.out / "push-state.json").start()
        people = seed(self.url, self.out, self.args, self.push)
        print(
            f"seeded in {time.monotonic() - started:.1f} s: {len(people['patients'])} patients, "
            f"{len(people['clinic_patients'])} in the clinic, {len(people['clinicians'])} clinicians"
        )
        self.schedulers = [self.scheduler(0)]
        self.web, self.base = gunicorn(self.url, WORKERS, self.out / "gunicorn.log")
        stagger = min(15, self.args.seconds / 4)  # sweeps apart, as on two hosts started at different times
        time.sleep(max(0.0, stagger - (time.monotonic() - self.ready[0])))
        self.schedulers.append(self.scheduler(1))
        signed_in = time.monotonic()
        people["patients"][self.args.sign_ins :] = remember(self.base, people["patients"][self.args.sign_ins :])
        (self.out / "people.json").write_text(json.dumps(people))
        print(
            f"{len(people['patients']) - self.args.sign_ins} patients signed in before the run, in "
            f"{time.monotonic() - signed_in:.1f} s; {self.args.sign_ins} sign in during it"
        )
        print(f"ready in {time.monotonic() - started:.1f} s: gunicorn ({WORKERS} workers), {SCHEDULERS} schedulers")

    def scheduler(self, n: int) -> subprocess.Popen:
        """`flask scheduler` n; its first sweep is a second after it says it is running."""
        log = (self.out / f"scheduler-{n}.log").open("a")
        process = subprocess.Popen(
            [sys.executable, "-c", SCHEDULER],
            cwd=ROOT,
            text=True,
            env=production_env(self.url, PYTHONUNBUFFERED="1"),
            stdout=subprocess.PIPE,
            stderr=log,
        )
        line = process.stdout.readline()
        if not line.startswith("scheduler: running"):
            sys.exit(f"scheduler {n} did not start: {line!r}")
        self.ready = getattr(self, "ready", {}) | {n: time.monotonic()}
        threading.Thread(target=lambda: process.stdout.read(), daemon=True).start()
        return process

    # --- during ------------------------------------------------------------------------------------

    def load(self) -> None:
        args, total = self.args, self.args.patients + self.args.clinicians
        spread_reminders(self.url, self.args.seconds)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "LOAD_PEOPLE": str(self.out / "people.json"),
            "LOAD_LOG": str(self.out / "requests.jsonl"),
            "LOAD_TAPS": str(self.out / "taps.jsonl"),
            "LOAD_CLINICIANS": str(args.clinicians),
        }
        rate = max(1.0, total / max(1.0, args.seconds / 6))  # everyone signed in by a sixth of the run
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "load_users.py"),
            "--headless",
            "-u",
            str(total),
            "-r",
            f"{rate:.1f}",
            "-t",
            f"{args.seconds}s",
            "--host",
            self.base,
            "--only-summary",
            "--stop-timeout",
            "3",
            "--loglevel",
            "WARNING",
        ]
        reaped_before = reaped_cpu()
        self.start, self.start_monotonic = time.time(), time.monotonic()
        before = cpu_seconds(self.web.pid)
        with (self.out / "locust.log").open("w") as log:
            locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            faults = threading.Thread(target=self.faults, daemon=True)
            faults.start()
            locust.wait(timeout=args.seconds + 120)
            self.cpu = {name: round(after - before[name], 1) for name, after in cpu_seconds(self.web.pid).items()}
            self.cpu["locust"] = round(reaped_cpu() - reaped_before, 1)  # and the killed scheduler
            faults.join(timeout=60)
        self.end = time.time()

    def faults(self) -> None:
        for name, fraction in sorted(FAULTS.items(), key=lambda item: item[1]):
            time.sleep(max(0.0, self.start + fraction * self.args.seconds - time.time()))
            try:
                self.events.append({"fault": name, **getattr(self, f"fault_{name}")()})
            except Exception as exc:  # a fault that could not be made is reported, not fatal
                self.events.append({"fault": name, "error": repr(exc)})

    def fault_worker(self) -> dict:
        """kill -9 a gunicorn worker; recovered when the arbiter has a new one."""
        before = children(self.web.pid)
        at = time.time()
        os.kill(before[0], signal.SIGKILL)
        while len(set(children(self.web.pid)) - set(before)) < 1:
            time.sleep(0.02)
        return {"start": at, "recovered": time.time(), "pid": before[0]}

    def fault_database(self) -> dict:
        """pg_ctl restart -m fast; recovered when a page that reads the database next answers with success."""
        at = time.time()
        self.cluster.restart()
        return {"start": at, "back": time.time()}

    def fault_scheduler(self) -> dict:
        """kill -9 the scheduler whose next sweep comes first, a moment into that sweep (if it comes before the
        run ends); a new one 2 s later, as systemd's Restart= would."""
        now, latest = time.monotonic(), self.start_monotonic + self.args.seconds - 3
        sweeps = sorted(
            (ready + 1 + 30 * k + 0.5, n)
            for n, ready in self.ready.items()
            for k in range(1000)
            if ready + 1 + 30 * k + 0.5 >= now
        )
        target, n = sweeps[0] if sweeps and sweeps[0][0] <= latest else (now, 0)
        time.sleep(max(0.0, target - time.monotonic()))
        at = time.time()
        self.schedulers[n].kill()
        self.schedulers[n].wait()
        time.sleep(2)
        self.schedulers[n] = self.scheduler(n)
        return {"start": at, "recovered": time.time(), "scheduler": n, "mid_sweep_planned": target != now}

    # --- after -------------------------------------------------------------------------------------

    def analyse(self) -> dict:
        from load_analysis import analyse

        alive = [process.poll() is None for process in self.schedulers]
        summary = analyse(self.out, self.url, self.start, self.end, self.events, alive, self.args)
        requests = len((self.out / "requests.jsonl").read_text().splitlines())
        summary["cpu_seconds"] = self.cpu | {
            "seconds": round(self.end - self.start, 1),
            "cores": os.cpu_count(),
            "gunicorn_ms_per_request_about": round(1000 * self.cpu["gunicorn"] / max(1, requests), 1),
        }
        return summary

    def shut_down(self) -> None:
        for process in self.schedulers:
            stop(process)
        stop(self.web)
        if self.push:
            self.push.stop()


def remember(base: str, patients: list[dict]) -> list[dict]:
    """Sign these patients in through the form before the run, as people who stay signed in on their phones
    did once: argon2 is slow on purpose, and 200 sign-ins at once would be a test of it alone."""
    import requests

    from tests.faults.web import allow_secure_cookies_over_http, csrf_token, person_id, sign_in

    def one(patient: dict) -> dict:
        session = requests.Session()
        allow_secure_cookies_over_http(session)
        landing = sign_in(session, base, patient["email"], PASSWORD, timeout=300)
        landing.raise_for_status()
        return patient | {
            "cookies": session.cookies.get_dict(),
            "person": person_id(landing.url),
            "csrf": csrf_token(landing.text),
        }

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(one, patients))


def cpu_seconds(gunicorn_pid: int) -> dict:
    """CPU seconds so far of the whole machine (every core, busy) and of gunicorn (the arbiter, its live
    workers, and the workers it has reaped, a killed one too)."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    machine = (sum(fields) - fields[3] - fields[4]) / ticks

    def own(pid: int, reaped: bool = False) -> float:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(x) for x in stat[11 : 15 if reaped else 13]) / ticks  # utime stime (cutime cstime)

    web = own(gunicorn_pid, reaped=True) + sum(own(pid) for pid in children(gunicorn_pid))
    return {"machine_busy": machine, "gunicorn": web}


def reaped_cpu() -> float:
    """CPU seconds of the children this process has waited for (Locust, once it has ended)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


# --- the data ----------------------------------------------------------------------------------------


def seed(url: str, out: Path, args: argparse.Namespace, push) -> dict:
    """The clinic, its patients (one password), clinicians and the reminder people; the accounts to use."""
    from sqlalchemy import select, update

    from app import accounts
    from app.clinics import demo, staff
    from app.extensions import db
    from app.models import Account, Person
    from app.patients.plans import current_plan
    from app.reminders import scheduler
    from tests.reminders.processes import Group, app_for
    from tests.reminders.processes import seed as seed_people

    now = dt.datetime.now(dt.UTC)
    app = app_for(url, out)
    with app.app_context():
        soon = (now + dt.timedelta(minutes=30)).strftime("%H:%M")  # its window is open all through the run
        seed_people([Group(args.reminders, "UTC", (soon,), push=True)], now, push)  # first: it picks the ids
        clinic = staff.create_clinic("Load Test Clinic", "+44 20 7946 0100", now)
        clinicians = [clinician(staff, clinic, n, now) for n in range(args.clinicians)]
        people = demo.seed_bulk(clinic, args.patients + args.patients // 3 + 4, 28, now)
        db.session.execute(
            update(Account)
            .where(Account.email.like("demo-patient-%"))
            .values(password_hash=accounts.hasher.hash(PASSWORD))
        )
        active = [p for p in people if (plan := current_plan(p)) is not None and plan.status == "active"]
        emails = dict(db.session.execute(select(Person.id, Account.email).join(Account)).all())
        db.session.commit()
        db.session.remove()
    scheduler.run_horizon(app, now)
    with app.app_context():
        db.engine.dispose()
    return {
        "password": PASSWORD,
        "patients": [{"email": emails[p.id]} for p in active[: args.patients]],
        "clinic_patients": [p.id for p in people],
        "clinicians": clinicians,
    }


def clinician(staff, clinic, n: int, now: dt.datetime) -> dict:
    import pyotp

    from app.extensions import db

    email = f"clinician-{n}@load.example"
    made = staff.create_clinician(clinic, email, CLINICIAN_PASSWORD, f"Dr Load {n}", False, now)
    made.totp_secret, made.totp_enrolled_at = pyotp.random_base32(), now
    db.session.commit()
    return {"email": email, "password": CLINICIAN_PASSWORD, "totp_secret": made.totp_secret}


def spread_reminders(url: str, seconds: int) -> None:
    """The reminder people's `due` rows (inbox and push) fall due evenly over the run, so every sweep has work."""
    from sqlalchemy import select, update

    from app.extensions import db
    from app.models import Reminder
    from app.models.reminders import DUE, PENDING
    from tests.reminders.processes import app_for

    now = dt.datetime.now(dt.UTC)
    app = app_for(url, ROOT / "instance")
    with app.app_context():
        soon = (
            Reminder.kind == DUE,
            Reminder.state == PENDING,
            Reminder.send_at > now,
            Reminder.send_at < now + dt.timedelta(minutes=45),
        )
        ids = list(db.session.scalars(select(Reminder.id).where(*soon).order_by(Reminder.person_id, Reminder.id)))
        step = (seconds - 2) / max(1, len(ids))
        instants = [now + dt.timedelta(seconds=1 + n * step) for n in range(len(ids))]
        rows = [{"id": i, "send_at": at, "planned_at": at} for i, at in zip(ids, instants, strict=True)]
        if rows:
            db.session.execute(update(Reminder), rows)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def print_summary(summary: dict) -> None:
    print(json.dumps({k: v for k, v in summary.items() if k != "pages"}, indent=2))
    print(f"\n{'page':<18}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}   (outside the fault windows)")
    for name, row in summary["pages"].items():
        print(f"{name:<18}{row['requests']:>9}{row['errors']:>8}{row['p50']:>9}{row['p95']:>9}")


if __name__ == "__main__":
    main()
