"""Benchmark: the reminder engine at scale: the daily horizon, a peak minute (in-app and Web Push),
lateness and memory, on SQLite and PostgreSQL.

    .venv/bin/python bench/reminders.py [--people 100000] [--peak 20000] [--rounds 3]
                                        [--database sqlite|postgresql|both] [--quick] [--profile]

People are added in bulk (Core inserts): `--peak` in Europe/London with doses at 08:00 and 20:00
(in-app only), `--peak` in America/New_York at the same local times with Web Push on (one
subscription each at the local push endpoint, tests/reminders/push_endpoint.py, as its own
process), and the rest in eight other zones at 07:30 and 19:30, so no one else falls due at the peak
minutes. The simulated day is 2026-06-01 (UTC). Each measured phase runs in a child process
configured like production (`python bench/reminders.py --child PHASE ...`), so its time and peak
memory (ru_maxrss) are its own:

- horizon: `run_horizon` at 00:05 from an empty slot table (14 days ahead), then the next day's run;
- idle sweep: a sweep with nothing due (the fixed cost paid every 30 s);
- peak in-app: the sweep at 07:00, when `--peak` due reminders fall due on the inbox channel;
- peak push: the sweep at 12:00, `--peak` due reminders on the inbox and `--peak` on Web Push.

Lateness: the sweep is started at the reminders' send time, and a row's lateness is the wall-clock
time from the sweep's start to the commit that marks it sent. The real scheduler sweeps every 30 s,
so a reminder can also wait up to 30 s for the next tick. PostgreSQL uses the database
`thinlayer_bench_reminders` (made if missing) on `--postgres`'s server.
"""

import argparse
import contextlib
import cProfile
import datetime as dt
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.databases import postgres_url  # noqa: E402
from tests.reminders.processes import Group, PushService, process_env, seed  # noqa: E402

UTC = dt.UTC
HORIZON_AT = dt.datetime(2026, 6, 1, 0, 5, tzinfo=UTC)
PEAK_INBOX = dt.datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # London 08:00
PEAK_PUSH = dt.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # New York 08:00
TICK = dt.timedelta(seconds=30)
OTHER_ZONES = ("Europe/Berlin", "America/Chicago", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo",
               "Asia/Dubai", "America/Los_Angeles", "Africa/Lagos")  # fmt: skip
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def groups(people: int, peak: int) -> list[Group]:
    others = people - 2 * peak
    if others < 0:
        raise SystemExit("--people must be at least twice --peak")
    share = [others // len(OTHER_ZONES) + (i < others % len(OTHER_ZONES)) for i in range(len(OTHER_ZONES))]
    return [Group(peak, "Europe/London"), Group(peak, "America/New_York", push=True),
            *[Group(n, zone, ("07:30", "19:30")) for zone, n in zip(OTHER_ZONES, share, strict=True) if n]]  # fmt: skip


# --- the child: one measured phase in a process of its own ---------------------------------------------


def child(args) -> dict:
    """Run one phase; its figures, with this process's peak memory."""
    from app import create_app

    app = create_app()
    app.instance_path = args.instance
    phases = {"seed": seed_phase, "horizon": horizon_phase, "analyze": analyze_phase, "sweep": sweep_phase,
              "reset": reset_phase}  # fmt: skip
    phase = phases[args.child]
    profile = cProfile.Profile() if args.profile else None
    with app.app_context():
        if profile:
            profile.enable()
        result = phase(app, args)
        if profile:
            profile.disable()
    if profile:
        print(f"--- profile of {args.child} at {args.at}", file=sys.stderr)
        stats = pstats.Stats(profile, stream=sys.stderr).strip_dirs()
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(15)
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def seed_phase(app, args) -> dict:
    from app.extensions import db

    started = time.perf_counter()
    db.drop_all()
    db.create_all()
    seed(groups(args.people, args.peak), HORIZON_AT, PushService(Path(args.push_state)))
    return {"seconds": time.perf_counter() - started}


def horizon_phase(app, args) -> dict:
    from app.reminders import scheduler

    started = time.perf_counter()
    slots, reminders = scheduler.run_horizon(app, dt.datetime.fromisoformat(args.at))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "slots": slots, "reminders": reminders, **table_sizes()}


def analyze_phase(app, args) -> dict:
    """PostgreSQL: planner statistics after the first bulk load, as autovacuum makes them a minute later
    on a production server (the test server here runs with autovacuum off)."""
    from app.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    return {}


