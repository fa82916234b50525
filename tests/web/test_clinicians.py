"""The clinician area through the test client: TOTP sign-in, joining and leaving a clinic, the dashboard,
patient detail, plan changes, reviews, exports, invitations and the audit log the patient sees."""

import datetime as dt
import json
import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from app import accounts
from app.clinics import staff
from app.extensions import db
from app.models import AuditEvent, Clinician, ClinicLink, InboxMessage, LoginSession, Plan, SideEffectReport
from app.models.accounts import hash_token
from app.patients import doses, ledger, plans, symptoms
from tests.clinic_fixtures import link, make_clinic, make_clinician, sign_in_clinician
from tests.conftest import csrf_from

STRONG = "correct horse battery staple"


pytestmark = pytest.mark.usefixtures("quick_hashes")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def clinic(app):
    return make_clinic(app)


@pytest.fixture
def patient(app, make_account, clinic):
    """A patient (Spanish-speaking) with a twice-daily plan, a dose applied, a red flag; linked to the clinic."""
    account = make_account(email="ana@example.org", locale="es", people=(("Ana", "Europe/Madrid"),))
    with app.app_context():
        person = db.session.merge(account.people[0])
        plans.create_plan(person, plans.PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)],
                                                  now().date() - dt.timedelta(days=3)), now())  # fmt: skip
        doses.record_application(person, now() - dt.timedelta(minutes=5), now())
        symptoms.report_side_effects(person, ["burning"], "", ["infection"], now())
        person_id = person.id
    link(app, person_id, clinic)
    return account, person_id


def post(client, url, data=None, token_from=None):
    return client.post(url, data={"csrf_token": csrf_from(client, token_from or "/account/login"), **(data or {})})


# --- sign-in with a second factor ---------------------------------------------------------------


def test_a_new_clinician_signs_in_enrols_totp_from_a_qr_code_and_reaches_the_dashboard(app, client, pages, clinic):
    with app.app_context():
        staff.create_clinician(db.session.merge(clinic), "doc@example.org", STRONG, "Dr Doc", False, now())
    response = post(client, "/account/login", {"email": "doc@example.org", "password": STRONG})
    assert response.location == "/clinic/enrol"
    assert client.get("/clinic/").location == "/clinic/enrol"  # nothing clinical before the second step
    page = pages.get("/clinic/enrol")
    assert page.select_one("img[src^='data:image/svg+xml']")
    secret = page.select_one("code.secret").get_text()
    wrong = post(client, "/clinic/enrol", {"code": "000000"}, token_from="/clinic/enrol")
    assert wrong.status_code == 400 and "did not work" in wrong.get_data(as_text=True)
    code = pyotp.TOTP(secret).now()
    assert post(client, "/clinic/enrol", {"code": code}, token_from="/clinic/enrol").location == "/clinic/"
    assert "Patients" in pages.get("/clinic/").h1.get_text()


def test_an_enrolled_clinician_needs_a_fresh_code_at_every_sign_in_and_a_used_code_is_refused(app, client, clinic):
    clinician = make_clinician(app, clinic, "doc@example.org")
    with app.app_context():
        db.session.execute(update(Clinician).values(totp_last_step=0))
        account = db.session.get(Clinician, clinician.id).account
        account.password_hash = accounts.hasher.hash(STRONG)
        db.session.commit()
    assert post(client, "/account/login", {"email": "doc@example.org", "password": STRONG}).location == "/clinic/verify"
    code = pyotp.TOTP(clinician.totp_secret).now()
    assert post(client, "/clinic/verify", {"code": code}, token_from="/clinic/verify").location == "/clinic/"
    client.post("/account/logout", data={"csrf_token": csrf_from(client, "/clinic/")})
    post(client, "/account/login", {"email": "doc@example.org", "password": STRONG})
    replay = post(client, "/clinic/verify", {"code": code}, token_from="/clinic/verify")
    assert replay.status_code == 400 and client.get("/clinic/").location == "/clinic/verify"


def test_a_clinician_is_never_remembered(app, client, clinic):
    make_clinician(app, clinic, "doc@example.org")
    with app.app_context():
        db.session.scalar(select(Clinician)).account.password_hash = accounts.hasher.hash(STRONG)
        db.session.commit()
    response = post(client, "/account/login", {"email": "doc@example.org", "password": STRONG, "remember": "y"})
    assert "remember_token" not in response.headers.get("Set-Cookie", "")
    with app.app_context():
        assert db.session.scalar(select(LoginSession.remember)) is False


