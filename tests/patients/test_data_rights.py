"""Data rights: the export holds every record as JSON and CSV; deleting removes every row for real."""

import csv
import io
import json
import zipfile

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import (
    Account,
    Application,
    DoseSlot,
    InboxMessage,
    ItchEntry,
    LoginFailure,
    LoginSession,
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
)  # fmt: skip
from app.patients import data_rights
from tests.patients.log import NOW, add_symptoms, build_log

PERSON_FILES = ["people", "plans", "plan_events", "dose_slots", "applications", "skips", "record_edits",
                "itch_entries", "side_effect_reports", "poem_responses", "reminder_settings", "reminders", "inbox_messages",
                "push_subscriptions"]  # fmt: skip
PERSON_MODELS = [Plan, DoseSlot, Application, Skip, RecordEdit, ItchEntry, SideEffectReport, PoemResponse,
                 Reminder, InboxMessage, PushSubscription, ReminderSettings]  # fmt: skip


@pytest.fixture
def sam(make_person):
    person = make_person("Sam")
    build_log(person)
    add_symptoms(person)
    db.session.add_all([
        ReminderSettings(person_id=person.id, push=True, email=True, missed_after_minutes=30, review=True,
                         poem_weekday=6, calendar_token_hash="calendar-secret-token-hash"),
        InboxMessage(person_id=person.id, kind="due", title="Time for your dose", body="Apply it", created_at=NOW),
        PushSubscription(person_id=person.id, endpoint="https://push.example/abc", p256dh="key", auth="auth",
                         created_at=NOW),
    ])  # fmt: skip
    db.session.commit()
    return person


