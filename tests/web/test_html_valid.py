"""Every page type passes the Nu HTML checker: public pages, a patient's and a clinician's, signed in and
out, and forms sent back with errors.

The pages are fetched with the test client, written to one folder and checked in one run of the checker
(one JVM start). `make test` installs the checker (tools/vnu, npm `vnu-jar`); it runs on the system's
Java. Without either the test skips, except in CI (CI set), where it fails.
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.accounts import start_reset
from app.clinics import staff
from app.config import ROOT, TestingConfig
from app.extensions import db
from app.measures.poem import ITEMS as POEM_ITEMS
from app.models import InboxMessage, SideEffectReport
from app.patients import doses, ledger, plans, symptoms
from tests.clinic_fixtures import link, make_clinic, make_clinician, sign_in_clinician
from tests.conftest import NOW

VNU_JAR = ROOT / "tools" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
TOPIC = "/{locale}/medicines/pimecrolimus/missed-dose"


@pytest.fixture
def db_config():
    """The markup does not depend on the database, so this test runs on SQLite only."""
    return type("HtmlCheckConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.fixture
def vnu() -> list[str]:
    """The command that runs the checker, or a skip (a failure in CI) saying what is missing."""
    java, missing = shutil.which("java"), None
    if java is None:
        missing = "no java: `apt-get install default-jre-headless`"
    elif not VNU_JAR.exists():
        missing = f"no {VNU_JAR.relative_to(ROOT)}: `make setup-dev` (npm ci in tools/vnu)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the HTML check must run in CI: {missing}")
        pytest.skip(missing)
    return [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only"]


@pytest.fixture
def clock(app, monkeypatch):
    """Set `clock.now` to move the clock of every view (5 minutes after the records below are made, at first)."""

    class Clock:
        now = NOW + dt.timedelta(minutes=5)

    for name, module in list(sys.modules.items()):
        if name.startswith("app.web.") and callable(getattr(module, "utcnow", None)):
            monkeypatch.setattr(module, "utcnow", lambda: Clock.now)
    return Clock


class Pages:
    """Fetches pages (checking their status) and keeps each one's HTML under a name."""

    def __init__(self, client):
        self.client, self.html = client, {}

    def get(self, name: str, url: str, status: int = 200) -> str:
        response = self.client.get(url)
        assert response.status_code == status, f"{name} ({url}): {response.status_code}"
        assert response.mimetype == "text/html", f"{name} ({url}): {response.mimetype}"
        self.html[name] = response.get_data(as_text=True)
        return self.html[name]

    def post(self, name: str, url: str, data: dict, status: int = 400) -> None:
        """Send a form with a valid CSRF token, expecting the page back with its errors."""
        token = self.client.get("/api/v1/csrf-token").json["csrf_token"]
        response = self.client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == status, f"{name} ({url}): {response.status_code}"
        self.html[name] = response.get_data(as_text=True)


@pytest.fixture
def pages(client):
    return Pages(client)


def test_every_page_type_passes_the_nu_html_checker(vnu, app, client, pages, clock, make_account, sign_in, tmp_path):
    public_pages(pages)
    visitor_forms(app, pages, make_account)
    patient = make_patient(app, make_account)
    clinic = make_clinic(app)
    link(app, patient["person_id"], clinic)
    sign_in(patient["account"])
    patient_pages(pages, patient)
    patient_forms(pages, patient)
    today_in_each_moment(pages, patient, clock)
    clinician_pages(app, client, pages, clinic, patient)
    sign_in(patient["account"])
    pages.post(
        "account_deleted", f"/people/{patient['person_id']}/data/delete-account", {"confirm": "pat@example.org"}, 200
    )

    folder = tmp_path / "pages"
    folder.mkdir()
    for name, html in pages.html.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    errors = check(vnu, folder)
    assert not errors, f"{len(errors)} HTML errors in {len(pages.html)} pages:\n" + "\n".join(errors)


def check(vnu: list[str], folder: Path) -> list[str]:
    """Run the checker once on every page in `folder`; one line per error: page, line, message, extract."""
    files = sorted(str(path) for path in folder.glob("*.html"))
    result = subprocess.run([*vnu, *files], capture_output=True, text=True, timeout=300, check=False)
    try:
        report = json.loads(result.stderr)  # the checker writes its report to stderr
    except json.JSONDecodeError:
        pytest.fail(f"the checker did not report (exit {result.returncode}): {result.stderr[-2000:]}")
    return [
        f"{Path(m.get('url', '')).stem}:{m.get('lastLine', '?')}: {m['message']}  «{' '.join(m.get('extract', '').split())}»"
        for m in report["messages"]
        if m["type"] != "info"  # "error", or "non-document-error" (a page it could not read)
    ]