def test_a_clinician_idle_for_more_than_15_minutes_is_signed_out(app, client, clinic):
    clinician = make_clinician(app, clinic, "doc@example.org")
    token = sign_in_clinician(app, client, clinician)
    assert client.get("/clinic/").status_code == 200
    with app.app_context():
        db.session.execute(update(LoginSession).values(seen_at=now() - dt.timedelta(minutes=16)))
        db.session.commit()
    assert client.get("/clinic/").location.startswith("/account/login")
    with app.app_context():
        assert db.session.get(LoginSession, hash_token(token)).ended_at is not None


def test_a_patient_account_has_no_clinician_area(client, sign_in, patient):
    sign_in(patient[0])
    assert client.get("/clinic/").status_code == 404


# --- joining, leaving, removing -----------------------------------------------------------------


def test_joining_shows_what_is_shared_and_needs_consent(app, client, pages, sign_in, make_account, clinic):
    account = make_account(email="sam@example.org")
    sign_in(account)
    typed = post(client, "/join", {"code": "rvrs-2345"}, token_from="/join")
    assert typed.location == "/join/RVRS2345"
    page = pages.get("/join/RVRS2345")
    text = page.get_text(" ", strip=True)
    assert "Riverside Skin Clinic" in text and "Every dose" in text and "will not see" in text
    refused = post(client, "/join/RVRS2345", {"person": account.people[0].id}, token_from="/join/RVRS2345")
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(ClinicLink)) is None
    joined = post(
        client, "/join/RVRS2345", {"person": account.people[0].id, "consent": "y"}, token_from="/join/RVRS2345"
    )
    assert joined.location == f"/people/{account.people[0].id}/sharing"
    assert "Riverside Skin Clinic" in pages.get(joined.location).get_text()


def test_a_code_with_look_alike_characters_or_unknown_finds_no_clinic(client, pages, sign_in, make_account, clinic):
    sign_in(make_account(email="sam@example.org"))
    assert post(client, "/join", {"code": "RVRS2345X"}, token_from="/join").status_code == 400
    pages.get("/join/NOPE0000", status=404)


def test_leaving_a_clinic_ends_the_clinicians_access_at_once(app, client, sign_in, patient, clinic):
    account, person_id = patient
    clinician = make_clinician(app, clinic, "doc@example.org")
    other = app.test_client()
    sign_in_clinician(app, other, clinician)
    assert other.get(f"/clinic/patients/{person_id}").status_code == 200
    sign_in(account)
    page = f"/people/{person_id}/sharing"
    response = client.post(f"{page}/{clinic.id}/leave", data={"csrf_token": csrf_from(client, page)})
    assert response.status_code == 302
    assert other.get(f"/clinic/patients/{person_id}").status_code == 404
    assert other.get(f"/clinic/patients/{person_id}/fhir.json").status_code == 404
    assert "Ana" not in other.get("/clinic/").get_data(as_text=True)


def test_a_clinician_removes_a_patient_and_the_patient_sees_it(app, client, pages, sign_in, patient, clinic):
    account, person_id = patient
    sign_in_clinician(app, client, make_clinician(app, clinic, "doc@example.org"))
    detail = f"/clinic/patients/{person_id}"
    unconfirmed = client.post(f"{detail}/remove", data={"csrf_token": csrf_from(client, detail)})
    assert unconfirmed.status_code == 303 and client.get(detail).status_code == 200
    removed = client.post(f"{detail}/remove", data={"csrf_token": csrf_from(client, detail), "confirm": "y"})
    assert removed.location == "/clinic/" and client.get(detail).status_code == 404
    patient_client = app.test_client()
    with app.app_context():
        login = LoginSession(token_hash=hash_token("patient-token-0123456789"), account_id=account.id, created_at=now())
        db.session.add(login)
        db.session.commit()
    with patient_client.session_transaction() as session:
        session["_user_id"] = "patient-token-0123456789"
    text = patient_client.get(f"/people/{person_id}/sharing").get_data(as_text=True)
    assert "no se comparte" in text or "not shared" in text
    assert "Dr Rivera" in text


# --- dashboard, detail, plan, review --------------------------------------------------------------


def test_the_dashboard_lists_linked_patients_with_why_they_need_attention(app, client, pages, patient, clinic,
                                                                         make_account):  # fmt: skip
    not_linked = make_account(email="zed@example.org", people=(("Zed", "Europe/London"),))
    sign_in_clinician(app, client, make_clinician(app, clinic, "doc@example.org"))
    page = pages.get("/clinic/")
    rows = page.select("table.dashboard tbody tr")
    assert [row.th.get_text(strip=True) for row in rows] == ["Ana"]
    assert "warning sign" in [li.get_text() for li in rows[0].select(".reasons li")]
    assert "Zed" not in page.get_text() and not_linked
    flagged = pages.get("/clinic/?filter=attention")
    assert len(flagged.select("table.dashboard tbody tr")) == 1
    assert pages.get("/clinic/?sort=name&order=asc").select_one("th[aria-sort=ascending]")
    assert client.get("/clinic/?sort=password").status_code == 400