def table_sizes() -> dict:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import DoseSlot, Reminder

    sizes = {"slot_rows": db.session.scalar(select(func.count(DoseSlot.id))),
             "reminder_rows": db.session.scalar(select(func.count(Reminder.id)))}  # fmt: skip
    db.session.remove()
    return sizes


def sweep_phase(app, args) -> dict:
    """One sweep at args.at with a real PushSender; per row sent, the time from the start to the commit
    that marked it (seen by wrapping the engine's `_mark`, whatever batches it commits in)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app.reminders import scheduler, sweep
    from app.reminders.push import PushSender, load_vapid

    channels = scheduler.make_channels(app, push=PushSender(load_vapid(args.instance), app.config["VAPID_SUBJECT"]))
    marked, lateness, mark = {}, {"inbox": [], "push": [], "email": []}, sweep._mark

    def noting_mark(rows):
        marked.update((row.id, row.channel) for row in rows if row.state == "sent")
        mark(rows)

    def stamp(_session):
        elapsed = time.perf_counter() - started
        for channel in marked.values():
            lateness[channel].append(elapsed)
        marked.clear()

    sweep._mark = noting_mark
    event.listen(Session, "after_commit", stamp)
    started = time.perf_counter()
    counts = scheduler.run_sweep(app, dt.datetime.fromisoformat(args.at), channels)
    seconds = time.perf_counter() - started
    lateness = {channel: percentiles(values) for channel, values in lateness.items() if values}
    return {"seconds": seconds, "counts": dict(counts), "lateness": lateness}


def reset_phase(app, args) -> dict:
    """Make the reminders planned for args.at pending again, and forget their inbox messages (for another round)."""
    from sqlalchemy import delete, select, update

    from app.extensions import db
    from app.models import InboxMessage, Reminder

    at = dt.datetime.fromisoformat(args.at)
    ids = select(Reminder.id).where(Reminder.planned_at == at)
    db.session.execute(delete(InboxMessage).where(InboxMessage.reminder_id.in_(ids)))
    db.session.execute(update(Reminder).where(Reminder.planned_at == at)
                       .values(state="pending", attempts=0, sent_at=None, send_at=at))  # fmt: skip
    db.session.commit()
    return {}


def percentiles(values: list[float]) -> dict:
    values = sorted(values)
    return {"p50": values[len(values) // 2], "p99": values[min(len(values) - 1, int(len(values) * 0.99))],
            "max": values[-1], "n": len(values)}  # fmt: skip


# --- the parent: set up, run each phase in a child, print the figures ----------------------------------


class Bench:
    """One database's run: the push endpoint process, a scratch folder, and the children."""

    def __init__(self, name: str, url: str, args, scratch: Path):
        self.name, self.url, self.args, self.scratch = name, url, args, scratch
        self.push = PushService(scratch / "push.json")

    def run(self, phase: str, at: dt.datetime | None = None, profile: bool = False) -> dict:
        command = [sys.executable, str(Path(__file__).resolve()), "--child", phase, "--instance", str(self.scratch),
                   "--push-state", str(self.push.state_file), "--people", str(self.args.people),
                   "--peak", str(self.args.peak), *(["--at", at.isoformat()] if at else []),
                   *(["--profile"] if profile else [])]  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, env=process_env(self.url), stdout=subprocess.PIPE, text=True,
                              check=True)  # fmt: skip
        return json.loads(done.stdout.strip().splitlines()[-1])

    def measure(self) -> dict:
        figures, profile = {}, self.args.profile
        self.push.start()
        try:
            if not self.args.reuse:
                figures.update(self.horizons(profile))
            else:
                self.run("analyze")
            for peak, key in ((PEAK_INBOX, "inbox"), (PEAK_PUSH, "push")):
                if key not in self.args.phases:
                    continue
                say(self.name, "catch-up before the peak", self.run("sweep", peak - TICK))
                figures[f"idle-{key}"] = self.run("sweep", peak - TICK)
                say(self.name, "idle sweep", figures[f"idle-{key}"])
                figures[key] = self.rounds(peak, key, profile)
        finally:
            self.push.stop()
        return figures

    def horizons(self, profile: bool) -> dict:
        figures = {"seed": self.run("seed")}
        say(self.name, "seeded", figures["seed"])
        figures["horizon"] = self.run("horizon", HORIZON_AT, profile)
        say(self.name, "horizon from empty", figures["horizon"])
        self.run("analyze")
        figures["steady"] = self.run("horizon", HORIZON_AT + dt.timedelta(days=1), profile)
        say(self.name, "horizon, the next day", figures["steady"])
        return figures

    def rounds(self, peak: dt.datetime, key: str, profile: bool) -> list[dict]:
        results = []
        for n in range(self.args.rounds):
            self.run("reset", peak)  # pending again (after a round, or a run kept with --keep)
            before = len(self.push.deliveries())
            result = self.run("sweep", peak, profile and n == 0)
            result["pushes_received"] = len(self.push.deliveries()) - before
            say(self.name, f"peak {key}, round {n + 1}", result)
            results.append(result)
        return results


