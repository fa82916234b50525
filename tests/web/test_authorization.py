"""The authorization matrix: every route, and what a visitor, the owner, another account and three
kinds of clinician get.

The owner is signed in and owns the person and records in the URL; "other" is signed in as a
different account and uses the same URL (so an id changed in a URL or an API call gets a 404).
The owner's person shares with one clinic: "clinician" works there, "admin" is its clinic admin,
and "stranger" works at another clinic (so a clinician who changes a patient id gets a 404). Each
clinician has passed the TOTP step; a clinician's account has no people of its own.
Each request carries a valid CSRF token and an empty form or body: 400/422 mean "you may, but
this input is not valid"; a form that only edits (account settings, a person) keeps its values.
A route missing from MATRIX fails the test: add it with the answers you expect.
"""

import datetime as dt
import re

import pytest

from app.extensions import db
from app.measures.poem import ITEMS as POEM_ITEMS
from app.models import InboxMessage, SideEffectReport
from app.patients import doses, ledger, plans, symptoms
from tests.clinic_fixtures import link, make_clinic, make_clinician, sign_in_clinician
from tests.conftest import NOW

VISITOR, OWNER, OTHER = "visitor", "owner", "other"
# Clinicians: of the owner's clinic, of another clinic, and the admin of the owner's clinic.
CLINICIAN, STRANGER, ADMIN = "clinician", "stranger", "admin"
ROLES = (VISITOR, OWNER, OTHER, CLINICIAN, STRANGER, ADMIN)
LOGIN = 302  # pages send a visitor to sign in
# rule -> {method: (visitor, owner, other, clinician, stranger, admin)}
MATRIX = {
    "/": {"GET": (302, 302, 302, 302, 302, 302)},
    "/<locale>/": {"GET": (200, 200, 200, 200, 200, 200)},
    "/<locale>/offline": {"GET": (200, 200, 200, 200, 200, 200)},
    "/<locale>/medicines/<medicine>/": {"GET": (200, 200, 200, 200, 200, 200)},
    "/<locale>/medicines/<medicine>/<topic>": {"GET": (200, 200, 200, 200, 200, 200)},
    "/<locale>/medicines/<medicine>/how-much-cream": {"GET": (200, 200, 200, 200, 200, 200)},
    "/<locale>/medicines/<medicine>/leaflet": {"GET": (200, 200, 200, 200, 200, 200)},
    "/<locale>/medicines/<medicine>/leaflet.pdf": {"GET": (200, 200, 200, 200, 200, 200)},
    "/<locale>/medicines/<medicine>/search": {"GET": (200, 200, 200, 200, 200, 200)},
    "/healthz": {"GET": (200, 200, 200, 200, 200, 200)},
    "/metrics": {"GET": (404, 404, 404, 404, 404, 404)},  # off unless METRICS_ENABLED (tests/ops/test_metrics.py)
    # What browsers and crawlers ask for by themselves; /today, the installed app's start, sends each
    # to their own landing page (a visitor to sign in).
    "/manifest.webmanifest": {"GET": (200, 200, 200, 200, 200, 200)},
    "/robots.txt": {"GET": (200, 200, 200, 200, 200, 200)},
    "/favicon.ico": {"GET": (200, 200, 200, 200, 200, 200)},
    "/apple-touch-icon.png": {"GET": (200, 200, 200, 200, 200, 200)},
    "/apple-touch-icon-precomposed.png": {"GET": (200, 200, 200, 200, 200, 200)},
    "/today": {"GET": (LOGIN, 302, 302, 302, 302, 302)},
    "/account/login": {"GET": (200, 302, 302, 302, 302, 302), "POST": (400, 400, 400, 400, 400, 400)},
    "/account/logout": {"POST": (302, 302, 302, 302, 302, 302)},
    "/account/signup": {"GET": (200, 200, 200, 200, 200, 200), "POST": (400, 400, 400, 400, 400, 400)},
    "/account/reset": {"GET": (200, 200, 200, 200, 200, 200), "POST": (400, 400, 400, 400, 400, 400)},
    "/account/reset/sent": {"GET": (200, 200, 200, 200, 200, 200)},
    "/account/reset/<token>": {"GET": (404, 404, 404, 404, 404, 404), "POST": (404, 404, 404, 404, 404, 404)},
    "/account/people": {"GET": (LOGIN, 200, 200, 200, 200, 200)},
    "/account/people/new": {"GET": (LOGIN, 200, 200, 200, 200, 200), "POST": (LOGIN, 400, 400, 400, 400, 400)},
    "/account/people/<int:person_id>/edit": {
        "GET": (LOGIN, 200, 404, 404, 404, 404),
        "POST": (LOGIN, 302, 404, 404, 404, 404),
    },
    "/account/settings": {"GET": (LOGIN, 200, 200, 200, 200, 200), "POST": (LOGIN, 302, 302, 302, 302, 302)},
    "/account/language": {"POST": (LOGIN, 400, 400, 400, 400, 400)},
    "/people/<int:person_id>/today": {"GET": (LOGIN, 200, 404, 404, 404, 404)},
    "/people/<int:person_id>/plan": {"GET": (LOGIN, 200, 404, 404, 404, 404), "POST": (LOGIN, 400, 404, 404, 404, 404)},
    "/people/<int:person_id>/my-plan.pdf": {"GET": (LOGIN, 200, 404, 404, 404, 404)},
    "/people/<int:person_id>/plan/status": {"POST": (LOGIN, 302, 404, 404, 404, 404)},
    "/people/<int:person_id>/missed-dose": {"GET": (LOGIN, 200, 404, 404, 404, 404)},
    "/people/<int:person_id>/applications": {"POST": (LOGIN, 302, 404, 404, 404, 404)},
    "/people/<int:person_id>/applications/<int:application_id>/undo": {"POST": (LOGIN, 302, 404, 404, 404, 404)},
    "/people/<int:person_id>/slots/<int:slot_id>/skip": {"POST": (LOGIN, 400, 404, 404, 404, 404)},
    "/people/<int:person_id>/symptoms": {"GET": (LOGIN, 200, 404, 404, 404, 404)},
    "/people/<int:person_id>/itch": {"GET": (LOGIN, 200, 404, 404, 404, 404), "POST": (LOGIN, 400, 404, 404, 404, 404)},
    "/people/<int:person_id>/side-effects": {
        "GET": (LOGIN, 200, 404, 404, 404, 404),
        "POST": (LOGIN, 400, 404, 404, 404, 404),
    },
    "/people/<int:person_id>/side-effects/<int:report_id>": {"GET": (LOGIN, 200, 404, 404, 404, 404)},
    "/people/<int:person_id>/poem": {"GET": (LOGIN, 200, 404, 404, 404, 404), "POST": (LOGIN, 400, 404, 404, 404, 404)},
    "/people/<int:person_id>/poem/<int:response_id>": {"GET": (LOGIN, 200, 404, 404, 404, 404)},
    "/people/<int:person_id>/history": {"GET": (LOGIN, 200, 404, 404, 404, 404)},
    "/people/<int:person_id>/data": {"GET": (LOGIN, 200, 404, 404, 404, 404)},
    "/people/<int:person_id>/data/export": {"POST": (LOGIN, 200, 404, 404, 404, 404)},
    "/people/<int:person_id>/data/delete": {
        "GET": (LOGIN, 200, 404, 404, 404, 404),
        "POST": (LOGIN, 400, 404, 404, 404, 404),
    },
    "/people/<int:person_id>/data/delete-account": {
        "GET": (LOGIN, 200, 404, 404, 404, 404),
        "POST": (LOGIN, 400, 404, 404, 404, 404),
    },
    "/people/<int:person_id>/reminders": {
        "GET": (LOGIN, 200, 404, 404, 404, 404),
        "POST": (LOGIN, 400, 404, 404, 404, 404),
    },
    "/people/<int:person_id>/reminders/calendar": {"POST": (LOGIN, 302, 404, 404, 404, 404)},
    "/people/<int:person_id>/reminders/push": {
        "POST": (401, 400, 404, 404, 404, 404)
    },  # JSON for push.js: never a redirect
    "/people/<int:person_id>/reminders/push/remove": {"POST": (401, 400, 404, 404, 404, 404)},
    "/people/<int:person_id>/inbox": {"GET": (LOGIN, 200, 404, 404, 404, 404)},
    "/people/<int:person_id>/inbox/read": {"POST": (LOGIN, 302, 404, 404, 404, 404)},
    "/people/<int:person_id>/inbox/<int:message_id>/snooze": {"POST": (LOGIN, 302, 404, 404, 404, 404)},
    # Token-authenticated (the token, not the session, says whose it is): no token here is valid, so
    # everyone gets a 404; tests/web/test_reminders.py covers valid, tampered and foreign tokens.
    "/people/<int:person_id>/reminders/act": {"POST": (404, 404, 404, 404, 404, 404)},
    "/calendar/<token>.ics": {"GET": (404, 404, 404, 404, 404, 404)},
    "/sw.js": {"GET": (200, 200, 200, 200, 200, 200)},
    "/api/v1/csrf-token": {"GET": (200, 200, 200, 200, 200, 200)},
    "/api/v1/openapi.json": {"GET": (200, 200, 200, 200, 200, 200)},
    "/api/v1/people": {"GET": (401, 200, 200, 200, 200, 200)},
    "/api/v1/people/<int:person_id>/today": {"GET": (401, 200, 404, 404, 404, 404)},
    "/api/v1/people/<int:person_id>/applications": {"POST": (401, 201, 404, 404, 404, 404)},
    "/api/v1/people/<int:person_id>/applications/<int:application_id>": {"DELETE": (401, 200, 404, 404, 404, 404)},
    "/api/v1/people/<int:person_id>/skips": {"POST": (401, 422, 404, 404, 404, 404)},
    "/api/v1/people/<int:person_id>/itch": {"POST": (401, 422, 404, 404, 404, 404)},
    "/api/v1/people/<int:person_id>/side-effects": {"POST": (401, 422, 404, 404, 404, 404)},
    "/api/v1/people/<int:person_id>/poem": {"POST": (401, 422, 404, 404, 404, 404)},
    "/api/v1/people/<int:person_id>/history": {"GET": (401, 200, 404, 404, 404, 404)},
    "/api/v1/people/<int:person_id>/calendar": {"GET": (401, 200, 404, 404, 404, 404)},
    # Sharing with a clinic (patients), and the clinician area.
    "/join": {"GET": (LOGIN, 200, 200, 200, 200, 200), "POST": (LOGIN, 400, 400, 400, 400, 400)},
    "/join/<code>": {"GET": (LOGIN, 200, 200, 302, 302, 302), "POST": (LOGIN, 400, 400, 302, 302, 302)},
    "/people/<int:person_id>/sharing": {"GET": (LOGIN, 200, 404, 404, 404, 404)},
    "/people/<int:person_id>/sharing/<int:clinic_id>/leave": {"POST": (LOGIN, 302, 404, 404, 404, 404)},
    "/clinic/": {"GET": (LOGIN, 404, 404, 200, 200, 200)},
    "/clinic/verify": {"GET": (LOGIN, 404, 404, 200, 200, 200), "POST": (LOGIN, 404, 404, 400, 400, 400)},
    "/clinic/enrol": {"GET": (LOGIN, 404, 404, 302, 302, 302), "POST": (LOGIN, 404, 404, 302, 302, 302)},
    "/clinic/invite": {"GET": (LOGIN, 404, 404, 403, 403, 200), "POST": (LOGIN, 404, 404, 403, 403, 400)},
    "/clinic/invite/<token>": {"GET": (404, 404, 404, 404, 404, 404), "POST": (404, 404, 404, 404, 404, 404)},
    "/clinic/patients/<int:person_id>": {"GET": (LOGIN, 404, 404, 200, 404, 200)},
    "/clinic/patients/<int:person_id>/plan": {"POST": (LOGIN, 404, 404, 400, 404, 400)},
    "/clinic/patients/<int:person_id>/reports/<int:report_id>/review": {"POST": (LOGIN, 404, 404, 302, 404, 302)},
    "/clinic/patients/<int:person_id>/remove": {"POST": (LOGIN, 404, 404, 303, 404, 303)},
    "/clinic/patients/<int:person_id>/export/<table>.csv": {"GET": (LOGIN, 404, 404, 200, 404, 200)},
    "/clinic/patients/<int:person_id>/fhir.json": {"GET": (LOGIN, 404, 404, 200, 404, 200)},
    "/clinic/patients/<int:person_id>/my-plan.pdf": {"GET": (LOGIN, 404, 404, 200, 404, 200)},
}
EXEMPT = {"/static/<path:filename>"}


