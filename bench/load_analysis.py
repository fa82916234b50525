"""What bench/load.py recorded, judged: fault windows, errors in and outside them, latency by page type, taps
against the database, and reminders against the at-least-once bound."""

import json
import statistics
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

from app.reminders.sweep import LEASE, UNMARKED
from tests.reminders.push_endpoint import deliveries_path, read_deliveries

MARGIN = 2.0  # seconds after a fault's recovery that still count as its window
PATIENT_PAGES = ("today", "tap", "itch page", "itch", "history", "POEM page", "POEM")
TARGET_P95_MS, TARGET_RECOVERY_S = 200, 5


def analyse(out: Path, url: str, start: float, end: float, events: list[dict], alive: list[bool], args) -> dict:
    requests = [json.loads(line) for line in (out / "requests.jsonl").read_text().splitlines() if line]
    windows = fault_windows(events, requests, start)
    inside = [any(overlaps(r, w) for w in windows) for r in requests]
    outside = [r for r, flag in zip(requests, inside, strict=True) if not flag]
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            taps = check_taps(connection, out)
            reminders = check_reminders(connection, out, start, end, events)
    finally:
        engine.dispose()
    summary = {
        "run": {
            "seconds": args.seconds,
            "patients": args.patients,
            "clinicians": args.clinicians,
            "reminder_people": args.reminders,
            "margin_s": MARGIN,
        },
        "windows": [{k: v for k, v in w.items() if k not in ("from", "to")} for w in windows],
        "outside": {
            "requests": len(outside),
            "errors": sum(not r[3] for r in outside),
            "error_kinds": dict(Counter(f"{r[1]}: {r[4]}" for r in outside if not r[3])),
        },
        "patient_pages_p95_ms": percentile([r[2] for r in outside if r[1] in PATIENT_PAGES and r[3]], 95),
        "pages": pages(outside),
        "taps": taps,
        "reminders": reminders,
        "schedulers_alive_at_end": alive,
    }
    summary["targets_met"] = targets(summary)
    return summary


def fault_windows(events: list[dict], requests: list[list], start: float) -> list[dict]:
    """Each fault's window [start, recovery + MARGIN] with its requests and errors, times from the run's start."""
    windows = []
    for event in events:
        if "error" in event:
            windows.append({"fault": event["fault"], "error": event["error"]})
            continue
        recovered = event.get("recovered") or first_success_after(requests, event["back"])
        window = {"fault": event["fault"], "from": event["start"], "to": recovered + MARGIN}
        hit = [r for r in requests if overlaps(r, window)]
        window |= {
            "at_s": round(event["start"] - start, 2),
            "recovered_after_s": round(recovered - event["start"], 2),
            "window_s": round(recovered + MARGIN - event["start"], 2),
            "requests": len(hit),
            "errors": sum(not r[3] for r in hit),
        }
        if "back" in event:
            window["database_down_s"] = round(event["back"] - event["start"], 2)
            late = [r[0] + r[2] / 1000 for r in requests if not r[3] and r[0] + r[2] / 1000 >= event["start"]]
            window["last_error_after_s"] = round(max(late) - event["start"], 2) if late else None
        if "mid_sweep_planned" in event:
            window["killed_mid_sweep_planned"] = event["mid_sweep_planned"]
        windows.append(window)
    return windows


def first_success_after(requests: list[list], instant: float) -> float:
    """The first success answered after `instant` by a page that reads the database (not the sign-in form).

    Requests wait in gunicorn's queue when the machine is busy, so one that started before the restart may
    have run after it: when it started says little about when it met the database.
    """
    ends = [r[0] + r[2] / 1000 for r in requests if r[3] and r[1] != "sign in page" and r[0] + r[2] / 1000 >= instant]
    return min(ends) if ends else float("inf")


def overlaps(request: list, window: dict) -> bool:
    return "from" in window and request[0] <= window["to"] and request[0] + request[2] / 1000 >= window["from"]


def percentile(values: list[float], n: int) -> float | None:
    if len(values) < 2:
        return round(values[0], 1) if values else None
    return round(statistics.quantiles(values, n=100, method="inclusive")[n - 1], 1)


def pages(requests: list[list]) -> dict:
    names = sorted({r[1] for r in requests}, key=lambda name: (name not in PATIENT_PAGES, name))
    return {
        name: {
            "requests": sum(r[1] == name for r in requests),
            "errors": sum(r[1] == name and not r[3] for r in requests),
            "p50": percentile([r[2] for r in requests if r[1] == name and r[3]], 50),
            "p95": percentile([r[2] for r in requests if r[1] == name and r[3]], 95),
        }
        for name in names
    }


