"""Flask commands: `flask scheduler` runs the reminder engine."""

import datetime as dt

import click
from flask import Flask, current_app

from app.reminders import scheduler


def register(app: Flask) -> None:
    app.cli.add_command(scheduler_command)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run the horizon and one sweep, then exit.")
@click.option("--now", "now_text", metavar="ISO", help="With --once: the instant to run at (default: now).")
def scheduler_command(once: bool, now_text: str | None) -> None:
    """Run the reminder scheduler (sweep every 30 s, daily horizon and clean-up)."""
    app = current_app._get_current_object()
    if not once:
        if now_text:
            raise click.UsageError("--now only goes with --once")
        click.echo("scheduler: running; Ctrl-C stops it")
        scheduler.build(app).start()
        return
    now = parse_instant(now_text) if now_text else scheduler.utcnow()
    slots, reminders = scheduler.run_horizon(app, now)
    counts = scheduler.run_sweep(app, now)
    click.echo(f"scheduler at {now.isoformat()}: {slots} slots and {reminders} reminders planned; "
               f"sent {counts['sent']}, expired {counts['expired']}, failed {counts['failed']}")  # fmt: skip


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 instant; it must say its offset (Z or +hh:mm), since a bare time is ambiguous."""
    try:
        instant = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 instant", param_hint="--now") from None
    if instant.tzinfo is None:
        raise click.BadParameter("give the offset too, e.g. 2026-03-29T07:00:00Z", param_hint="--now")
    return instant.astimezone(dt.UTC)
