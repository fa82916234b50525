"""Data rights: everything stored about a person (or a whole account) as a zip, and deletion for real.

The export holds one JSON file with every record grouped by person, and one CSV file per kind of
record for spreadsheets. Slots carry the state the rule gives them at `now`. Deletion removes the
rows, relying on ON DELETE CASCADE in the schema, so nothing stays behind as a "soft" delete.
"""

import csv
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import (
    Account,
    Application,
    DoseSlot,
    InboxMessage,
    ItchEntry,
    LoginFailure,
    Person,
    Plan,
    PlanEvent,
    PoemResponse,
    PushSubscription,
    RecordEdit,
    Reminder,
    ReminderSettings,
    SideEffectReport,
    Skip,
)
from app.patients import ledger

FORMAT_VERSION = 1
JSON_NAME = "thinlayer.json"
README_NAME = "README.txt"
# A spreadsheet runs a cell that starts with one of these as a formula: in the CSV files (never in
# the JSON) such text gets a leading apostrophe so it stays text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    """One kind of record: its file name, model and the columns exported, in order."""

    name: str
    model: type
    columns: tuple[str, ...]


ACCOUNT = Table("account", Account, ("id", "email", "locale", "created_at"))
PEOPLE = Table("people", Person, ("id", "account_id", "name", "timezone", "created_at"))
PLANS = Table(
    "plans",
    Plan,
    (
        "id",
        "person_id",
        "medicine",
        "strength",
        "body_areas",
        "other_area",
        "times",
        "start_date",
        "review_date",
        "status",
        "early_minutes",
        "cutoff_minutes",
        "min_gap_minutes",
        "tube_grams",
        "tube_opened",
        "created_at",
        "updated_at",
    ),
)
PLAN_EVENTS = Table("plan_events", PlanEvent, ("id", "plan_id", "kind", "at", "detail"))
SLOTS = Table(
    "dose_slots",
    DoseSlot,
    (
        "id",
        "person_id",
        "plan_id",
        "local_date",
        "local_time",
        "dose_index",
        "scheduled_at",
        "opens_at",
        "closes_at",
        "paused",
        "min_gap_minutes",
        "per_day",
        "state",
    ),
)
APPLICATIONS = Table(
    "applications",
    Application,
    (
        "id",
        "person_id",
        "slot_id",
        "counts_for_slot_id",
        "applied_at",
        "recorded_at",
        "verdict",
        "source",
        "voided_at",
    ),
)
SKIPS = Table("skips", Skip, ("id", "person_id", "slot_id", "reason", "recorded_at"))
RECORD_EDITS = Table(
    "record_edits", RecordEdit, ("id", "person_id", "record_type", "record_id", "action", "at", "before")
)
ITCH = Table("itch_entries", ItchEntry, ("id", "person_id", "local_date", "peak_itch", "woke_up", "recorded_at"))
SIDE_EFFECTS = Table(
    "side_effect_reports",
    SideEffectReport,
    (
        "id",
        "person_id",
        "local_date",
        "effects",
        "other",
        "red_flags",
        "recorded_at",
        "reviewed_at",
        "review_note",
    ),
)
POEM = Table(
    "poem_responses", PoemResponse, ("id", "person_id", "local_date", "answers", "total", "band", "recorded_at")
)

REMINDER_SETTINGS = Table(
    "reminder_settings",
    ReminderSettings,
    (
        "person_id",
        "push",
        "email",
        "missed_after_minutes",
        "quiet_start",
        "quiet_end",
        "poem_weekday",
        "review",
    ),
)  # the calendar link's secret is not exported: it would work for whoever reads the file
REMINDERS = Table(
    "reminders",
    Reminder,
    (
        "id",
        "person_id",
        "slot_id",
        "kind",
        "channel",
        "planned_at",
        "send_at",
        "expires_at",
        "state",
        "attempts",
        "sent_at",
    ),
)
INBOX = Table(
    "inbox_messages", InboxMessage, ("id", "person_id", "slot_id", "kind", "title", "body", "created_at", "read_at")
)
PUSH_DEVICES = Table("push_subscriptions", PushSubscription, ("id", "person_id", "endpoint", "created_at"))

# What is kept about each person, in the order the export lists it.
PERSON_RECORDS = (
    PLANS,
    PLAN_EVENTS,
    SLOTS,
    APPLICATIONS,
    SKIPS,
    RECORD_EDITS,
    ITCH,
    SIDE_EFFECTS,
    POEM,
    REMINDER_SETTINGS,
    REMINDERS,
    INBOX,
    PUSH_DEVICES,
)

