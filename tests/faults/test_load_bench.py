"""bench/load.py --smoke end to end, so the load-and-faults bench cannot rot: a private PostgreSQL, gunicorn,
two schedulers, Locust with a handful of users for a few seconds, and all three faults."""

import json
import subprocess
import sys

import pytest

from tests.faults import cluster as pg
from tests.faults.web import ROOT


def test_the_load_bench_smoke_run_makes_every_fault_and_finds_every_answered_tap_once(tmp_path):
    if pg.binaries() is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) here: apt-get install postgresql")
    run = subprocess.run(
        [sys.executable, "bench/load.py", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [w["fault"] for w in summary["windows"] if "error" not in w] == ["worker", "database", "scheduler"]
    assert summary["taps"]["answered"] > 0
    assert summary["taps"]["answered_and_stored_once"] == summary["taps"]["answered"]
    assert summary["taps"]["doubled"] == 0
    assert summary["reminders"]["inbox_sent_twice"] == 0
    assert summary["schedulers_alive_at_end"] == [True, True]
