"""Bad input gets a 400 (or a 413) with a message in the reader's language: never a 500, nothing stored.

NUL bytes (PostgreSQL cannot hold them), lone surrogates (no database driver can encode them) and file
parts in text fields, on every form, in query strings and in URLs; plan dates outside 2000-2100; names
with line breaks; bodies over the size limit.
"""

import datetime as dt
import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar
from sqlalchemy import func, select

from app.extensions import db
from app.models import Person, Plan
from app.patients import plans
from app.reminders import preferences
from tests.clinic_fixtures import link, make_clinic, make_clinician, sign_in_clinician
from tests.conftest import check_page

NUL, SURROGATE = "a\x00b", "a\ud800b"
UNUSABLE = (
    "Something you sent contains a character we cannot store, such as a hidden control character. "
    "Type it again without it, or leave that part out."
)
NOT_FILES = "This form takes text only, not files. Type your answers and send the form again."
TOO_LARGE = "What you sent is too large for us to take. Send less at once, or shorten what you typed."
ROUTES = Path(__file__).with_name("routes.txt")

# Every page that takes a posted form (all the POST routes of routes.txt outside the API), who may post it,
# and one of its text fields. Ids of records that need not exist: the input is refused before any view.
FORMS = {
    "auth.login": ("anyone", "/account/login", "email"),
    "auth.signup": ("anyone", "/account/signup", "name"),
    "auth.reset_request": ("anyone", "/account/reset", "email"),
    "auth.reset_password": ("anyone", "/account/reset/some-token", "password"),
    "clinician.accept_invite": ("anyone", "/clinic/invite/some-token", "name"),
    "reminders.act": ("anyone", "/people/{person}/reminders/act", "token"),
    "auth.logout": ("person", "/account/logout", "next"),
    "auth.language": ("person", "/account/language", "next"),
    "auth.settings": ("person", "/account/settings", "locale"),
    "auth.add_person": ("person", "/account/people/new", "name"),
    "auth.edit_person": ("person", "/account/people/{person}/edit", "name"),
    "patient.plan": ("person", "/people/{person}/plan", "other_area"),
    "patient.plan_status": ("person", "/people/{person}/plan/status", "status"),
    "patient.apply": ("person", "/people/{person}/applications", "at_time"),
    "patient.undo": ("person", "/people/{person}/applications/1/undo", "request_key"),
    "patient.skip": ("person", "/people/{person}/slots/1/skip", "reason"),
    "symptoms.itch": ("person", "/people/{person}/itch", "peak"),
    "symptoms.poem": ("person", "/people/{person}/poem", "itchy"),
    "symptoms.side_effects": ("person", "/people/{person}/side-effects", "other"),
    "reminders.settings": ("person", "/people/{person}/reminders", "quiet_start"),
    "reminders.calendar_link": ("person", "/people/{person}/reminders/calendar", "action"),
    "reminders.snooze": ("person", "/people/{person}/inbox/1/snooze", "minutes"),
    "reminders.mark_read": ("person", "/people/{person}/inbox/read", "note"),
    "history.export": ("person", "/people/{person}/data/export", "everyone"),
    "history.delete_person": ("person", "/people/{person}/data/delete", "confirm"),
    "history.delete_account": ("person", "/people/{person}/data/delete-account", "confirm"),
    "sharing.join_code": ("person", "/join", "code"),
    "sharing.join": ("person", "/join/RVRS2345", "person"),
    "sharing.leave": ("person", "/people/{person}/sharing/1/leave", "note"),
    "clinician.verify": ("clinician", "/clinic/verify", "code"),
    "clinician.enrol": ("clinician", "/clinic/enrol", "code"),
    "clinician.invite": ("clinician", "/clinic/invite", "email"),
    "clinician.edit_plan": ("clinician", "/clinic/patients/{person}/plan", "first_time"),
    "clinician.review": ("clinician", "/clinic/patients/{person}/reports/1/review", "note"),
    "clinician.remove": ("clinician", "/clinic/patients/{person}/remove", "confirm"),
}
# The JSON endpoints outside the API (push.js posts these); the API checks its own bodies (test_api.py).
JSON_ENDPOINTS = {
    "reminders.subscribe": "/people/{person}/reminders/push",
    "reminders.unsubscribe": "/people/{person}/reminders/push/remove",
}
# Text in a URL: a path segment or a query string, fetched by anyone.
URLS = {
    "calendar token": "/calendar/{bad}.ics",
    "reset token": "/account/reset/{bad}",
    "invite token": "/clinic/invite/{bad}",
    "join code in the path": "/join/{bad}",
    "leaflet join code": "/en/medicines/pimecrolimus/leaflet.pdf?join_code={bad}",
    "leaflet builder join code": "/en/medicines/pimecrolimus/leaflet?paper=a4&join_code={bad}",
    "search": "/en/medicines/pimecrolimus/search?q={bad}",
    "sign-in next page": "/account/login?next={bad}",
}


