"""The people in an account: list, add a child, change a name or time zone, and nobody else's."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.extensions import db
from app.models import DoseSlot, Person
from app.patients.plans import PlanInput, create_plan
from tests.conftest import NOW, check_page

THE_DAY_AFTER_TOMORROW = NOW.date() + dt.timedelta(days=2)


@pytest.fixture
def clock(monkeypatch):
    """The account views see NOW as the time."""
    monkeypatch.setattr("app.web.auth.routes.utcnow", lambda: NOW)


@pytest.fixture
def parent(make_account, sign_in, clock):
    """A signed-in account holding one person in London."""
    account = make_account(people=(("Alex", "Europe/London"),))
    sign_in(account)
    return account


def submit(pages, url, data, status=302):
    """Fetch the form page (checked) and post `data` with its CSRF token; an answer page is checked too."""
    token = pages.get(url).find("input", attrs={"name": "csrf_token"})["value"]
    response = pages.client.post(url, data={"csrf_token": token, **data})
    assert response.status_code == status, f"{url}: {response.status_code}"
    if status != 302:
        response.soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        check_page(response.soup, url)
    return response


def people_in(app, account) -> list[tuple[str, str]]:
    with app.app_context():
        query = select(Person).where(Person.account_id == account.id).order_by(Person.id)
        return [(p.name, p.timezone) for p in db.session.scalars(query)]


def test_the_people_page_needs_sign_in(client):
    response = client.get("/account/people")
    assert response.status_code == 302 and response.location.startswith("/account/login")


def test_the_people_page_lists_everyone_in_the_account_with_a_way_to_change_them(pages, make_account, sign_in):
    account = make_account(people=(("Alex", "Europe/London"), ("Sam", "America/New_York")))
    sign_in(account)
    soup = pages.get("/account/people")
    assert [a.get_text(strip=True) for a in soup.select(".topic-list li > a")] == ["Alex", "Sam"]
    assert "Time zone: America/New York" in soup.get_text()
    sam = account.people[1]
    assert soup.find("a", href=f"/account/people/{sam.id}/edit").get_text(strip=True) == "Change Sam"
    assert soup.find("a", href="/account/people/new")


def test_a_parent_adds_a_child_who_then_appears_in_the_list(app, pages, parent):
    form = pages.get("/account/people/new")
    assert form.select_one("#timezone option[selected]")["value"] == "Europe/London", "the account's zone by default"
    response = submit(pages, "/account/people/new", {"name": " Sam ", "timezone": "Europe/Madrid"})
    assert response.location == "/account/people"
    assert people_in(app, parent) == [("Alex", "Europe/London"), ("Sam", "Europe/Madrid")]
    soup = pages.get("/account/people")
    assert "Sam is added." in soup.select_one(".flashes").get_text()


def test_a_person_needs_a_name_and_a_real_time_zone(app, pages, parent):
    response = submit(pages, "/account/people/new", {"name": "  ", "timezone": "Atlantis/Capital"}, status=400)
    messages = response.soup.select_one(".error-summary").get_text()
    assert "Enter a name or a nickname." in messages
    assert "Choose a time zone from the list." in messages
    assert people_in(app, parent) == [("Alex", "Europe/London")]


def test_a_name_longer_than_eighty_characters_is_refused(pages, parent):
    response = submit(pages, "/account/people/new", {"name": "x" * 81, "timezone": "Europe/London"}, status=400)
    assert "Use 80 characters or fewer." in response.soup.select_one("#name-error").get_text()


def test_a_person_can_be_renamed(app, pages, parent):
    person = parent.people[0]
    soup = pages.get(f"/account/people/{person.id}/edit")
    assert soup.select_one("#name")["value"] == "Alex"
    assert soup.select_one("input[data-timezone-for]")["data-keep-choice"] == "true", "the script keeps a saved zone"
    submit(pages, f"/account/people/{person.id}/edit", {"name": "Alexandra", "timezone": "Europe/London"})
    assert people_in(app, parent) == [("Alexandra", "Europe/London")]


def scheduled_at(app, person, local_date, local_time):
    with app.app_context():
        query = select(DoseSlot.scheduled_at).where(
            DoseSlot.person_id == person.id, DoseSlot.local_date == local_date, DoseSlot.local_time == local_time
        )
        return db.session.scalars(query).one()


def test_changing_the_time_zone_moves_future_doses_to_the_same_local_times(app, pages, parent):
    person = parent.people[0]
    with app.app_context():
        create_plan(
            db.session.get(Person, person.id),
            PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], NOW.date()),
            NOW,
        )
    assert scheduled_at(app, person, THE_DAY_AFTER_TOMORROW, "08:00") == dt.datetime(2026, 6, 3, 7, 0, tzinfo=dt.UTC)
    submit(pages, f"/account/people/{person.id}/edit", {"name": "Alex", "timezone": "America/New_York"})
    assert scheduled_at(app, person, THE_DAY_AFTER_TOMORROW, "08:00") == dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC)


def test_another_accounts_person_is_not_found_and_not_changed(app, pages, client, make_account, parent):
    stranger = make_account(email="other@example.org", people=(("Robin", "Asia/Tokyo"),)).people[0]
    pages.get(f"/account/people/{stranger.id}/edit", status=404)
    token = pages.get("/account/people/new").find("input", attrs={"name": "csrf_token"})["value"]
    data = {"csrf_token": token, "name": "Mine now", "timezone": "Europe/London"}
    assert client.post(f"/account/people/{stranger.id}/edit", data=data).status_code == 404
    with app.app_context():
        assert db.session.get(Person, stranger.id).name == "Robin"


def test_a_person_that_does_not_exist_is_not_found(pages, parent):
    pages.get("/account/people/99999/edit", status=404)