def normalise(rule: str) -> str:
    """Converter arguments (int(min=1, ...)) do not change who may see a route."""
    return re.sub(r"<int\([^)]*\):", "<int:", rule)


def test_every_route_has_an_entry(app):
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule not in EXEMPT:
            routes.setdefault(normalise(rule.rule), set()).update(rule.methods - {"HEAD", "OPTIONS"})
    assert {r: sorted(m) for r, m in routes.items()} == {r: sorted(m) for r, m in MATRIX.items()}


@pytest.fixture
def world(app, make_account):
    """An owner with a plan, an application, a skip-able slot, a side-effect report, a POEM and an inbox
    message; and another account."""
    owner = make_account(email="owner@example.org")
    other = make_account(email="other@example.org")
    with app.app_context():
        person = db.session.merge(owner.people[0])
        plans.create_plan(person, plans.PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], NOW.date()), NOW)
        application_id, _ = doses.record_application(person, NOW, NOW)
        slot = ledger.slots_between(person, NOW + dt.timedelta(hours=6), NOW + dt.timedelta(days=1))[0]
        symptoms.report_side_effects(person, ["redness"], "", ["swollen_glands"], NOW)
        report = db.session.scalars(db.select(SideEffectReport)).first()
        poem = symptoms.answer_poem(person, dict.fromkeys(POEM_ITEMS, 1), NOW)
        message = InboxMessage(person_id=person.id, slot_id=slot.id, kind="due", title="Time", body="", created_at=NOW)
        db.session.add(message)
        db.session.commit()
        ids = {"person_id": person.id, "application_id": application_id, "slot_id": slot.id,
               "report_id": report.id, "response_id": poem.id, "message_id": message.id}  # fmt: skip
    ours, theirs = make_clinic(app), make_clinic(app, name="Elsewhere", code="ELSW2345")
    link(app, ids["person_id"], ours)
    clinicians = {CLINICIAN: make_clinician(app, ours, "doc@example.org"),
                  STRANGER: make_clinician(app, theirs, "far@example.org"),
                  ADMIN: make_clinician(app, ours, "admin@example.org", admin=True)}  # fmt: skip
    return {OWNER: owner, OTHER: other, **clinicians}, {**ids, "clinic_id": ours.id}