def posted_routes() -> set[str]:
    """The endpoints routes.txt lists with POST, outside the API."""
    rows = (line.split() for line in ROUTES.read_text().splitlines() if line.strip())
    return {row[-1] for row in rows if "POST" in row[0].split(",") and not row[1].startswith("/api/")}


def test_the_table_holds_every_form_and_json_endpoint():
    assert posted_routes() == set(FORMS) | set(JSON_ENDPOINTS)


@pytest.fixture
def signed_in(app, client, make_account, sign_in):
    """Sign the client in as `role` (anyone, a person, a clinic admin with that person as a patient);
    returns the person's id and a CSRF token for the session."""

    def as_role(role: str) -> tuple[int, str]:
        account = make_account()
        person_id = account.people[0].id
        if role == "person":
            sign_in(account)
        elif role == "clinician":
            clinic = make_clinic(app)
            link(app, person_id, clinic)
            sign_in_clinician(app, client, make_clinician(app, clinic, "doc@example.org", admin=True))
        page = {"anyone": "/account/login", "person": f"/people/{person_id}/today", "clinician": "/clinic/invite"}
        soup = BeautifulSoup(client.get(page[role]).get_data(as_text=True), "html.parser")
        return person_id, soup.find("input", attrs={"name": "csrf_token"})["value"]

    return as_role


