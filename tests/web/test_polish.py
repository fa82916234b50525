"""Print and polish (issue 16): whose page it is, and confirmations that screen readers announce."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from flask import flash, render_template_string

from app.extensions import db
from app.measures.poem import ITEMS as POEM_ITEMS
from app.models import SideEffectReport
from app.patients import plans, symptoms
from tests.conftest import NOW
from tests.web.test_authorization import MATRIX, OWNER, ROLES, url_for_rule

# Personal pages the owner can open; the account deletion page is the whole account's, not one person's:
# it lists everyone it deletes, so no one name goes in its heading.
ACCOUNT_PAGES = {"/people/<int:person_id>/data/delete-account"}
PERSONAL_PAGES = [
    rule
    for rule, methods in MATRIX.items()
    if rule.startswith("/people/<int:person_id>/")
    and methods.get("GET", ())[ROLES.index(OWNER) : ROLES.index(OWNER) + 1] == (200,)
    and not rule.endswith(".pdf")
    and rule not in ACCOUNT_PAGES
]


@pytest.fixture
def records(app, make_account, sign_in):
    """A signed-in account of two people; the first has a plan, a side-effect report and a POEM answer."""
    account = make_account(people=(("Ana", "Europe/London"), ("Tomás", "Europe/London")))
    sign_in(account)
    with app.app_context():
        person = db.session.merge(account.people[0])
        plans.create_plan(person, plans.PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], NOW.date()), NOW)
        symptoms.report_side_effects(person, ["redness"], "", [], NOW)
        report = db.session.scalars(db.select(SideEffectReport)).first()
        poem = symptoms.answer_poem(person, dict.fromkeys(POEM_ITEMS, 1), NOW)
        return {"person_id": person.id, "report_id": report.id, "response_id": poem.id}


def test_there_are_personal_pages_to_check():
    assert "/people/<int:person_id>/today" in PERSONAL_PAGES and len(PERSONAL_PAGES) >= 12


@pytest.mark.parametrize("rule", PERSONAL_PAGES)
def test_every_personal_page_names_the_person_in_its_heading(pages, records, rule):
    heading = pages.get(url_for_rule(rule, records)).h1
    assert "Ana" in heading.get_text(), f"{rule}: {heading}"
    assert "Tomás" not in heading.get_text()


def test_today_keeps_its_date_beside_the_name(pages, records):
    sub = pages.get(f"/people/{records['person_id']}/today").select_one("h1 .h1-sub").get_text()
    name, date = sub.split(" · ")
    assert name == "Ana" and date[-4:].isdigit()


def test_a_saved_answer_is_a_polite_status_message(pages, person, post):
    response = post(f"/people/{person.id}/itch", {"peak": "5"})
    status = pages.get(response.location).select_one(".flashes")
    assert status["role"] == "status"
    assert status.get_text(strip=True) == "Your itch score is saved."


def test_errors_are_alerts_and_other_messages_stay_polite(app):
    with app.test_request_context():
        flash("Saved.", "info")
        flash("That did not work.", "error")
        html = render_template_string('{% from "components/flashes.html" import flashes %}{{ flashes() }}')
    regions = {div["role"]: div.get_text(strip=True) for div in BeautifulSoup(html, "html.parser").select(".flashes")}
    assert regions == {"alert": "That did not work.", "status": "Saved."}
