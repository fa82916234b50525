"""`flask scheduler`, run as production runs it, refuses to start on a schema behind the migration head and
says which command to run; at the head it runs."""

import subprocess
import sys

import pytest

from tests.reminders.processes import ROOT, process_env


def flask(database_url: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """A `flask` command in a process of its own, configured like production."""
    env = process_env(database_url, FLASK_APP="app:create_app", EXPECT_SCHEDULER="0")
    try:
        command = [sys.executable, "-m", "flask", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`flask {' '.join(args)}` was still running after {timeout} s")


def test_the_scheduler_refuses_a_schema_behind_the_head_and_names_the_command_to_run(database_url):
    older = flask(database_url, "db", "upgrade", "a5d3c8e1f6b2")
    assert older.returncode == 0, older.stderr

    refused = flask(database_url, "scheduler", timeout=30)  # running, it would never exit by itself

    assert refused.returncode == 1
    assert "a5d3c8e1f6b2" in refused.stderr and "not at the migration head" in refused.stderr
    assert "run `flask db upgrade` first" in refused.stderr


def test_the_scheduler_refuses_a_database_that_was_never_migrated(database_url):
    refused = flask(database_url, "scheduler", "--once", timeout=30)
    assert refused.returncode == 1
    assert "none (never migrated)" in refused.stderr and "flask db upgrade" in refused.stderr


def test_the_scheduler_runs_once_the_schema_is_at_the_head(database_url):
    assert flask(database_url, "db", "upgrade").returncode == 0
    ran = flask(database_url, "scheduler", "--once", "--now", "2026-06-01T07:00:00Z")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("scheduler at 2026-06-01T07:00:00+00:00: 0 slots and 0 reminders planned")