def refused_page(response, message: str, status: int = 400) -> BeautifulSoup:
    """The error page answered, checked like every page, with the message shown."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    check_page(soup, response.request.path)
    assert message in [li.get_text(" ", strip=True) for li in soup.select(".error-summary li")]
    return soup


def stored_people_and_plans(app) -> tuple[int, int]:
    with app.app_context():
        return db.session.scalar(select(func.count(Person.id))), db.session.scalar(select(func.count(Plan.id)))


@pytest.mark.parametrize("endpoint", FORMS)
def test_a_nul_byte_in_any_form_is_a_400_with_a_message_and_nothing_stored(app, client, signed_in, endpoint):
    role, url, field = FORMS[endpoint]
    person_id, token = signed_in(role)
    before = stored_people_and_plans(app)
    response = client.post(url.format(person=person_id), data={"csrf_token": token, field: NUL})
    refused_page(response, UNUSABLE)
    assert stored_people_and_plans(app) == before


@pytest.mark.parametrize("endpoint", FORMS)
def test_a_file_part_in_any_form_is_a_400_with_a_message(app, client, signed_in, endpoint):
    role, url, field = FORMS[endpoint]
    person_id, token = signed_in(role)
    data = {"csrf_token": token, field: (io.BytesIO(b"some text"), "notes.txt")}
    response = client.post(url.format(person=person_id), data=data, content_type="multipart/form-data")
    refused_page(response, NOT_FILES)


@pytest.mark.parametrize("endpoint", FORMS)
def test_a_lone_surrogate_in_json_posted_to_any_form_is_a_400_in_json(app, client, signed_in, endpoint):
    """Flask-WTF would read a JSON body into a form's fields; the surrogate would then reach the database."""
    role, url, field = FORMS[endpoint]
    person_id, token = signed_in(role)
    response = client.post(url.format(person=person_id), json={field: SURROGATE}, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert response.get_json()["message"] == UNUSABLE


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": f"https://push.example/{SURROGATE}", "keys": {"p256dh": "key", "auth": "auth"}},
        {"endpoint": "https://push.example/1", "keys": {"p256dh": SURROGATE, "auth": "auth"}},
        {"endpoint": "https://push.example/1", "keys": {"p256dh": "key", "auth": NUL}},
        {"endpoint": "https://push.example/1", "keys": {SURROGATE: "key"}},
    ],
    ids=["endpoint", "key", "nul", "key-name"],
)
def test_a_push_subscription_with_unusable_text_is_a_400_in_json(client, signed_in, endpoint, body):
    person_id, token = signed_in("person")
    response = client.post(JSON_ENDPOINTS[endpoint].format(person=person_id), json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert response.get_json()["message"] == UNUSABLE


def test_json_nested_too_deep_to_parse_is_a_400(client, signed_in):
    person_id, token = signed_in("person")
    url = JSON_ENDPOINTS["reminders.subscribe"].format(person=person_id)
    response = client.post(url, data="[" * 100_000, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert response.is_json


@pytest.mark.parametrize("bad", ["a%00b", "%00"])
@pytest.mark.parametrize("where", URLS)
def test_a_nul_byte_in_a_url_is_a_400_with_a_message(make_account, client, where, bad):
    make_account()
    refused_page(client.get(URLS[where].format(bad=bad)), UNUSABLE)


def test_form_bytes_that_are_not_utf8_are_a_400_not_a_500(client, signed_in):
    _person, token = signed_in("anyone")
    body = f"csrf_token={token}&email=".encode() + b"\xed\xa0\x80@example.org&password=x"
    response = client.post("/account/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_the_400_page_is_in_spanish_for_a_spanish_reader(app, client, signed_in):
    _person, token = signed_in("anyone")
    response = client.post(
        "/account/login", data={"csrf_token": token, "email": NUL}, headers={"Accept-Language": "es"}
    )
    with app.test_request_context(), force_locale("es"):
        message = _(UNUSABLE)
    soup = refused_page(response, message)
    assert soup.html["lang"] == "es"
    assert soup.h1.get_text(strip=True) == "No pudimos hacerlo"


# --- plan dates ----------------------------------------------------------------------------------


def plan_form(token: str, **fields) -> dict:
    return {"csrf_token": token, "medicine": "pimecrolimus", "body_areas": ["face"], "doses": "2",
            "first_time": "08:00", "second_time": "20:00", "start_date": "2026-06-01", **fields}  # fmt: skip


@pytest.mark.parametrize(
    "fields",
    [
        {"start_date": "9999-12-31"},
        {"start_date": "1999-12-31"},
        {"start_date": "2101-01-01"},
        {"review_date": "9999-12-31"},
        {"tube_grams": "30", "tube_opened": "1900-01-01"},
    ],
    ids=["start-9999", "start-1999", "start-2101", "review-9999", "tube-1900"],
)
def test_a_plan_date_outside_2000_to_2100_is_refused_next_to_the_field(app, client, signed_in, fields):
    person_id, token = signed_in("person")
    response = client.post(f"/people/{person_id}/plan", data=plan_form(token, **fields))
    assert response.status_code == 400
    assert "Enter a date between 2000 and 2100." in response.get_data(as_text=True)
    assert stored_people_and_plans(app)[1] == 0


def test_the_last_day_of_2100_is_a_plan_start_date_that_works(app, client, signed_in):
    person_id, token = signed_in("person")
    response = client.post(f"/people/{person_id}/plan", data=plan_form(token, start_date="2100-12-31"))
    assert response.status_code == 302
    assert stored_people_and_plans(app)[1] == 1


def test_a_clinician_cannot_set_a_review_date_in_9999(app, client, signed_in):
    person_id, token = signed_in("clinician")
    with app.app_context():
        person = db.session.get(Person, person_id)
        now = dt.datetime.now(dt.UTC)
        plans.create_plan(person, plans.PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], now.date()), now)
    form = {"csrf_token": token, "first_time": "09:00", "second_time": "21:00", "early_minutes": "120",
            "cutoff_minutes": "360", "min_gap_minutes": "360", "review_date": "9999-12-31"}  # fmt: skip
    response = client.post(f"/clinic/patients/{person_id}/plan", data=form)
    assert response.status_code == 400
    assert "Enter a date between 2000 and 2100." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Plan.review_date).where(Plan.person_id == person_id)).year < 2100