def test_patient_detail_shows_plan_heatmap_reports_and_is_audited(app, client, pages, patient, clinic):
    _, person_id = patient
    sign_in_clinician(app, client, make_clinician(app, clinic, "doc@example.org"))
    page = pages.get(f"/clinic/patients/{person_id}")
    assert page.select_one("svg.heatmap-svg title").get_text() == "Doses, last 12 weeks"
    assert len(page.select("svg.heatmap-svg rect[class^=day-]")) == 84
    assert "08:00, 20:00" in page.get_text()
    assert page.select_one(".card.flagged")  # the red flag awaits review
    with app.app_context():
        event = db.session.scalar(select(AuditEvent))
        assert (event.action, event.actor_name, event.person_id) == ("read", "Dr Rivera", person_id)


def test_reviewing_a_red_flag_marks_it_and_clears_the_reason(app, client, pages, patient, clinic):
    _, person_id = patient
    sign_in_clinician(app, client, make_clinician(app, clinic, "doc@example.org"))
    with app.app_context():
        report_id = db.session.scalar(select(SideEffectReport.id))
    detail = f"/clinic/patients/{person_id}"
    url = f"{detail}/reports/{report_id}/review"
    response = client.post(url, data={"csrf_token": csrf_from(client, detail), "note": "Phoned; GP seeing today."})
    assert response.status_code == 302
    with app.app_context():
        report = db.session.get(SideEffectReport, report_id)
        assert report.reviewed_at is not None and report.review_note == "Phoned; GP seeing today."
    reasons = [li.get_text() for li in pages.get("/clinic/").select(".reasons li")]
    assert "warning sign" not in reasons


def test_a_plan_change_is_bounded_audited_and_told_to_the_patient_in_their_language(app, client, pages, patient,
                                                                                    clinic):  # fmt: skip
    _, person_id = patient
    sign_in_clinician(app, client, make_clinician(app, clinic, "doc@example.org"))
    detail = f"/clinic/patients/{person_id}"
    form = {"first_time": "09:00", "second_time": "21:00", "early_minutes": "120", "cutoff_minutes": "360",
            "min_gap_minutes": "360", "review_date": "2027-01-15"}  # fmt: skip
    too_wide = client.post(f"{detail}/plan", data={"csrf_token": csrf_from(client, detail), **form,
                                                   "cutoff_minutes": "900"})  # fmt: skip
    assert too_wide.status_code == 400 and "between 60 and 720" in too_wide.get_data(as_text=True).lower()
    clash = client.post(f"{detail}/plan", data={"csrf_token": csrf_from(client, detail), **form,
                                                "second_time": "10:00"})  # fmt: skip
    assert clash.status_code == 400 and "too close together" in clash.get_data(as_text=True)
    saved = client.post(f"{detail}/plan", data={"csrf_token": csrf_from(client, detail), **form})
    assert saved.status_code == 302
    with app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.person_id == person_id, Plan.status == "active"))
        assert plan.times == ["09:00", "21:00"] and plan.review_date == dt.date(2027, 1, 15)
        change = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan-change"))
        assert "times 08:00, 20:00 -> 09:00, 21:00" in change.detail
        notice = db.session.scalar(select(InboxMessage).where(InboxMessage.kind == "plan"))
        assert notice.person_id == person_id and "09:00, 21:00" in notice.body
        future = ledger.slots_between(db.session.get(__import__("app.models", fromlist=["Person"]).Person, person_id),
                                     now() + dt.timedelta(days=2), now() + dt.timedelta(days=3))  # fmt: skip
        assert {slot.local_time for slot in future} == {"09:00", "21:00"}


def test_the_audit_log_refuses_changes_to_what_it_recorded(app, patient, clinic):
    _, person_id = patient
    with app.app_context():
        clinician = db.session.get(Clinician, make_clinician(app, clinic, "doc@example.org").id)
        from app.clinics import audit

        audit.record(clinician, db.session.get(__import__("app.models", fromlist=["Person"]).Person, person_id),
                     audit.READ, "", now())  # fmt: skip
        with pytest.raises(DBAPIError):
            db.session.execute(update(AuditEvent).values(action="export"))
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(AuditEvent.action)) == "read"


# --- exports and the my-plan leaflet ---------------------------------------------------------------


