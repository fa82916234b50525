"""Benchmark: logging applications, the Today page and history, on SQLite and PostgreSQL.

    .venv/bin/python bench/patients.py [--seconds 10] [--clients 20] [--database sqlite|postgresql|both]

gunicorn runs with 2 workers (production config). In the same run, 20 concurrent clients (each with
its own signed-in account) hit /healthz, then POST "I applied it"; then one client reads the Today
page and the history of a person with a year of logs. Prints rate, p50 and p95, and the machine's
CPU time per request (every process: server, database and client; from /proc/stat), which the
shared machine's noise moves less than rates do.

The clients are wrk (`apt-get install wrk`; one thread and connection per client) when it is
installed, as in bench/run.py, else Python threads (`--client python` asks for them). The client
shares the server's 2 cores: 20 Python threads take a GIL in turn and spend more CPU than wrk, so
they slow the server and add their own wait to each latency.
"""

import argparse
import datetime as dt
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from run import free_port  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql+psycopg://postgres@127.0.0.1:5432/thinlayer_bench"


# No scheduler runs beside the benchmark (so /healthz answers 200 without one), request lines stay off the
# terminal, and production's TOTP_KEYS is a fixed Fernet key (app/keyring.py).
BENCH_SETTINGS = {"EXPECT_SCHEDULER": "0", "LOG_JSON": "0", "TOTP_KEYS": "dGVzdGluZy10b3RwLWtleS0zMi1ieXRlcy1sb25nISE="}


def prepare(database_url: str, clients: int) -> tuple[list[str], str, list[int]]:
    """Migrate, then make one account per client and a person with a year of logs.

    Returns the clients' session cookies, the year-long record's cookie, and every person's id (the
    year-long record's last).
    """
    os.environ.update(THINLAYER_ENV="production", SECRET_KEY=SECRET, DATABASE_URL=database_url, **BENCH_SETTINGS)
    from flask_migrate import upgrade

    from app import create_app
    from app.dosing.schedule import make_slots
    from app.extensions import db
    from app.models import Account, Application, DoseSlot, LoginSession, Person
    from app.models.accounts import hash_token
    from app.patients.plans import PlanInput, create_plan

    app = create_app()
    now = dt.datetime.now(dt.UTC)
    serializer = app.session_interface.get_signing_serializer(app)
    with app.app_context():
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade(directory=str(ROOT / "migrations"))
        cookies, people = [], []
        for n in range(clients + 1):
            account = Account(email=f"bench{n}@example.org", password_hash="-", created_at=now)
            person = Person(name=f"P{n}", timezone="Europe/London", created_at=now)
            account.people.append(person)
            token = f"bench-token-{n:04d}-" + "t" * 20
            login = LoginSession(token_hash=hash_token(token), account=account, created_at=now)
            db.session.add_all([account, login])
            db.session.commit()
            start = (now - dt.timedelta(days=365 if n == clients else 0)).date()
            create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], start), now)
            cookies.append("session=" + serializer.dumps({"_user_id": token, "_fresh": True}))
            people.append(person.id)
        long_person = db.session.get(Person, people[-1])
        tz = ZoneInfo("Europe/London")
        today = now.astimezone(tz).date()
        for i, slot in enumerate(make_slots([dt.time(8), dt.time(20)], tz, today - dt.timedelta(days=365),
                                            today - dt.timedelta(days=1), 120, 360)):  # fmt: skip
            row = DoseSlot(person_id=long_person.id, plan_id=1, local_date=slot.local_date, local_time="08:00",
                           scheduled_at=slot.scheduled, opens_at=slot.opens, closes_at=slot.closes)  # fmt: skip
            db.session.add(row)
            if i % 7:  # about 86% applied, on time
                db.session.flush()
                db.session.add(Application(person_id=long_person.id, slot_id=row.id, counts_for_slot_id=row.id,
                                           applied_at=slot.scheduled, recorded_at=slot.scheduled,
                                           verdict="counted"))  # fmt: skip
        db.session.commit()
        db.engine.dispose()
    return cookies[:-1], cookies[-1], people


def serve(database_url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, THINLAYER_ENV="production", SECRET_KEY=SECRET, DATABASE_URL=database_url, **BENCH_SETTINGS)
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)  # fmt: skip
    for _ in range(100):
        try:
            request(port, "GET", "/healthz")
            return server, port
        except OSError:
            time.sleep(0.1)
    sys.exit("server did not start")


def request(port, method, path, cookie=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.getheader("Set-Cookie"), data


def csrf_session(port, cookie, person_id):
    """GET the Today page once: the session now holds a CSRF token, and the page shows it."""
    _, set_cookie, page = request(port, "GET", f"/people/{person_id}/today", cookie)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)[1].decode()
    return (set_cookie.split(";")[0] if set_cookie else cookie), token