README = """Thinlayer data export
=====================

Exported at {exported_at}. Instants are UTC in ISO 8601; local dates and times are the
person's own (their time zone is in people.csv).

{json_name}: every record below in one file, grouped by person.
One CSV file per kind of record: {csv_names}.

Dose slot states: on_time, late, missed, skipped, paused (counts neither way), open, upcoming.
Application verdicts: counted, late, extra (never counted), too_soon (too close to a counted
dose, or over the plan's doses in 24 hours: stored as extra), early (before a dose's window
opened: stored as extra), skip_zone (stored as extra),
unscheduled. An application with voided_at was withdrawn (undone) and does not count.
In the CSV files, text that begins with = + - or @ starts with an apostrophe so that a
spreadsheet does not run it as a formula; {json_name} holds the text unchanged.
"""


def export_zip(subject: Account | Person, now: dt.datetime) -> bytes:
    """A zip of everything stored about one person, or about an account and every person in it."""
    account = subject if isinstance(subject, Account) else None
    people = list(subject.people) if account else [subject]
    records = {table.name: [] for table in (PEOPLE, *PERSON_RECORDS)}
    grouped = []
    for person in people:
        person_records = {table.name: _rows(table, person, now) for table in PERSON_RECORDS}
        grouped.append({"person": _row(person, PEOPLE.columns), **person_records})
        records[PEOPLE.name].append(_row(person, PEOPLE.columns))
        for name, rows in person_records.items():
            records[name].extend(rows)
    tables = (ACCOUNT, PEOPLE, *PERSON_RECORDS) if account else (PEOPLE, *PERSON_RECORDS)
    if account:
        records[ACCOUNT.name] = [_row(account, ACCOUNT.columns)]
    document = {
        "format": "thinlayer-export",
        "version": FORMAT_VERSION,
        "exported_at": now.isoformat(),
        **({"account": records[ACCOUNT.name][0]} if account else {}),
        "people": grouped,
    }
    return _zip(now, document, {table: records[table.name] for table in tables})


def _zip(now: dt.datetime, document: dict, tables: dict[Table, list[dict]]) -> bytes:
    buffer = io.BytesIO()
    stamp = now.astimezone(dt.UTC).timetuple()[:6]
    csv_names = [f"{table.name}.csv" for table in tables]
    readme = README.format(exported_at=now.isoformat(), json_name=JSON_NAME, csv_names=", ".join(csv_names))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        files = {README_NAME: readme, JSON_NAME: json.dumps(document, ensure_ascii=False, indent=2) + "\n"}
        files |= {f"{table.name}.csv": _csv(table, rows) for table, rows in tables.items()}
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            # A byte-order mark so spreadsheets read the CSV files as UTF-8 (names with accents).
            archive.writestr(info, text.encode("utf-8-sig" if name.endswith(".csv") else "utf-8"))
    return buffer.getvalue()


def _csv(table: Table, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows([_cell(row[column]) for column in table.columns] for row in rows)
    return out.getvalue()


def _cell(value) -> str:
    """A JSON value as CSV text: lists and objects as JSON, booleans as true/false, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _value(value):
    """A column value as JSON holds it: instants and dates in ISO 8601, everything else as stored."""
    return value.isoformat() if isinstance(value, dt.date) else value  # dt.datetime is a dt.date too


def _row(record, columns: tuple[str, ...]) -> dict:
    return {column: _value(getattr(record, column)) for column in columns}


def _rows(table: Table, person: Person, now: dt.datetime) -> list[dict]:
    if table is SLOTS:
        return _slot_rows(person, now)
    if table is PLAN_EVENTS:
        query = select(PlanEvent).join(Plan).where(Plan.person_id == person.id).order_by(PlanEvent.id)
    else:
        order = getattr(table.model, "id", table.model.person_id)
        query = select(table.model).where(table.model.person_id == person.id).order_by(order)
    return [_row(record, table.columns) for record in db.session.scalars(query)]


def _slot_rows(person: Person, now: dt.datetime) -> list[dict]:
    """Every stored slot with the state the rule gives it at `now`."""
    reading = ledger.read(person, *ledger.EVER)
    states = reading.states(now)
    return [_row(slot, SLOTS.columns[:-1]) | {"state": s.value} for slot, s in zip(reading.slots, states, strict=True)]


def delete_person(person: Person) -> None:
    """Delete the person and every record about them (the schema cascades to plans, slots, logs)."""
    db.session.execute(delete(Person).where(Person.id == person.id))
    db.session.commit()
    db.session.expire_all()


def delete_account(account: Account) -> None:
    """Delete the account, its people and all their records, its sessions and its failed sign-ins."""
    key = f"email:{account.email.strip().lower()}"
    db.session.execute(delete(LoginFailure).where(func.lower(LoginFailure.key) == key))
    db.session.execute(delete(Account).where(Account.id == account.id))
    db.session.commit()
    db.session.expire_all()