# --- the pages ------------------------------------------------------------------------------------


def public_pages(pages: Pages) -> None:
    pages.get("home", "/en/")
    pages.get("topics", "/en/medicines/pimecrolimus/")
    for locale in ("en", "es", "fr"):
        pages.get(f"topic_{locale}", TOPIC.format(locale=locale))
    pages.get("how_much_cream", "/en/medicines/pimecrolimus/how-much-cream")
    pages.get("search_hits", "/en/medicines/pimecrolimus/search?q=sun")
    pages.get("search_none", "/en/medicines/pimecrolimus/search?q=zzzzqx")
    pages.get("search_empty", "/en/medicines/pimecrolimus/search?q=")
    pages.get("not_found", "/en/medicines/pimecrolimus/no-such-topic", status=404)
    pages.get("leaflet_builder", "/en/medicines/pimecrolimus/leaflet")
    pages.get("leaflet_builder_errors", "/fr/medicines/pimecrolimus/leaflet?paper=a4&clinic_phone=call+me", 400)
    pages.get("bad_request", "/en/medicines/pimecrolimus/leaflet.pdf?paper=nope", status=400)
    # The page a phone shows offline, where the app has one yet ("/offline" alone would be "/<locale>/").
    rules = {rule.rule for rule in pages.client.application.url_map.iter_rules()}
    for locale in ("en", "es", "fr") if "/<locale>/offline" in rules else ():
        pages.get(f"offline_{locale}", f"/{locale}/offline")


def visitor_forms(app, pages: Pages, make_account) -> None:
    pages.get("login", "/account/login")
    pages.post("login_errors", "/account/login", {"email": "not an email", "password": ""})
    pages.get("signup", "/account/signup")
    pages.post("signup_errors", "/account/signup", {"email": "x", "password": "short", "name": ""})
    pages.get("reset", "/account/reset")
    pages.post("reset_errors", "/account/reset", {"email": "x"})
    pages.get("reset_sent", "/account/reset/sent")
    pages.get("reset_invalid", "/account/reset/not-a-token", status=404)
    make_account(email="reset@example.org")
    with app.app_context():
        token = start_reset("reset@example.org", NOW).token
    pages.get("reset_password", f"/account/reset/{token}")
    pages.post("reset_password_errors", f"/account/reset/{token}", {"password": "short"})


def make_patient(app, make_account) -> dict:
    """Ana, with a plan, a dose taken at NOW, a side-effect report, a POEM and an inbox message; Tomás,
    whose plan is paused; and Kim, with no plan."""
    account = make_account(people=(("Ana", "Europe/London"), ("Tomás", "Europe/Madrid"), ("Kim", "Asia/Seoul")))
    with app.app_context():
        person, paused = db.session.merge(account.people[0]), db.session.merge(account.people[1])
        for someone in (person, paused):
            plan = plans.PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], NOW.date())
            plans.create_plan(someone, plan, NOW)
        plans.set_status(paused, "paused", NOW)
        doses.record_application(person, NOW, NOW)
        slot = ledger.slots_between(person, NOW + dt.timedelta(hours=6), NOW + dt.timedelta(days=1))[0]
        symptoms.report_side_effects(person, ["redness"], "It stings.", ["swollen_glands"], NOW)
        report = db.session.scalars(db.select(SideEffectReport)).first()
        poem = symptoms.answer_poem(person, dict.fromkeys(POEM_ITEMS, 1), NOW)
        db.session.add(
            InboxMessage(person_id=person.id, slot_id=slot.id, kind="due", title="Time", body="", created_at=NOW)
        )
        db.session.commit()
        return {
            "account": account,
            "person_id": person.id,
            "paused_id": paused.id,
            "other_id": account.people[2].id,
            "report_id": report.id,
            "response_id": poem.id,
            "slot_id": slot.id,
        }


def patient_pages(pages: Pages, patient: dict) -> None:
    base = f"/people/{patient['person_id']}"
    for name, path in [
        ("today", "/today"),
        ("plan", "/plan"),
        ("missed_dose", "/missed-dose"),
        ("history", "/history"),
        ("symptoms", "/symptoms"),
        ("itch", "/itch"),
        ("poem", "/poem"),
        ("poem_result", f"/poem/{patient['response_id']}"),
        ("side_effects", "/side-effects"),
        ("side_effect_report", f"/side-effects/{patient['report_id']}"),
        ("reminders", "/reminders"),
        ("inbox", "/inbox"),
        ("sharing", "/sharing"),
        ("data", "/data"),
        ("delete_person", "/data/delete"),
        ("delete_account", "/data/delete-account"),
    ]:
        pages.get(name, base + path)
    pages.get("plan_no_plan", f"/people/{patient['other_id']}/plan")
    pages.get("history_no_plan", f"/people/{patient['other_id']}/history")
    pages.get("plan_paused", f"/people/{patient['paused_id']}/plan")
    pages.get("people", "/account/people")
    pages.get("settings", "/account/settings")
    pages.get("person_new", "/account/people/new")
    pages.get("person_edit", f"/account/people/{patient['person_id']}/edit")
    pages.get("join", "/join")
    pages.get("join_consent", "/join/RVRS2345")
    pages.get("join_no_clinic", "/join/NOSUCH23", status=404)
    pages.get("topic_signed_in", TOPIC.format(locale="es"))