def url_for_rule(rule: str, ids: dict) -> str:
    values = {"<locale>": "en", "<medicine>": "pimecrolimus", "<topic>": "sun", "<token>": "not-a-real-token",
              "<code>": "RVRS2345", "<table>": "slots"}  # fmt: skip
    values.update({f"<int:{name}>": str(value) for name, value in ids.items()})
    for placeholder, value in values.items():
        rule = rule.replace(placeholder, value)
    return rule


def call(client, method: str, url: str):
    """Send the request as a browser or script would: with a valid CSRF token, an empty form or body."""
    token = client.get("/api/v1/csrf-token").json["csrf_token"]
    if url.startswith("/api/"):
        return client.open(url, method=method, json={}, headers={"X-CSRFToken": token})
    return client.open(url, method=method, data={"csrf_token": token} if method != "GET" else None)


CASES = [(rule, method, role) for rule, methods in MATRIX.items() for method in methods for role in ROLES]


@pytest.mark.parametrize(("rule", "method", "role"), CASES, ids=[f"{m} {r} as {who}" for r, m, who in CASES])
def test_each_route_answers_each_role_as_expected(app, client, world, sign_in, rule, method, role, monkeypatch):
    for module in ("app.web.patient.routes", "app.web.api.routes", "app.web.reminders.routes"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: NOW + dt.timedelta(minutes=5))
    who, ids = world
    if role in (OWNER, OTHER):
        sign_in(who[role])
    elif role != VISITOR:
        sign_in_clinician(app, client, who[role])
    response = call(client, method, url_for_rule(rule, ids))
    response.close()  # a file sent as it is (/sw.js) stays open until the response is closed
    expected = MATRIX[rule][method][ROLES.index(role)]
    assert response.status_code == expected, f"{method} {rule} as {role}: {response.status_code}"
