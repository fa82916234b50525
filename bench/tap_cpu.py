"""Benchmark: the CPU one "I applied it" POST costs the app, in-process, against /healthz.

    .venv/bin/python bench/tap_cpu.py [--database sqlite|postgresql] [--rounds 5] [--requests 300] [--profile FILE]

No server, no client, no network: the Flask test client sends the request as wrk does in
bench/patients.py (the same signed-in cookie and CSRF token each time, so the session never grows)
and `time.process_time` measures this process alone. On PostgreSQL the database server's own CPU
is not counted. Prints the minimum and the median of the rounds for each; `--profile` also writes a
cProfile of 500 POSTs to FILE. Each POST after the first is an extra, as in bench/patients.py.
"""

import argparse
import cProfile
import gc
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).parent))

from patients import prepare

PG_TAP = "postgresql+psycopg://postgres@127.0.0.1:5432/thinlayer_bench_tap"


def rounds(call, rounds: int, requests: int) -> list[float]:
    """CPU ms per request in each round of `requests` calls."""
    out = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(requests):
            call()
        out.append((time.process_time() - start) / requests * 1000)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", metavar="FILE")
    args = parser.parse_args()
    if args.database == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/tap.sqlite3"
    else:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", "CREATE DATABASE thinlayer_bench_tap"],
                       capture_output=True)  # fmt: skip
        url = PG_TAP
    cookies, _, people = prepare(url, 1)

    from app import create_app

    app = create_app()
    gc.freeze()  # as wsgi.py does
    client = app.test_client(use_cookies=False)
    person_id = people[0]
    page = client.get(f"/people/{person_id}/today", environ_base={"HTTP_COOKIE": cookies[0]})
    cookie = page.headers["Set-Cookie"].split(";")[0]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data)[1].decode()
    body = f"csrf_token={token}&when=now"

    def post():
        response = client.post(f"/people/{person_id}/applications", data=body, environ_base={"HTTP_COOKIE": cookie},
                               content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert response.status_code == 302, response.status_code

    def healthz():
        assert client.get("/healthz").status_code == 200

    for _ in range(50):
        post(), healthz()
    health, tap = rounds(healthz, args.rounds, args.requests), rounds(post, args.rounds, args.requests)
    print(f"{args.database}, in-process CPU a request ({args.rounds} rounds of {args.requests}; min, median):")
    print(f"  /healthz          {min(health):.3f} ms, {statistics.median(health):.3f} ms")
    print(f"  POST application  {min(tap):.3f} ms, {statistics.median(tap):.3f} ms")
    print(f"  POST / healthz    {statistics.median(tap) / statistics.median(health):.2f}x")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(lambda: [post() for _ in range(500)])
        profile.dump_stats(args.profile)


if __name__ == "__main__":
    main()
