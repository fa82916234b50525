"""Data rights pages: download a zip of the record, delete a person, delete the whole account.

These run on SQLite and, with TEST_DATABASE_URL, on PostgreSQL too: deletion leans on the
schema's ON DELETE CASCADE, so both databases must be seen to remove every row.
"""

import io
import json
import zipfile

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

import app.web.history.routes as routes
from app.extensions import db
from app.models import (
    Account,
    Application,
    DoseSlot,
    InboxMessage,
    ItchEntry,
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
from tests.conftest import check_page
from tests.patients.log import NOW, add_symptoms, build_log

PERSON_MODELS = [Plan, DoseSlot, Application, Skip, RecordEdit, ItchEntry, SideEffectReport, PoemResponse,
                 Reminder, InboxMessage, PushSubscription, ReminderSettings]  # fmt: skip


@pytest.fixture
def account(app, make_account, sign_in, monkeypatch):
    """Signed in as an account with Sam (a week of records) and Álex; the clock reads NOW."""
    monkeypatch.setattr(routes, "utcnow", lambda: NOW)
    account = make_account(people=(("Sam", "Europe/London"), ("Álex", "Europe/Madrid")))
    with app.app_context():
        sam = db.session.get(Person, account.people[0].id)
        build_log(sam)
        add_symptoms(sam)
    sign_in(account)
    return account


@pytest.fixture
def sam(account):
    return account.people[0].id


def csrf(client, url) -> str:
    soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return soup.find("input", attrs={"name": "csrf_token"})["value"]


def unzip(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rows_about(app, person_id: int, plan_ids=None) -> dict[str, int]:
    """How many rows each table holds about the person (plan events through the plans given)."""
    with app.app_context():
        found = {m.__tablename__: db.session.scalar(select(func.count()).where(m.person_id == person_id))
                 for m in PERSON_MODELS}  # fmt: skip
        found["plan_events"] = db.session.scalar(select(func.count()).where(PlanEvent.plan_id.in_(plan_ids or [])))
        found["people"] = db.session.scalar(select(func.count()).where(Person.id == person_id))
        return found


def plans_of(app, person_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Plan.id).where(Plan.person_id == person_id)))


def test_the_data_page_offers_download_and_delete(pages, sam):
    soup = pages.get(f"/people/{sam}/data")
    form = soup.select_one(f'form[action="/people/{sam}/data/export"]')
    assert form["method"] == "post" and form.select_one("input[name=csrf_token]")
    assert form.select_one("input[type=checkbox][name=everyone]")
    links = [a["href"] for a in soup.select(".data-links a")]
    assert links == [f"/people/{sam}/data/delete", f"/people/{sam}/data/delete-account"]


def test_export_downloads_a_zip_of_the_persons_records(client, sam):
    response = client.post(f"/people/{sam}/data/export", data={"csrf_token": csrf(client, f"/people/{sam}/data")})
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == f'attachment; filename="thinlayer-person-{sam}-2026-06-01.zip"'
    assert response.headers["Cache-Control"] == "no-store"
    files = unzip(response.data)
    assert "account.csv" not in files
    assert {"thinlayer.json", "applications.csv", "dose_slots.csv", "skips.csv", "poem_responses.csv"} <= set(files)
    document = json.loads(files["thinlayer.json"])
    assert [p["person"]["name"] for p in document["people"]] == ["Sam"]
    assert len(document["people"][0]["applications"]) == 12


def test_export_of_everyone_adds_the_account_and_its_other_people(client, sam):
    token = csrf(client, f"/people/{sam}/data")
    response = client.post(f"/people/{sam}/data/export", data={"csrf_token": token, "everyone": "y"})
    assert response.headers["Content-Disposition"].endswith('filename="thinlayer-account-2026-06-01.zip"')
    document = json.loads(unzip(response.data)["thinlayer.json"])
    assert document["account"] == {"id": document["account"]["id"], "email": "pat@example.org", "locale": "en",
                                   "created_at": "2026-06-01T09:00:00+00:00"}  # fmt: skip
    assert [p["person"]["name"] for p in document["people"]] == ["Sam", "Álex"]


def test_export_needs_a_csrf_token(client, sam):
    assert client.post(f"/people/{sam}/data/export").status_code == 400


def test_deleting_a_person_asks_for_their_name_first(pages, client, app, sam):
    soup = pages.get(f"/people/{sam}/data/delete")
    assert soup.select_one("input[name=confirm]")
    token = soup.select_one("input[name=csrf_token]")["value"]
    response = client.post(f"/people/{sam}/data/delete", data={"csrf_token": token, "confirm": "Samuel"})
    assert response.status_code == 400
    assert "That is not the name shown" in response.get_data(as_text=True)
    assert rows_about(app, sam)["applications"] == 12


def test_deleting_a_person_removes_every_row_about_them(client, app, account, sam):
    alex, plans = account.people[1].id, plans_of(app, sam)
    assert rows_about(app, sam, plans)["plan_events"] == 3
    token = csrf(client, f"/people/{sam}/data/delete")
    response = client.post(f"/people/{sam}/data/delete", data={"csrf_token": token, "confirm": " sam "})
    assert response.status_code == 302 and response.headers["Location"] == "/account/people"
    assert set(rows_about(app, sam, plans).values()) == {0}
    assert rows_about(app, alex)["people"] == 1
    assert "Sam and all their records are deleted." in client.get("/account/people").get_data(as_text=True)
    assert client.get(f"/people/{sam}/history").status_code == 404
    assert client.get(f"/people/{alex}/history").status_code == 200


def test_deleting_the_account_needs_the_email_then_removes_everything_and_signs_out(client, app, account, sam):
    alex, plans = account.people[1].id, plans_of(app, sam)
    token = csrf(client, f"/people/{sam}/data/delete-account")
    wrong = client.post(f"/people/{sam}/data/delete-account", data={"csrf_token": token, "confirm": "sam@example.org"})
    assert wrong.status_code == 400
    response = client.post(
        f"/people/{sam}/data/delete-account", data={"csrf_token": token, "confirm": "PAT@example.org"}
    )
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    check_page(page, "account deleted")
    assert page.h1.get_text(strip=True) == "Your account is deleted"
    assert response.headers["Cache-Control"] == "no-store"
    assert set(rows_about(app, sam, plans).values()) == {0} and set(rows_about(app, alex).values()) == {0}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Account)) == 0
        assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
    assert client.get(f"/people/{sam}/data").status_code == 302  # signed out: off to sign in


def test_deletes_need_a_csrf_token(client, app, sam):
    assert client.post(f"/people/{sam}/data/delete", data={"confirm": "Sam"}).status_code == 400
    assert client.post(f"/people/{sam}/data/delete-account", data={"confirm": "pat@example.org"}).status_code == 400
    assert rows_about(app, sam)["people"] == 1


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/history"), ("get", "/data"), ("post", "/data/export"), ("get", "/data/delete"),
    ("post", "/data/delete"), ("get", "/data/delete-account"), ("post", "/data/delete-account"),
])  # fmt: skip
def test_another_accounts_person_is_not_found_on_every_route(client, app, make_account, sam, method, path):
    kim = make_account(email="kim@example.org", people=(("Kim", "Europe/Paris"),)).people[0].id
    token = csrf(client, f"/people/{sam}/data")
    response = getattr(client, method)(f"/people/{kim}{path}", data={"csrf_token": token, "confirm": "Kim"})
    assert response.status_code == 404
    assert rows_about(app, kim)["people"] == 1
