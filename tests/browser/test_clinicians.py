"""The clinician area in a real Chromium at desktop size: sign-in with a TOTP code, the dashboard,
a patient's record, a plan change and an export, with axe on every page; and a patient's consent
and sharing pages at phone size."""

import datetime as dt
import json
import threading
from pathlib import Path

import pyotp
import pytest
from werkzeug.serving import make_server

from app import accounts, create_app
from app.clinics import demo, staff
from app.config import TestingConfig
from app.extensions import db
from app.models import Clinician
from tests.browser.conftest import follow, screenshot
from tests.browser.test_pages import sideways_overflow, violations

PASSWORD = "lantern violet harbour pebble 7"
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def clinic_server(tmp_path_factory):
    """A live server whose database holds a clinic, an enrolled clinician and 8 patients with 90 days of logs."""
    instance = tmp_path_factory.mktemp("clinic")
    config = type("LiveConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/live.sqlite3"})
    app = create_app(config)
    app.instance_path = str(instance)
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        db.create_all()
        clinic = staff.create_clinic("Riverside Skin Clinic", "+44 20 7946 0123", now)
        clinician = staff.create_clinician(clinic, "doc@example.org", PASSWORD, "Dr Rivera", True, now)
        clinician.totp_secret, clinician.totp_enrolled_at = pyotp.random_base32(), now
        db.session.commit()
        demo.seed_patients(clinic, 8, 90, now, seed=3)
        secret, code = clinician.totp_secret, clinic.join_code
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app, secret, code
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def check(page, name: str) -> None:
    screenshot(page, f"clinician_{name}")
    assert violations(page) == [], name
    assert sideways_overflow(page) <= 0, name


def next_code(app, secret: str) -> str:
    """A code the server has not seen yet (each 30-second step is accepted once)."""
    with app.app_context():
        last = db.session.scalar(db.select(Clinician.totp_last_step))
    step = max(int(dt.datetime.now(dt.UTC).timestamp()) // 30, last + 1)
    return pyotp.TOTP(secret).at(step * 30)


def test_a_clinician_signs_in_finds_who_needs_attention_edits_a_plan_and_exports(desktop, clinic_server):
    base, app, secret, _ = clinic_server
    page = desktop
    page.goto(base + "/account/login")
    page.get_by_label("Email address").fill("doc@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/clinic/verify")
    check(page, "verify")
    page.get_by_label("6-digit code from your authenticator app").fill(next_code(app, secret))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/clinic/")
    check(page, "dashboard")
    assert page.locator("table.dashboard tbody tr").count() == 8

    follow(page, page.get_by_role("link", name="Show only patients who need attention"))
    flagged = page.locator("table.dashboard tbody tr")
    assert 0 < flagged.count() < 8
    check(page, "dashboard_attention")

    flagged.first.locator("th a").click()
    page.wait_for_url("**/clinic/patients/*")
    check(page, "patient")
    assert page.locator("svg.heatmap-svg rect[class^=day-]").count() == 84

    page.get_by_text("Change the plan").click()
    page.get_by_label("First dose time").fill("07:30")
    page.get_by_role("button", name="Save the plan").click()
    page.wait_for_url("**#plan")
    assert "The plan is changed" in page.locator(".flashes").inner_text()
    assert "07:30" in page.locator("dl.facts").inner_text()
    check(page, "patient_after_plan_change")

    with page.expect_download() as download:
        page.get_by_role("link", name="FHIR R4 Bundle (JSON)").click()
    bundle = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle" and bundle["entry"]


@pytest.mark.parametrize("phone", [{"timezone_id": "Europe/London"}], indirect=True)
def test_a_patient_consents_to_share_and_sees_who_viewed_their_record(phone, clinic_server):
    base, app, _, code = clinic_server
    with app.app_context():
        accounts.create_account("pat@example.org", PASSWORD, "Pat", "Europe/London", "en", dt.datetime.now(dt.UTC))
    phone.goto(base + "/account/login")
    phone.get_by_label("Email address").fill("pat@example.org")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url("**/today")
    phone.goto(base + f"/join/{code}")
    check(phone, "consent_phone")
    phone.get_by_label("I agree to share this with the clinic").check()
    phone.get_by_role("button", name="Share my record").click()
    phone.wait_for_url("**/sharing")
    assert "Riverside Skin Clinic" in phone.locator("main").inner_text()
    check(phone, "sharing_phone")
