"""Benchmark: Lighthouse (mobile) on the pages a patient uses on a phone, signed in where they are personal.

    .venv/bin/python bench/lighthouse.py        # after `npm ci` in bench/ (make bench does it)

gunicorn with 2 workers, production config, a fresh SQLite file; the person has a plan and a year of
logs (bench/patients.py's prepare). Pages: Today, the missed-dose page, history, a topic page and the
offline page. Lighthouse 13.5.0 (bench/package-lock.json) with Debian's Chromium, mobile emulation and
throttling (its defaults); the signed-in pages get the session cookie as a request header.
Target (issue 16): 100 in every category on every page.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from patients import prepare, serve
from run import CHROME_FLAGS, LIGHTHOUSE_CATEGORIES, ROOT

BINARY = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"


def audit(url: str, cookie: str | None, report: Path) -> tuple[dict[str, int], list[str]]:
    """Lighthouse's score per category, and the titles of the pass-or-fail audits that failed."""
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    command = [str(BINARY), url, "--quiet", "--output=json", f"--output-path={report}",
               f"--chrome-flags={CHROME_FLAGS}", f"--only-categories={LIGHTHOUSE_CATEGORIES}"]  # fmt: skip
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(command, env=env, check=True)
    result = json.loads(report.read_text())
    scores = {c["title"].lower(): round(c["score"] * 100) for c in result["categories"].values()}
    failed = [a["title"] for a in result["audits"].values() if a.get("score") is not None and a["score"] < 0.9
              and a.get("scoreDisplayMode") == "binary"]  # fmt: skip
    return scores, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path, help="keep each page's JSON report in this folder")
    args = parser.parse_args()
    if not BINARY.exists():
        sys.exit("lighthouse: run `npm ci` in bench/ first")
    with tempfile.TemporaryDirectory() as folder:
        reports = args.reports or Path(folder)
        reports.mkdir(parents=True, exist_ok=True)
        _, cookie, people = prepare(f"sqlite:///{folder}/bench.sqlite3", clients=1)
        server, port = serve(f"sqlite:///{folder}/bench.sqlite3")
        base, person = f"http://127.0.0.1:{port}", f"/people/{people[-1]}"
        pages = [(person + "/today", cookie), (person + "/missed-dose", cookie), (person + "/history", cookie),
                 ("/en/medicines/pimecrolimus/missed-dose", None), ("/en/offline", None)]  # fmt: skip
        try:
            for path, page_cookie in pages:
                report = reports / (path.strip("/").replace("/", "_") + ".json")
                scores, failed = audit(base + path, page_cookie, report)
                print(f"lighthouse (mobile) {path}: " + ", ".join(f"{k} {v}" for k, v in scores.items()))
                for title in failed:
                    print(f"    failed: {title}")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