def say(database: str, what: str, result: dict) -> None:
    print(f"[{database}] {what}: {json.dumps(result, default=lambda v: round(v, 3))}", flush=True)


def summary(name: str, figures: dict, args) -> None:
    """The figures against the targets; medians over the rounds."""
    rows = []
    if "horizon" in figures:
        horizon, steady = figures["horizon"], figures["steady"]
        rows += [
            ("horizon from empty", f"{horizon['seconds']:.1f} s, {horizon['maxrss_mb']:.0f} MB "
             f"({horizon['slot_rows']} slots, {horizon['reminder_rows']} reminders)", "≤ 60 s"),
            ("horizon, the next day", f"{steady['seconds']:.1f} s, {steady['maxrss_mb']:.0f} MB", "—"),
        ]  # fmt: skip
    if "inbox" in figures:
        inbox = figures["inbox"]
        rows += [
            ("idle sweep (nothing due)", f"{figures['idle-inbox']['seconds']:.2f} s", "—"),
            (f"peak minute, {args.peak} in-app", f"{median(inbox, 'seconds'):.1f} s, {inbox[0]['maxrss_mb']:.0f} MB",
             "≤ 30 s"),
            ("  lateness p50 / p99", f"{median(inbox, 'lateness.inbox.p50'):.1f} s / "
             f"{median(inbox, 'lateness.inbox.p99'):.1f} s", "p99 < 60 s"),
        ]  # fmt: skip
    if "push" in figures:
        push = figures["push"]
        rate = statistics.median(r["lateness"]["push"]["n"] / r["seconds"] for r in push)
        rows += [
            (f"peak minute, {args.peak} push + {args.peak} in-app", f"{median(push, 'seconds'):.1f} s = {rate:.0f} "
             f"pushes/s, {push[0]['maxrss_mb']:.0f} MB", "≥ 200/s"),
            ("  push lateness p50 / p99", f"{median(push, 'lateness.push.p50'):.1f} s / "
             f"{median(push, 'lateness.push.p99'):.1f} s", "p99 < 60 s"),
        ]  # fmt: skip
    print(f"\n{name}: {args.people} people, peaks of {args.peak}, medians of {args.rounds} rounds")
    for what, figure, target in rows:
        print(f"  {what:<40} {figure:<64} {target}")


def median(results: list[dict], path: str) -> float:
    values = []
    for result in results:
        for part in path.split("."):
            result = result[part]
        values.append(result)
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--peak", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres", default=PG_SERVER, help="a PostgreSQL server to make the bench database on")
    parser.add_argument("--quick", action="store_true", help="5,000 people, a peak of 1,000, one round")
    parser.add_argument("--profile", action="store_true", help="cProfile each measured phase (first round)")
    parser.add_argument("--phases", default="horizon,inbox,push",
                        help="the peaks to measure after the horizon (which they need): inbox, push")  # fmt: skip
    parser.add_argument("--keep", metavar="DIR", help="keep the scratch folders (SQLite file, push state) in DIR")
    parser.add_argument("--reuse", action="store_true", help="with --keep: measure the peaks again on the data kept")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--at", help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    parser.add_argument("--push-state", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    if args.quick:
        args.people, args.peak, args.rounds = 5_000, 1_000, 1
    names = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results = {}
    if args.reuse and not args.keep:
        raise SystemExit("--reuse needs --keep DIR from an earlier run")
    for name in names:
        with scratch_folder(args.keep, name) as scratch:
            url = (f"sqlite:///{scratch}/bench.sqlite3" if name == "sqlite"
                   else postgres_url("thinlayer_bench_reminders", args.postgres))  # fmt: skip
            results[name] = Bench(name, url, args, Path(scratch)).measure()
    for name, figures in results.items():
        summary(name, figures, args)


@contextlib.contextmanager
def scratch_folder(keep: str | None, name: str):
    if keep is None:
        with tempfile.TemporaryDirectory(prefix=f"bench-reminders-{name}-") as scratch:
            yield scratch
    else:
        (Path(keep) / name).mkdir(parents=True, exist_ok=True)
        yield str(Path(keep) / name)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