def test_exports_download_and_each_one_is_in_the_patients_who_viewed_list(app, client, patient, clinic):
    _, person_id = patient
    sign_in_clinician(app, client, make_clinician(app, clinic, "doc@example.org"))
    fhir = client.get(f"/clinic/patients/{person_id}/fhir.json")
    assert fhir.mimetype == "application/fhir+json" and "attachment" in fhir.headers["Content-Disposition"]
    assert json.loads(fhir.data)["resourceType"] == "Bundle"
    slots = client.get(f"/clinic/patients/{person_id}/export/slots.csv")
    assert slots.mimetype == "text/csv" and slots.get_data(as_text=True).startswith("\ufefflocal_date,")
    assert client.get(f"/clinic/patients/{person_id}/export/passwords.csv").status_code == 404
    assert client.get(f"/clinic/patients/{person_id}/fhir.json?days=100000").status_code == 400
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "export")).all()
    assert len(actions) == 2 and actions[0].startswith("FHIR") and actions[1].startswith("CSV slots")


def test_the_my_plan_leaflet_is_a_pdf_in_the_patients_language_with_their_cut_offs(app, client, patient, clinic):
    from io import BytesIO

    from pypdf import PdfReader

    _, person_id = patient
    sign_in_clinician(app, client, make_clinician(app, clinic, "doc@example.org"))
    response = client.get(f"/clinic/patients/{person_id}/my-plan.pdf?paper=letter")
    assert response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    # Each dose time with its cut-off, as a Spanish reader writes times (8:00, not 08:00).
    assert re.search(r"\b8:00 14:00\s+20:00 2:00\b", text), text
    assert "Pimecrolimus" in text
    assert "Riverside Skin Clinic" in text
    assert client.get(f"/clinic/patients/{person_id}/my-plan.pdf?paper=a3").status_code == 400


# --- invitations ---------------------------------------------------------------------------------


def test_an_admin_invites_a_clinician_by_email_and_the_link_works_once(app, client, pages, inbox, clinic):
    sign_in_clinician(app, client, make_clinician(app, clinic, "admin@example.org", admin=True))
    sent = client.post("/clinic/invite", data={"csrf_token": csrf_from(client, "/clinic/invite"),
                                               "email": "new@example.org"})  # fmt: skip
    assert sent.status_code == 302
    (message,) = inbox.messages
    assert message["To"] == "new@example.org" and "Riverside Skin Clinic" in message["Subject"]
    path = urlsplit(re.search(r"https?://\S+/clinic/invite/\S+", message.get_body(("plain",)).get_content())[0]).path
    newcomer = app.test_client()
    accepted = newcomer.post(path, data={"csrf_token": csrf_from(newcomer, path), "name": "Dr New", "password": STRONG})
    assert accepted.location == "/account/login"
    with app.app_context():
        new = db.session.scalar(select(Clinician).where(Clinician.name == "Dr New"))
        assert new.clinic_id == clinic.id and not new.is_admin and new.totp_enrolled_at is None
    assert newcomer.get(path).status_code == 404


def test_only_a_clinic_admin_may_invite(app, client, clinic):
    sign_in_clinician(app, client, make_clinician(app, clinic, "doc@example.org"))
    assert client.get("/clinic/invite").status_code == 403


# --- command line ---------------------------------------------------------------------------------


def test_create_clinic_and_create_clinician_commands(app, runner):
    made = runner.invoke(args=["create-clinic", "--name", "Hillside", "--phone", "+1 555 0100"])
    assert made.exit_code == 0, made.output
    code = re.search(r"join code (\S+)", made.output)[1]
    assert len(code) == 8 and not set(code) & set("0O1IL")
    weak = runner.invoke(args=["create-clinician", "--clinic", "1", "--email", "a@example.org", "--name", "A",
                               "--password", "password"])  # fmt: skip
    assert weak.exit_code != 0 and "too easy to guess" in weak.output
    good = runner.invoke(args=["create-clinician", "--clinic", "1", "--email", "a@example.org", "--name", "Dr A",
                               "--admin", "--password", STRONG])  # fmt: skip
    assert good.exit_code == 0, good.output
    with app.app_context():
        assert db.session.scalar(select(Clinician)).is_admin


def test_seed_demo_prints_how_to_sign_in_and_demo_code_gives_a_working_code(app, runner, monkeypatch):
    from app.clinics import demo

    monkeypatch.setattr(demo, "DEMO_PATIENTS", 3)
    seeded = runner.invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    secret = re.search(r"TOTP key:\s+(\S+)", seeded.output)[1]
    password = re.search(r"password:\s+(\S+)", seeded.output)[1]
    with app.app_context():
        clinician = db.session.scalar(select(Clinician))
        assert accounts.authenticate(clinician.account.email, password, "127.0.0.1", now()) is not None
        assert db.session.scalar(select(db.func.count()).select_from(ClinicLink)) == 3
    code = runner.invoke(args=["demo-code"]).output.strip()
    assert pyotp.TOTP(secret).verify(code, valid_window=1)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "exists already" in again.output


