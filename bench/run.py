"""Benchmarks for the information site. Prints figures and ratios; record them in bench/README.md.

    make bench            # or: .venv/bin/python bench/run.py [--seconds 10] [--rounds 3]

1. Throughput: gunicorn with 2 workers; wrk against /healthz and a topic page, alternated in one run.
2. Page weight: gzip size of a topic page's HTML plus every CSS and JS file it loads.
3. Leaflet PDF: time to build cold, and to serve from cache.
4. Lighthouse (mobile) for two pages, when bench/node_modules has it (`npm ci` in bench/).
"""

import argparse
import gzip
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "/en/medicines/pimecrolimus/missed-dose"
LIGHTHOUSE_PAGES = [TOPIC, "/es/medicines/pimecrolimus/"]
LIGHTHOUSE_CATEGORIES = "performance,accessibility,best-practices,seo"
CHROME_FLAGS = ("--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(instance: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", THINLAYER_ENV="local",
               DATABASE_URL=f"sqlite:///{instance / 'bench.sqlite3'}")  # fmt: skip
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning", "wsgi:app"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return server, base
        except OSError:
            time.sleep(0.1)
    server.terminate()
    sys.exit("the server did not start")


def wrk_rate(url: str, seconds: int) -> float:
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", url], capture_output=True, text=True, check=True)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)[1])


def throughput(base: str, seconds: int, rounds: int) -> None:
    if not shutil.which("wrk"):
        print("throughput: skipped, install wrk (apt-get install wrk)")
        return
    health, topic = [], []
    for _ in range(rounds):  # alternate, so drift on a shared machine hits both alike
        health.append(wrk_rate(base + "/healthz", seconds))
        topic.append(wrk_rate(base + TOPIC, seconds))
    h, t = statistics.median(health), statistics.median(topic)
    print(f"throughput: /healthz median {h:.0f} req/s {sorted(round(x) for x in health)}")
    print(f"throughput: {TOPIC} median {t:.0f} req/s {sorted(round(x) for x in topic)}")
    print(f"throughput: topic / healthz = {t / h:.2f} (target >= 0.70)")


def page_weight(base: str) -> None:
    html = urllib.request.urlopen(base + TOPIC).read()
    assets = re.findall(rb'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"', html)
    sizes = {TOPIC: len(gzip.compress(html))}
    for asset in assets:
        url = asset.decode()
        if url.startswith(("http:", "https:", "//")):
            print(f"page weight: THIRD-PARTY request {url}")
        body = urllib.request.urlopen(base + url).read()
        if b"@font-face" in body:
            print(f"page weight: WEB FONT in {url}")
        sizes[url] = len(gzip.compress(body))
    total = sum(sizes.values())
    detail = ", ".join(f"{name} {size / 1024:.1f} KB" for name, size in sizes.items())
    print(f"page weight: {total / 1024:.1f} KB gzipped ({detail}); target <= 25 KB")


def timed_get(url: str) -> tuple[float, str]:
    start = time.perf_counter()
    with urllib.request.urlopen(url) as response:
        response.read()
        cache = response.headers.get("X-Leaflet-Cache")
    return (time.perf_counter() - start) * 1000, cache


def leaflet(base: str, rounds: int) -> None:
    cold, warm = [], []
    for _ in range(max(rounds, 5)):
        url = f"{base}/en/medicines/pimecrolimus/leaflet.pdf?paper=a4&clinic_name={uuid.uuid4().hex[:12]}"
        ms, cache = timed_get(url)
        assert cache == "miss", cache
        cold.append(ms)
        ms, cache = timed_get(url)
        assert cache == "hit", cache
        warm.append(ms)
    print(f"leaflet PDF: cold median {statistics.median(cold):.0f} ms, cached median {statistics.median(warm):.1f} ms "
          f"({statistics.median(cold) / statistics.median(warm):.0f}x)")  # fmt: skip


def lighthouse(base: str) -> None:
    binary = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        print("lighthouse: skipped, run `npm ci` in bench/ first")
        return
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    for path in LIGHTHOUSE_PAGES:
        with tempfile.NamedTemporaryFile(suffix=".json") as report:
            subprocess.run(
                [str(binary), base + path, "--quiet", "--output=json", f"--output-path={report.name}",
                 f"--chrome-flags={CHROME_FLAGS}", f"--only-categories={LIGHTHOUSE_CATEGORIES}"],
                env=env, check=True,
            )  # fmt: skip
            categories = json.loads(Path(report.name).read_text())["categories"]
        scores = ", ".join(f"{c['title'].lower()} {round(c['score'] * 100)}" for c in categories.values())
        print(f"lighthouse (mobile) {path}: {scores}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per endpoint")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        server, base = start_server(Path(instance))
        try:
            print(f"bench: gunicorn, 2 workers, {base}; {os.cpu_count()} cores")
            throughput(base, args.seconds, args.rounds)
            page_weight(base)
            leaflet(base, args.rounds)
            lighthouse(base)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
