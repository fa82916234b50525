"""Flask commands: `flask scheduler` runs the reminder engine; clinics, clinicians and the demo."""

import datetime as dt
import sys
from pathlib import Path

import click
import pyotp
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app import accounts, backup, schema
from app.clinics import staff
from app.extensions import db
from app.models import Account, Clinic, Clinician
from app.reminders import scheduler


def register(app: Flask) -> None:
    app.cli.add_command(scheduler_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    for command in (create_clinic_command, create_clinician_command, seed_demo_command, demo_code_command,
                    offer_demo_command):  # fmt: skip
        app.cli.add_command(command)
    app.cli.add_command(rotate_totp_keys_command)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run the horizon and one sweep, then exit.")
@click.option("--now", "now_text", metavar="ISO", help="With --once: the instant to run at (default: now).")
def scheduler_command(once: bool, now_text: str | None) -> None:
    """Run the reminder scheduler (sweep every 30 s, daily horizon and clean-up)."""
    app = current_app._get_current_object()
    refuse_an_old_schema(app)
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


def refuse_an_old_schema(app: Flask) -> None:
    """Stop with a message when the database is not at the migration head: the sweep would fail on every
    run (a missing table or column) while looking alive."""
    if not app.config["SCHEMA_CHECK"]:
        return
    with app.app_context(), db.engine.connect() as connection:
        state = schema.schema_state(connection)
    if not state.at_head:
        raise click.ClickException(f"{state.describe()}: run `flask db upgrade` first, then start the scheduler")


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 instant; it must say its offset (Z or +hh:mm), since a bare time is ambiguous."""
    try:
        instant = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 instant", param_hint="--now") from None
    if instant.tzinfo is None:
        raise click.BadParameter("give the offset too, e.g. 2026-03-29T07:00:00Z", param_hint="--now")
    return instant.astimezone(dt.UTC)


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the whole database to PATH while the app runs (SQLite: online backup; PostgreSQL: pg_dump -Fc)."""
    try:
        backup.backup(db.engine, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup of the {db.engine.dialect.name} database written to {path}")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Replace the database with the backup at PATH. Stop the web workers and schedulers first."""
    try:
        backup.restore(db.engine, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"the {db.engine.dialect.name} database restored from {path}")


@click.command("create-clinic")
@with_appcontext
@click.option("--name", required=True, help="The clinic's name, as printed on leaflets.")
@click.option("--phone", default="", help="The clinic's phone number, as printed on leaflets.")
def create_clinic_command(name: str, phone: str) -> None:
    """Create a clinic and print its join code."""
    clinic = staff.create_clinic(name, phone, scheduler.utcnow())
    click.echo(f"clinic {clinic.id}: {clinic.name}; join code {clinic.join_code}")


@click.command("create-clinician")
@with_appcontext
@click.option("--clinic", "clinic_id", type=int, required=True, help="The clinic's id (create-clinic prints it).")
@click.option("--email", required=True)
@click.option("--name", required=True, help="The name patients see in their audit log.")
@click.option("--admin", is_flag=True, help="May invite other clinicians.")
@click.password_option(help="Asked for when not given.")
def create_clinician_command(clinic_id: int, email: str, name: str, admin: bool, password: str) -> None:
    """Create a clinician account; they enrol a TOTP authenticator at their first sign-in."""
    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None:
        raise click.BadParameter(f"no clinic {clinic_id}", param_hint="--clinic")
    try:
        clinician = staff.create_clinician(clinic, email, password, name, admin, scheduler.utcnow())
    except accounts.WeakPassword:
        raise click.BadParameter("too easy to guess: use at least 10 characters, a few unrelated words",
                                 param_hint="--password") from None  # fmt: skip
    except accounts.EmailTaken:
        raise click.BadParameter("an account with this email exists", param_hint="--email") from None
    click.echo(f"clinician {clinician.id} ({email}) at {clinic.name}{' (admin)' if admin else ''}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo clinic, its clinician and 50 patients with 90 days of logs; print how to sign in."""
    from app.clinics import demo  # the demo's generator loads only when asked for

    try:
        credentials = demo.seed_demo(scheduler.utcnow())
    except demo.DemoExists:
        raise click.ClickException(
            "the demo clinic exists already: `.venv/bin/flask demo-code` prints a sign-in code"
        ) from None
    click.echo(f"""Demo clinic ready: {demo.DEMO_PATIENTS} patients with {demo.DEMO_DAYS} days of logs.
Sign in at /account/login as the demo clinician:
  email:     {credentials.email}
  password:  {credentials.password}
  TOTP key:  {credentials.totp_secret}
  (add the key to an authenticator app, or run `.venv/bin/flask demo-code` for the current code)
Patients join the clinic with the code {credentials.join_code}.""")


@click.command("demo-code")
@with_appcontext
def demo_code_command() -> None:
    """Print the demo clinician's current TOTP code (the demo clinic only), for trying the app without a phone."""
    from app.clinics import demo

    clinician = db.session.scalar(select(Clinician).join(Account).where(Account.email == demo.DEMO_EMAIL))
    if clinician is None:
        raise click.ClickException("no demo clinic: run `flask seed-demo` first")
    click.echo(pyotp.TOTP(clinician.totp_secret).at(scheduler.utcnow()))


@click.command("offer-demo")
@with_appcontext
@click.pass_context
def offer_demo_command(ctx) -> None:
    """On a database with no accounts yet: offer to seed the demo (asks only at a terminal)."""
    if db.session.scalar(select(Account.id).limit(1)) is not None:
        return
    if not at_terminal():
        click.echo("Empty database: run `.venv/bin/flask seed-demo` for a demo clinic with 50 patients.")
        return
    if click.confirm("This database is empty. Add the demo clinic, a clinician and 50 patients (about 15 s)?"):
        ctx.invoke(seed_demo_command)


def at_terminal() -> bool:
    return sys.stdin.isatty()


@click.command("rotate-totp-keys")
@with_appcontext
def rotate_totp_keys_command() -> None:
    """Re-encrypt every clinician's TOTP secret with the first key in TOTP_KEYS (then the others can go)."""
    from app import keyring

    try:
        count = keyring.rotate_totp_secrets(db.session, keyring.totp_keyring())
    except keyring.UnreadableSecret as error:
        raise click.ClickException(f"{error}; nothing was changed") from None
    click.echo(f"{count} TOTP secrets now encrypted with the first key in TOTP_KEYS")