def unzip(body: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def rows(files, name) -> list[dict]:
    return list(csv.DictReader(io.StringIO(files[f"{name}.csv"])))


def counts(person_id: int, plan_ids: list[int]) -> dict[str, int]:
    found = {m.__tablename__: db.session.scalar(select(func.count()).where(m.person_id == person_id))
             for m in PERSON_MODELS}  # fmt: skip
    found["plan_events"] = db.session.scalar(select(func.count()).where(PlanEvent.plan_id.in_(plan_ids)))
    found["people"] = db.session.scalar(select(func.count()).where(Person.id == person_id))
    return found


def test_a_person_export_holds_a_json_file_and_a_csv_file_per_kind_of_record(sam):
    files = unzip(data_rights.export_zip(sam, NOW))
    assert sorted(files) == sorted(["README.txt", "thinlayer.json", *(f"{name}.csv" for name in PERSON_FILES)])
    document = json.loads(files["thinlayer.json"])
    assert document["exported_at"] == NOW.isoformat()
    assert "account" not in document
    [person] = document["people"]
    assert person["person"]["name"] == "Sam" and person["person"]["timezone"] == "Europe/London"
    for name in PERSON_FILES[1:]:
        assert len(person[name]) == len(rows(files, name)), name


def test_the_export_holds_reminders_but_not_the_calendar_links_secret(sam):
    files = unzip(data_rights.export_zip(sam, NOW))
    assert rows(files, "reminder_settings")[0]["missed_after_minutes"] == "30"
    assert [m["title"] for m in rows(files, "inbox_messages")] == ["Time for your dose"]
    assert rows(files, "push_subscriptions")[0]["endpoint"] == "https://push.example/abc"
    assert {r["kind"] for r in rows(files, "reminders")} >= {"due", "missed"}
    assert not any("calendar-secret-token" in text for text in files.values())


def test_the_export_holds_every_application_with_its_verdict_and_withdrawal(sam):
    files = unzip(data_rights.export_zip(sam, NOW))
    applications = rows(files, "applications")
    assert len(applications) == 12
    verdicts = sorted(a["verdict"] for a in applications)
    assert verdicts.count("extra") == 2 and verdicts.count("skip_zone") == 1 and verdicts.count("unscheduled") == 1
    withdrawn = [a for a in applications if a["voided_at"]]
    assert len(withdrawn) == 1 and withdrawn[0]["applied_at"] == "2026-05-28T19:15:00+00:00"


def test_the_export_gives_each_slot_its_state_at_the_time_of_export(sam):
    files = unzip(data_rights.export_zip(sam, NOW))
    slots = {(s["local_date"], s["local_time"]): s["state"] for s in rows(files, "dose_slots")}
    assert slots[("2026-05-26", "20:00")] == "late"
    assert slots[("2026-05-27", "08:00")] == "missed"
    assert slots[("2026-05-28", "08:00")] == "skipped"
    assert slots[("2026-05-30", "08:00")] == "paused"
    assert slots[("2026-06-01", "08:00")] == "on_time"
    assert slots[("2026-06-01", "20:00")] == "upcoming"
    json_slots = json.loads(files["thinlayer.json"])["people"][0]["dose_slots"]
    assert {(s["local_date"], s["local_time"]): s["state"] for s in json_slots} == slots


def test_the_export_holds_plans_events_skips_edits_and_symptoms(sam):
    files = unzip(data_rights.export_zip(sam, NOW))
    assert [p["status"] for p in rows(files, "plans")] == ["active"]
    assert [e["kind"] for e in rows(files, "plan_events")] == ["created", "paused", "resumed"]
    assert [s["reason"] for s in rows(files, "skips")] == ["skin sore"]
    assert {e["action"] for e in rows(files, "record_edits")} >= {"undo"}
    assert [i["peak_itch"] for i in rows(files, "itch_entries")] == ["8", "6", "3"]
    assert [p["total"] for p in rows(files, "poem_responses")] == ["14", "6"]
    assert json.loads(rows(files, "poem_responses")[0]["answers"]) == [2] * 7
    assert rows(files, "side_effect_reports")[0]["effects"] == '["burning"]'


def test_text_that_a_spreadsheet_would_run_is_kept_as_text_in_the_csv_only(sam):
    files = unzip(data_rights.export_zip(sam, NOW))
    assert rows(files, "side_effect_reports")[0]["other"] == '\'=HYPERLINK("x")'
    report = json.loads(files["thinlayer.json"])["people"][0]["side_effect_reports"][0]
    assert report["other"] == '=HYPERLINK("x")'


def test_an_account_export_holds_everyone_and_the_account_but_no_password(sam, make_person):
    alex = make_person("Álex", account=sam.account)
    files = unzip(data_rights.export_zip(sam.account, NOW))
    assert rows(files, "account") == [{"id": str(sam.account.id), "email": "sam@example.org", "locale": "en",
                                       "created_at": "2026-05-01T00:00:00+00:00"}]  # fmt: skip
    assert [p["name"] for p in rows(files, "people")] == ["Sam", "Álex"]
    document = json.loads(files["thinlayer.json"])
    assert document["account"]["email"] == "sam@example.org"
    assert [p["person"]["id"] for p in document["people"]] == [sam.id, alex.id]
    assert "password" not in files["thinlayer.json"] and "unused" not in files["account.csv"]


def test_an_export_leaves_out_other_people(sam, make_person):
    other = make_person("Kim", email="kim@example.org")
    build_log(other)
    files = unzip(data_rights.export_zip(sam, NOW))
    assert {r["person_id"] for r in rows(files, "applications")} == {str(sam.id)}
    assert [p["name"] for p in rows(files, "people")] == ["Sam"]


def test_a_person_without_records_exports_empty_files_with_headers(make_person):
    files = unzip(data_rights.export_zip(make_person(), NOW))
    assert files["dose_slots.csv"].startswith("id,person_id,plan_id,local_date")
    assert rows(files, "dose_slots") == []


def test_sqlite_enforces_foreign_keys(database):
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_deleting_a_person_removes_every_row_about_them_and_nothing_else(sam, make_person):
    alex = make_person("Alex", account=sam.account)
    build_log(alex)
    sam_id, alex_id, account_id = sam.id, alex.id, sam.account_id
    sam_plans = list(db.session.scalars(select(Plan.id).where(Plan.person_id == sam_id)))
    alex_plans = list(db.session.scalars(select(Plan.id).where(Plan.person_id == alex_id)))
    before = counts(alex_id, alex_plans)
    data_rights.delete_person(sam)
    assert set(counts(sam_id, sam_plans).values()) == {0}
    assert counts(alex_id, alex_plans) == before
    assert db.session.get(Account, account_id) is not None


def test_deleting_an_account_removes_its_people_sessions_and_failed_sign_ins(sam, make_person):
    alex = make_person("Alex", account=sam.account)
    kim = make_person("Kim", email="kim@example.org")
    build_log(kim)
    account = sam.account
    db.session.add_all([
        LoginSession(token_hash="t1", account_id=account.id, created_at=NOW),
        LoginFailure(key="email:sam@example.org", at=NOW),
        LoginFailure(key="email:kim@example.org", at=NOW),
    ])  # fmt: skip
    db.session.commit()
    ids = {"sam": sam.id, "alex": alex.id, "kim": kim.id, "account": account.id}
    plans = list(db.session.scalars(select(Plan.id).where(Plan.person_id == ids["sam"])))
    kim_plans = list(db.session.scalars(select(Plan.id).where(Plan.person_id == ids["kim"])))
    kim_before = counts(ids["kim"], kim_plans)
    data_rights.delete_account(account)
    assert set(counts(ids["sam"], plans).values()) == {0}
    assert set(counts(ids["alex"], []).values()) == {0}
    assert db.session.get(Account, ids["account"]) is None
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
    assert list(db.session.scalars(select(LoginFailure.key))) == ["email:kim@example.org"]
    assert counts(ids["kim"], kim_plans) == kim_before