def test_make_run_offers_the_demo_only_on_an_empty_database_and_only_at_a_terminal(app, runner, monkeypatch):
    from app.clinics import demo
    from app.models import Clinic

    monkeypatch.setattr(demo, "DEMO_PATIENTS", 2)
    assert "flask seed-demo" in runner.invoke(args=["offer-demo"]).output  # not a terminal: a hint only
    monkeypatch.setattr("app.cli.at_terminal", lambda: True)
    runner.invoke(args=["offer-demo"], input="n\n")
    with app.app_context():
        assert db.session.scalar(select(Clinic)) is None
    accepted = runner.invoke(args=["offer-demo"], input="y\n")
    assert "Demo clinic ready" in accepted.output, accepted.output
    asked_again = runner.invoke(args=["offer-demo"], input="y\n")
    assert asked_again.output == ""  # the database has accounts now: nothing is offered


# --- clinic leaflets -------------------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("zbarimg") or not shutil.which("pdftoppm"), reason="needs zbar-tools, poppler")
def test_a_clinicians_leaflet_carries_the_clinic_and_a_join_qr_code(app, client, pages, clinic, tmp_path):
    sign_in_clinician(app, client, make_clinician(app, clinic, "doc@example.org"))
    builder = pages.get("/en/medicines/pimecrolimus/leaflet")
    filled = {name: builder.find("input", attrs={"name": name})["value"] for name in ("clinic_name", "join_code")}
    assert filled == {"clinic_name": "Riverside Skin Clinic", "join_code": "RVRS2345"}
    pdf = client.get("/en/medicines/pimecrolimus/leaflet.pdf?topics=storage&clinic_name=Riverside+Skin+Clinic"
                     "&join_code=rvrs2345")  # fmt: skip
    assert pdf.mimetype == "application/pdf"
    (tmp_path / "leaflet.pdf").write_bytes(pdf.data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "leaflet.pdf"), str(tmp_path / "page")], check=True)
    images = sorted(str(p) for p in tmp_path.glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", *images], capture_output=True, text=True).stdout.split()
    assert "http://127.0.0.1:8000/join/RVRS2345" in decoded
    assert client.get("/en/medicines/pimecrolimus/leaflet.pdf?join_code=NOPE2345").status_code == 400
    anonymous = app.test_client().get("/en/medicines/pimecrolimus/leaflet")
    assert 'value="RVRS2345"' not in anonymous.get_data(as_text=True)  # only a clinician's page is filled in


def test_the_patient_sees_every_look_and_download_in_who_viewed_my_data(app, client, pages, sign_in, patient, clinic):
    account, person_id = patient
    doctor = app.test_client()
    sign_in_clinician(app, doctor, make_clinician(app, clinic, "doc@example.org"))
    doctor.get("/clinic/")  # the dashboard shows Ana's figures
    doctor.get(f"/clinic/patients/{person_id}")
    doctor.get(f"/clinic/patients/{person_id}/export/poem.csv")
    sign_in(account)
    rows = pages.get(f"/people/{person_id}/sharing").select("table tbody tr")
    seen = [[cell.get_text(strip=True) for cell in row.select("td")][1:] for row in rows]
    assert [who for who, _ in seen] == ["Dr Rivera, Riverside Skin Clinic"] * 3
    # Ana reads Spanish: newest first, a download, then two looks (the detail page, the dashboard).
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc())).all()
    assert actions == ["export", "read", "read"] and len({what for _, what in seen}) == 2


def test_wrong_codes_count_with_wrong_passwords_and_end_the_session_at_the_limit(app, client, clinic):
    clinician = make_clinician(app, clinic, "doc@example.org")
    token = sign_in_clinician(app, client, clinician, verified=False)
    for attempt in range(accounts.MAX_FAILURES_PER_EMAIL):
        response = post(client, "/clinic/verify", {"code": "000000"}, token_from="/clinic/verify")
        if attempt < accounts.MAX_FAILURES_PER_EMAIL - 1:
            assert response.status_code == 400
    assert response.location == "/account/login"
    assert "Too many wrong codes" in client.get("/account/login").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LoginSession, hash_token(token)).ended_at is not None
        assert accounts.is_limited("doc@example.org", "127.0.0.1", now())  # the password step waits too