def patient_forms(pages: Pages, patient: dict) -> None:
    """Each form sent back with errors."""
    base = f"/people/{patient['person_id']}"
    pages.post("plan_errors", base + "/plan", {"medicine": "", "doses": "3", "first_time": "25:00"})
    pages.post("today_apply_errors", base + "/applications", {"when": "today", "at_time": ""})
    pages.post("itch_errors", base + "/itch", {})
    pages.post("side_effects_errors", base + "/side-effects", {})
    pages.post("poem_errors", base + "/poem", {})
    pages.post("reminders_errors", base + "/reminders", {"missed_after": "7", "quiet_start": "25:00"})
    pages.post("delete_person_errors", base + "/data/delete", {"confirm": "someone else"})
    pages.post("delete_account_errors", base + "/data/delete-account", {"confirm": "someone@example.org"})
    pages.post("person_new_errors", "/account/people/new", {"name": "", "timezone": "Nowhere/At_All"})
    pages.post("settings_errors", "/account/settings", {"locale": "xx"})
    pages.post("join_errors", "/join", {"code": "NOSUCH23"})
    pages.post("join_consent_errors", "/join/RVRS2345", {})


def today_in_each_moment(pages: Pages, patient: dict, clock) -> None:
    """Today through the next day and a half: the first page of each moment (taken, waiting, open, ...)."""
    seen = set()
    for hours in range(36):
        clock.now = NOW + dt.timedelta(minutes=5, hours=hours)
        html = pages.client.get(f"/people/{patient['person_id']}/today").get_data(as_text=True)
        moment = html.split('class="moment moment-', 1)[1].split('"', 1)[0]
        if moment not in seen:
            seen.add(moment)
            pages.html[f"today_{moment}"] = html
            if moment == "open":  # the inbox's reminder for this dose offers to snooze it; it may be skipped
                pages.get("inbox_dose_open", f"/people/{patient['person_id']}/inbox")
                pages.post("today_skip_errors", f"/people/{patient['person_id']}/slots/{patient['slot_id']}/skip", {})
    clock.now = NOW + dt.timedelta(minutes=5)
    pages.get("today_paused", f"/people/{patient['paused_id']}/today")
    pages.get("today_no_plan", f"/people/{patient['other_id']}/today")


def clinician_pages(app, client, pages: Pages, clinic, patient: dict) -> None:
    admin = make_clinician(app, clinic, "admin@example.org", admin=True)
    sign_in_clinician(app, client, admin)
    person = patient["person_id"]
    pages.get("clinic_dashboard", "/clinic/")
    pages.get("clinic_dashboard_attention", "/clinic/?filter=attention&sort=name")
    pages.get("clinic_patient", f"/clinic/patients/{person}")
    pages.post(
        "clinic_plan_errors",
        f"/clinic/patients/{person}/plan",
        {"first_time": "8", "early_minutes": "999", "cutoff_minutes": ""},
    )
    pages.get("clinic_invite", "/clinic/invite")
    pages.post("clinic_invite_errors", "/clinic/invite", {"email": "not an email"})
    pages.get("clinic_leaflet_builder", "/en/medicines/pimecrolimus/leaflet")
    with app.app_context():
        token = staff.invite_clinician(db.session.merge(admin), "new@example.org", False, NOW).token
    sign_in_clinician(app, client, admin, verified=False)
    pages.get("clinic_verify", "/clinic/verify")
    pages.post("clinic_verify_errors", "/clinic/verify", {"code": "12"})
    newcomer = make_clinician(app, clinic, "newcomer@example.org", enrolled=False)
    sign_in_clinician(app, client, newcomer, verified=False)
    pages.get("clinic_enrol", "/clinic/enrol")
    pages.post("clinic_enrol_errors", "/clinic/enrol", {"code": "000000"})
    client.post("/account/logout", data={"csrf_token": client.get("/api/v1/csrf-token").json["csrf_token"]})
    pages.get("clinic_accept_invite", f"/clinic/invite/{token}")
    pages.post("clinic_accept_invite_errors", f"/clinic/invite/{token}", {"name": "", "password": "short"})
    pages.get("clinic_invite_invalid", "/clinic/invite/not-a-token", status=404)
