"""Benchmark: the clinician dashboard, one patient's record and its FHIR export, at 1,000 patients.

    .venv/bin/python bench/clinicians.py [--runs 20] [--patients 1000] [--days 90]
        [--database sqlite|postgresql|both] [--postgres URL] [--sqlite FILE] [--reuse] [--profile]

Production config, in-process: requests go through the real Flask app with its test client, signed
in as a clinician past the TOTP step, so the figures are server time without the network. The clinic
gets `--patients` demo patients with `--days` days of doses, itch, POEM and side effects
(app.clinics.demo.seed_bulk); then table statistics (ANALYZE on PostgreSQL; on SQLite the daily
clean-up's app.models.bulk.refresh_statistics). Measured, in the same run: /healthz for
comparison, the dashboard (as it opens, and filtered to those needing attention sorted by 30-day
adherence) with its SQL statements per request, the patient page and the FHIR export (90 days) of
the patient with the most slots; then the dashboard again with 100 patients (the other links ended)
to show the statement count does not grow. Every table in the database named is dropped first
(by default `thinlayer_bench_clinicians` on 127.0.0.1, made if missing).
"""

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/thinlayer_bench_clinicians"  # made if missing
BASE = "https://localhost"  # production cookies are Secure: the test client must speak https
CLINIC_NAME, CLINICIAN_EMAIL = "Bench Skin Clinic", "bench-clinician@example.org"
SMALL = 100
TARGETS = {"dashboard": "p50 ≤ 250 ms, ≤ 10 queries", "detail": "p50 ≤ 150 ms", "fhir": "p50 ≤ 300 ms"}


# No scheduler runs beside the benchmark (so /healthz answers 200 without one), request lines stay off the
# terminal, and production's TOTP_KEYS is a fixed Fernet key (app/keyring.py).
BENCH_SETTINGS = {"EXPECT_SCHEDULER": "0", "LOG_JSON": "0", "TOTP_KEYS": "dGVzdGluZy10b3RwLWtleS0zMi1ieXRlcy1sb25nISE="}


def make_app(database_url: str):
    os.environ.update(
        THINLAYER_ENV="production", SECRET_KEY="bench-" + "x" * 40, DATABASE_URL=database_url, **BENCH_SETTINGS
    )
    import gc

    from app import create_app

    app = create_app()
    gc.freeze()  # as wsgi.py does
    return app


def seed(app, patients: int, days: int) -> float:
    """A fresh schema (migrations), a clinic, its enrolled clinician and the demo patients; seconds taken."""
    import pyotp
    from flask_migrate import upgrade

    from app.clinics import demo, staff
    from app.extensions import db
    from app.models.bulk import refresh_statistics

    started, now = time.perf_counter(), dt.datetime.now(dt.UTC)
    db.drop_all()
    db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()
    upgrade(directory=str(ROOT / "migrations"))
    clinic = staff.create_clinic(CLINIC_NAME, "+44 20 7946 0999", now)
    clinician = staff.create_clinician(clinic, CLINICIAN_EMAIL, secrets.token_urlsafe(24), "Dr Bench", False, now)
    clinician.totp_secret, clinician.totp_enrolled_at = pyotp.random_base32(), now
    db.session.commit()
    demo.seed_bulk(clinic, patients, days, now)
    # Statistics, as a running app has them: PostgreSQL's autovacuum, SQLite's from the daily clean-up.
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    refresh_statistics()
    return time.perf_counter() - started


def sign_in(app, client) -> tuple[int, int]:
    """A verified LoginSession for the clinician in the client's session; the clinic id and busiest patient."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Account, Clinician, DoseSlot, LoginSession
    from app.models.accounts import hash_token

    now = dt.datetime.now(dt.UTC)
    clinician = db.session.scalar(select(Clinician).join(Account).where(Account.email == CLINICIAN_EMAIL))
    token = secrets.token_urlsafe(32)
    login = LoginSession(token_hash=hash_token(token), account_id=clinician.account_id, created_at=now,
                         verified_at=now)  # fmt: skip
    db.session.add(login)
    db.session.commit()
    with client.session_transaction(base_url=BASE) as session:
        session["_user_id"], session["_fresh"] = token, True
    busiest = select(DoseSlot.person_id).group_by(DoseSlot.person_id).order_by(func.count().desc(), DoseSlot.person_id)
    return clinician.clinic_id, db.session.scalar(busiest.limit(1))


class Counter:
    """Counts the SQL statements sent to the database while it is on."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.statements = 0
        event.listen(engine, "before_cursor_execute", self.count)

    def count(self, *_args):
        self.statements += 1