def check_taps(connection, out: Path) -> dict:
    """Every tap a success answered is stored exactly once; none is stored twice."""
    taps = [json.loads(line) for line in (out / "taps.jsonl").read_text().splitlines() if line]
    stored = dict(
        connection.execute(
            text("SELECT request_key, count(*) FROM applications WHERE request_key = ANY(:keys) GROUP BY request_key"),
            {"keys": [key for key, _, _ in taps]},
        ).all()
    )
    answered = [key for key, _, ok in taps if ok]
    return {
        "taps": len(taps),
        "answered": len(answered),
        "answered_and_stored_once": sum(stored.get(k) == 1 for k in answered),
        "lost": sum(k not in stored for k in answered),
        "doubled": sum(n > 1 for n in stored.values()),
        "unanswered_but_stored": sum(k in stored for k, _, ok in taps if not ok),
    }


def check_reminders(connection, out: Path, start: float, end: float, events: list[dict]) -> dict:
    """In-app messages once per slot and kind; pushes repeated no more than UNMARKED per scheduler kill."""
    doubled_inbox = connection.execute(
        text(
            "SELECT count(*) FROM (SELECT slot_id, kind FROM inbox_messages WHERE slot_id IS NOT NULL "
            "GROUP BY slot_id, kind HAVING count(*) > 1) AS twice"
        )
    ).scalar()
    sent = dict(
        connection.execute(
            text(
                "SELECT channel, count(*) FROM reminders WHERE state = 'sent' AND sent_at >= to_timestamp(:start) "
                "GROUP BY channel"
            ),
            {"start": start},
        ).all()
    )
    claimed = connection.execute(
        text(  # a claim moves send_at a lease ahead: when each still-leased row was taken
            "SELECT extract(epoch FROM send_at) FROM reminders WHERE state = 'pending' AND planned_at <= "
            "to_timestamp(:end) AND send_at > to_timestamp(:end)"
        ),
        {"end": end},
    ).scalars()
    leased = Counter(f"{float(at) - LEASE.total_seconds() - start:.0f}" for at in claimed)
    back = next((e["back"] for e in events if "back" in e), None)
    after_restart = connection.execute(
        text("SELECT count(*) FROM reminders WHERE state = 'sent' AND sent_at > to_timestamp(:back)"),
        {"back": back or end},
    ).scalar()
    pushes = Counter((d.subscription_id, d.topic) for d in read_deliveries(deliveries_path(out / "push-state.json")))
    kills = sum(e["fault"] == "scheduler" and "error" not in e for e in events)
    states = dict(
        connection.execute(
            text(
                "SELECT state, count(*) FROM reminders WHERE planned_at <= to_timestamp(:end) AND expires_at > "
                "to_timestamp(:start) GROUP BY state"
            ),
            {"start": start, "end": end},
        ).all()
    )
    return {
        "sent_in_run": sent,
        "states_of_rows_due_in_run": states,
        "inbox_sent_twice": doubled_inbox,
        "pushes_received": pushes.total(),
        "pushes_repeated": sum(n - 1 for n in pushes.values()),
        "repeat_bound": UNMARKED * kills,
        "leased_unsent_by_claim_second": dict(sorted(leased.items())),
        "sent_after_database_restart": after_restart,
    }


SMOKE_CHECKS = ("taps_exactly_once", "reminders_within_bound", "schedulers_alive")
HARD_CHECKS = (*SMOKE_CHECKS, "no_error_outside_windows", "recovery_within_5_s")


def targets(summary: dict) -> dict:
    database = next((w for w in summary["windows"] if w["fault"] == "database" and "error" not in w), None)
    patient_p95 = [row["p95"] for name, row in summary["pages"].items() if name in PATIENT_PAGES and row["p95"]]
    reminders, taps = summary["reminders"], summary["taps"]
    checks = {
        "no_error_outside_windows": summary["outside"]["errors"] == 0,
        "recovery_within_5_s": database is not None and database["recovered_after_s"] <= TARGET_RECOVERY_S,
        "patient_p95_under_200_ms": bool(patient_p95) and max(patient_p95) < TARGET_P95_MS,
        "taps_exactly_once": taps["lost"] == 0 and taps["doubled"] == 0,
        "reminders_within_bound": reminders["inbox_sent_twice"] == 0
        and reminders["pushes_repeated"] <= reminders["repeat_bound"],
        "schedulers_alive": all(summary["schedulers_alive_at_end"]),
    }
    return checks | {"all": all(checks.values())}