# --- names ---------------------------------------------------------------------------------------

ONE_LINE = "Write the name on one line, without line breaks or tabs."
BROKEN_NAMES = ["Ann\r\nX-Injected: yes", "Ann\nBob", "Ann\rBob", "Ann\tBob", "Ann\x07", "Ann\u2028Bob"]


@pytest.mark.parametrize("name", BROKEN_NAMES)
@pytest.mark.parametrize("page", ["sign-up", "add", "edit"])
def test_a_name_with_a_line_break_or_control_character_is_refused(app, client, signed_in, page, name):
    if page == "sign-up":
        _person, token = signed_in("anyone")
        url = "/account/signup"
        data = {"email": "new@example.org", "password": "correct horse battery staple", "locale": "en"}
    else:
        person_id, token = signed_in("person")
        url = "/account/people/new" if page == "add" else f"/account/people/{person_id}/edit"
        data = {}
    before = stored_people_and_plans(app)
    response = client.post(url, data={"csrf_token": token, "name": name, "timezone": "Europe/London", **data})
    assert response.status_code == 400
    assert ONE_LINE in response.get_data(as_text=True)
    assert stored_people_and_plans(app) == before
    with app.app_context():
        assert all("\n" not in name and "\r" not in name for name in db.session.scalars(select(Person.name)))


def test_a_name_in_another_script_with_accents_is_still_taken(app, client, signed_in):
    _person, token = signed_in("person")
    response = client.post(
        "/account/people/new", data={"csrf_token": token, "name": "José María 李", "timezone": "Europe/Madrid"}
    )
    assert response.status_code == 302
    assert stored_people_and_plans(app)[0] == 2


def test_a_stored_name_with_a_line_break_still_gets_a_working_calendar_feed(app, client, make_account):
    account = make_account(people=(("Ann\r\nX-Injected: yes\x07", "Europe/London"),))
    with app.app_context():
        person = db.session.get(Person, account.people[0].id)
        now = dt.datetime.now(dt.UTC)
        plans.create_plan(person, plans.PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], now.date()), now)
        token = preferences.calendar_link(person, "create")
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Doses for Ann X-Injected: yes – Thinlayer"
    assert b"\r\nX-Injected" not in response.data
    assert all(line.startswith((" ", "\t")) or ":" in line for line in response.data.decode().split("\r\n") if line)


# --- size -----------------------------------------------------------------------------------------

TWO_MIB = 2 * 1024 * 1024


def test_a_form_over_the_size_limit_is_a_413_page_with_a_message(client, signed_in):
    _person, token = signed_in("anyone")
    body = f"csrf_token={token}&email=".encode() + b"a" * TWO_MIB
    response = client.post("/account/login", data=body, content_type="application/x-www-form-urlencoded")
    refused_page(response, TOO_LARGE, status=413)


def test_json_over_the_size_limit_is_a_413_in_json_on_the_api_and_push(client, signed_in):
    person_id, token = signed_in("person")
    body = b'{"reason": "' + b"a" * TWO_MIB + b'"}'
    for url in (f"/api/v1/people/{person_id}/skips", JSON_ENDPOINTS["reminders.subscribe"].format(person=person_id)):
        response = client.post(url, data=body, content_type="application/json", headers={"X-CSRFToken": token})
        assert response.status_code == 413, url
        assert response.get_json() == {"error": "request_entity_too_large", "message": TOO_LARGE}


def test_a_multipart_form_with_too_many_parts_is_a_413(client, signed_in):
    _person, token = signed_in("anyone")
    data = {"csrf_token": token, **{f"field{n}": "x" for n in range(300)}}
    response = client.post("/account/login", data=data, content_type="multipart/form-data")
    refused_page(response, TOO_LARGE, status=413)