def measure(client, counter: Counter, path: str, runs: int, profile: bool) -> dict:
    """Server time p50/p95 (ms) over `runs` requests after one to warm up, and statements per request."""
    times, statements = [], []
    profiler = cProfile.Profile() if profile else None
    for n in range(runs + 1):
        before = counter.statements
        started = time.perf_counter()
        if profiler and n:
            profiler.enable()
        response = client.get(path, base_url=BASE)
        if profiler:
            profiler.disable()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        if n:
            times.append(elapsed)
            statements.append(counter.statements - before)
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(f"--- profile of {path}, {runs} requests ---\n{out.getvalue()}")
    p95 = statistics.quantiles(times, n=20)[18] if len(times) > 1 else times[0]
    return {"p50": statistics.median(times), "p95": p95, "queries": max(statements)}


def link_only(clinic_id: int, keep: int | None) -> None:
    """Leave the first `keep` patients linked to the clinic (in person order), or all of them with None."""
    from sqlalchemy import select, text, update

    from app.extensions import db
    from app.models import ClinicLink

    links = update(ClinicLink).where(ClinicLink.clinic_id == clinic_id)
    db.session.execute(links.where(ClinicLink.ended_at.is_not(None)).values(ended_at=None, ended_by=""))
    if keep is not None:
        first = select(ClinicLink.person_id).where(ClinicLink.clinic_id == clinic_id).order_by(ClinicLink.person_id)
        beyond = ClinicLink.person_id.not_in(first.limit(keep).scalar_subquery())
        db.session.execute(links.where(beyond).values(ended_at=dt.datetime.now(dt.UTC), ended_by="clinic"))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of changing most of a table's rows: without it the planner
        # still counts 1,000 links and reads every patient's slots for 100.
        db.session.execute(text("ANALYZE clinic_links"))
        db.session.commit()


def bench(label: str, database_url: str, args) -> None:
    app = make_app(database_url)
    from app.extensions import db

    with app.app_context():
        if not args.reuse:
            seconds = seed(app, args.patients, args.days)
            print(f"{label}: seeded {args.patients} patients × {args.days} days in {seconds:.0f} s", flush=True)
        client = app.test_client()
        clinic_id, person_id = sign_in(app, client)
        counter = Counter(db.engine)
        db.session.remove()  # each request gets its own session, as in production
    run = lambda path, profile=False: measure(client, counter, path, args.runs, profile)  # noqa: E731
    health = run("/healthz")
    rows = [("/healthz", health, "—")]
    for path in ("/clinic/", "/clinic/?filter=attention&sort=adherence_30"):
        rows.append((f"dashboard {path}", run(path, args.profile), TARGETS["dashboard"]))
    rows.append((f"patient detail /clinic/patients/{person_id}", run(f"/clinic/patients/{person_id}", args.profile),
                 TARGETS["detail"]))  # fmt: skip
    rows.append(("FHIR export (90 days)", run(f"/clinic/patients/{person_id}/fhir.json", args.profile),
                 TARGETS["fhir"]))  # fmt: skip
    with app.app_context():
        link_only(clinic_id, SMALL)
        db.session.remove()
    rows.append((f"dashboard /clinic/, {SMALL} patients", run("/clinic/"), "same queries as above"))
    with app.app_context():
        link_only(clinic_id, None)  # as seeded, for --reuse
        db.engine.dispose()
    print(f"\n{label}: {args.runs} requests each (after one to warm up), server time in-process")
    for what, figures, target in rows:
        ratio = figures["p50"] / health["p50"]
        print(f"  {what:<58} p50 {figures['p50']:7.1f} ms  p95 {figures['p95']:7.1f} ms  {figures['queries']:3d} "
              f"queries  {ratio:6.1f}× healthz   target {target}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres", default=PG_DEFAULT, help="a PostgreSQL database to use (its tables are dropped)")
    parser.add_argument("--sqlite", help="the SQLite file to use (default: a fresh temporary one)")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the data already seeded (from an earlier --sqlite FILE run)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the dashboard, detail and FHIR requests")
    args = parser.parse_args()
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="bench-clinicians-") as folder:
            bench("SQLite", f"sqlite:///{args.sqlite or Path(folder) / 'bench.sqlite3'}", args)
    if args.database in ("postgresql", "both"):
        if args.postgres == PG_DEFAULT:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c",
                            "CREATE DATABASE thinlayer_bench_clinicians"], capture_output=True)  # fmt: skip
        bench("PostgreSQL", args.postgres, args)


if __name__ == "__main__":
    main()