def busy_ms() -> float:
    """CPU time the whole machine has spent busy (all cores) since boot, in ms; 0 where /proc is missing."""
    try:
        ticks = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks) - idle) * 1000 / os.sysconf("SC_CLK_TCK")


def load(port, seconds, jobs):
    """Each job (method, path, cookie, body, expected status) runs in its own thread until time is up."""
    latencies, errors, stop, busy = [], [], time.monotonic() + seconds, busy_ms()

    def worker(method, path, cookie, body, expected):
        while time.monotonic() < stop:
            start = time.perf_counter()
            status, _, _ = request(port, method, path, cookie, body)
            latencies.append((time.perf_counter() - start) * 1000)
            if status != expected:
                errors.append(status)

    threads = [threading.Thread(target=worker, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    p95, cpu = statistics.quantiles(latencies, n=20)[18], (busy_ms() - busy) / len(latencies)
    return len(latencies) / seconds, statistics.median(latencies), p95, errors, cpu


WRK_SCRIPT = """
local jobs, threads, count = {%s}, {}, 0
function setup(thread)
  count = count + 1
  thread:set("id", count)
  table.insert(threads, thread)
end
function init(args)
  local job = jobs[id]
  req, expected, unexpected = wrk.format(job[1], job[2], job[3], job[4]), job[5], 0
end
function request() return req end
function response(status, headers, body)
  if status ~= expected then unexpected = unexpected + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("unexpected") end
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
                         latency:percentile(50), latency:percentile(95), bad + summary.errors.connect
                         + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load_wrk(port, seconds, jobs):
    """load() with wrk: one thread and one connection per job."""
    rows = []
    for method, path, cookie, body, expected in jobs:
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        fields = ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in headers.items())
        rows.append(f"{{{lua(method)}, {lua(path)}, {{{fields}}}, {lua(body) if body else 'nil'}, {expected}}}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT % ",\n".join(rows))
        script.flush()
        busy = busy_ms()
        out = subprocess.run(["wrk", f"-t{len(jobs)}", f"-c{len(jobs)}", f"-d{seconds}s", "-s", script.name,
                              f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True)  # fmt: skip
        cpu = busy_ms() - busy
    requests, duration, p50, p95, bad = (int(n) for n in re.search(r"RESULT ([\d ]+)", out.stdout)[1].split())
    return requests / (duration / 1e6), p50 / 1000, p95 / 1000, ["unexpected"] * bad, cpu / requests


def report(name, result):
    rate, p50, p95, errors, cpu = result
    print(
        f"  {name}: {rate:.0f} req/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms, machine CPU {cpu:.2f} ms a request"
        + (f", ERRORS {set(errors)}" if errors else "")
    )
    return rate


def bench(label, database_url, seconds, clients, load):
    cookies, long_cookie, people = prepare(database_url, clients)
    server, port = serve(database_url)
    try:
        sessions = [csrf_session(port, c, p) for c, p in zip(cookies, people, strict=False)]
        client = "wrk" if load is load_wrk else "Python threads"
        print(f"{label}: gunicorn 2 workers, {clients} clients ({client}), {seconds} s each")
        health = report("/healthz", load(port, seconds, [("GET", "/healthz", None, None, 200)] * clients))
        jobs = [("POST", f"/people/{p}/applications", c, f"csrf_token={t}&when=now", 302)
                for (c, t), p in zip(sessions, people, strict=False)]  # fmt: skip
        apply = report("POST application", load(port, seconds, jobs))
        print(f"  application / healthz = {apply / health:.2f} (target >= 0.30)")
        long_id = people[-1]
        report(
            "Today, a year of logs", load(port, seconds, [("GET", f"/people/{long_id}/today", long_cookie, None, 200)])
        )
        history = f"/people/{long_id}/history"
        report("History (month view + 7/30-day adherence), a year of logs",
               load(port, seconds, [("GET", history, long_cookie, None, 200)]))  # fmt: skip
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    args = parser.parse_args()
    if args.client == "wrk" and not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk, or --client python")
    client = load_wrk if args.client == "wrk" else load
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            bench("SQLite", f"sqlite:///{folder}/bench.sqlite3", args.seconds, args.clients, client)
    if args.database in ("postgresql", "both"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", "CREATE DATABASE thinlayer_bench"],
                       capture_output=True)  # fmt: skip
        bench("PostgreSQL", PG_BENCH, args.seconds, args.clients, client)


if __name__ == "__main__":
    main()
