""" "I applied it earlier, at HH:MM" on the nights the clocks change: which instant is stored.

A time in the repeated hour of a fall-back night is asked about (which one?) before anything is
stored; a time the clocks skipped is refused. Both through the Today page's own form, without
JavaScript: the page shown again carries everything the second submission needs.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.extensions import db
from app.models import Application
from tests.conftest import check_page, csrf_from
from tests.web.test_patient import set_plan, text

UTC = dt.UTC
CHOOSE = "The clocks went back that night, so this time happened twice. Choose which one it was."
GAP = "The clocks went forward at that time, so it did not exist. Enter the time a clock showed when you applied it."


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """Set the instant the patient views see as now (as tests/web/test_patient.py does)."""
    state = {"now": utc(2026, 6, 1, 9)}
    monkeypatch.setattr("app.web.patient.routes.utcnow", lambda: state["now"])
    return lambda instant: state.update(now=instant)


@pytest.fixture
def patient_in(make_account, sign_in, client, clock):
    """Factory: a signed-in patient in a zone, with an 08:00/20:00 plan made days before `now`.

    Days, not weeks: slots are made 14 days ahead, and the scheduler that extends them does not run here.
    """

    def make(zone, now):
        account = make_account(people=(("Me", zone),))
        sign_in(account)
        person = account.people[0]
        clock(now - dt.timedelta(days=5))
        start = (now - dt.timedelta(days=5)).astimezone(ZoneInfo(zone)).date()
        assert set_plan(client, person, start=start.isoformat()).status_code == 302
        clock(now)
        return person

    return make


def report(client, person, **fields):
    """Post the "I applied it earlier" form as a browser would (not following the redirect)."""
    token = csrf_from(client, f"/people/{person.id}/today")
    return client.post(f"/people/{person.id}/applications", data={"csrf_token": token, **fields})


def stored(app) -> list[dt.datetime]:
    with app.app_context():
        return list(db.session.scalars(select(Application.applied_at).order_by(Application.id)))


def page(response, person) -> BeautifulSoup:
    """The page shown again, checked as every page is (title, lang, one h1, labelled fields)."""
    assert response.mimetype == "text/html"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    check_page(soup, f"/people/{person.id}/applications")
    return soup


def occurrence_labels(soup) -> dict[str, str]:
    inputs = soup.select("input[name=occurrence]")
    return {i["value"]: text(soup.find("label", attrs={"for": i["id"]})).strip() for i in inputs}


LONDON_0230_GMT = utc(2026, 10, 25, 2, 30)  # after the repeated hour 01:00-02:00 (BST, then GMT)
NEW_YORK_0200_EST = utc(2026, 11, 1, 7)  # after the repeated hour 01:00-02:00 (EDT, then EST)


@pytest.mark.parametrize(
    ("zone", "now", "at", "labels"),
    [
        ("Europe/London", LONDON_0230_GMT, "01:20",
         ["01:20 BST (the first time)", "01:20 GMT (the second time, after the clocks went back)"]),
        ("America/New_York", NEW_YORK_0200_EST, "01:30",
         ["01:30 EDT (the first time)", "01:30 EST (the second time, after the clocks went back)"]),
        ("Australia/Lord_Howe", utc(2026, 4, 4, 16), "01:45",  # 02:30 on 5 April, after 02:00 became 01:30
         ["01:45 UTC+11 (the first time)", "01:45 UTC+10:30 (the second time, after the clocks went back)"]),
    ],
)  # fmt: skip
def test_a_time_that_happened_twice_asks_which_one_and_stores_nothing(app, client, patient_in, zone, now, at, labels):
    person = patient_in(zone, now)
    response = report(client, person, when="today", at_time=at)
    assert response.status_code == 400
    assert stored(app) == []
    soup = page(response, person)
    form = soup.find("input", attrs={"name": "occurrence"}).find_parent("form")
    assert form.find_parent("details").has_attr("open")
    assert list(occurrence_labels(soup).values()) == labels
    assert CHOOSE in text(form)
    fieldset = soup.find("input", attrs={"name": "occurrence"}).find_parent("fieldset")
    assert fieldset.find("legend").get_text(strip=True) == "Which time was it?"
    assert "occurrence-error" in fieldset["aria-describedby"]
    # The form keeps what was typed, so choosing and saving is all that is left to do.
    assert form.find("input", attrs={"name": "when", "value": "today"}).has_attr("checked")
    assert form.find("input", attrs={"name": "at_time"})["value"] == at


@pytest.mark.parametrize(
    ("zone", "now", "at", "occurrence", "expected"),
    [
        ("Europe/London", LONDON_0230_GMT, "01:20", "first", utc(2026, 10, 25, 0, 20)),
        ("Europe/London", LONDON_0230_GMT, "01:20", "second", utc(2026, 10, 25, 1, 20)),
        ("America/New_York", NEW_YORK_0200_EST, "01:30", "first", utc(2026, 11, 1, 5, 30)),
        ("America/New_York", NEW_YORK_0200_EST, "01:30", "second", utc(2026, 11, 1, 6, 30)),
    ],
)
def test_the_chosen_occurrence_is_the_instant_stored(app, client, patient_in, zone, now, at, occurrence, expected):
    person = patient_in(zone, now)
    response = report(client, person, when="today", at_time=at, occurrence=occurrence)
    assert response.status_code == 302
    assert stored(app) == [expected]
    assert "applied late, at 01:" in text(client.get(response.location))


def test_yesterdays_repeated_time_too_and_the_first_one_may_be_more_than_a_day_back(app, client, patient_in):
    person = patient_in("Europe/London", utc(2026, 10, 26, 0, 30))  # 00:30 GMT on Monday 26 October
    assert report(client, person, when="yesterday", at_time="01:20").status_code == 400
    too_old = report(client, person, when="yesterday", at_time="01:20", occurrence="first")
    assert "up to 24 hours back" in text(client.get(too_old.location))
    assert stored(app) == []
    assert report(client, person, when="yesterday", at_time="01:20", occurrence="second").status_code == 302
    assert stored(app) == [utc(2026, 10, 25, 1, 20)]


def test_the_page_shown_again_is_enough_to_choose_and_save_without_javascript(app, client, patient_in):
    person = patient_in("Europe/London", LONDON_0230_GMT)
    soup = page(report(client, person, when="today", at_time="01:20"), person)
    form = soup.find("input", attrs={"name": "occurrence"}).find_parent("form")
    second = next(value for value, label in occurrence_labels(soup).items() if "second time" in label)
    sent = [i for i in form.select("input") if i.get("type") not in ("radio", "checkbox") or i.has_attr("checked")]
    data = {i["name"]: i.get("value", "") for i in sent}
    data["occurrence"] = second
    response = client.post(form["action"], data=data)
    assert response.status_code == 302
    assert stored(app) == [utc(2026, 10, 25, 1, 20)]


@pytest.mark.parametrize("occurrence", ["", "third", "0"])
def test_no_choice_or_a_choice_that_is_not_offered_asks_again(app, client, patient_in, occurrence):
    person = patient_in("Europe/London", LONDON_0230_GMT)
    response = report(client, person, when="today", at_time="01:20", occurrence=occurrence)
    assert response.status_code == 400
    assert CHOOSE in text(response)
    assert stored(app) == []


@pytest.mark.parametrize(
    ("zone", "now", "at"),
    [
        ("Europe/London", utc(2026, 3, 29, 2, 30), "01:30"),  # 03:30 BST: 01:00 became 02:00
        ("America/New_York", utc(2026, 3, 8, 8), "02:15"),  # 04:00 EDT: 02:00 became 03:00
        ("Australia/Lord_Howe", utc(2026, 10, 3, 17), "02:15"),  # 04:00: 02:00 became 02:30
    ],
)
def test_a_time_the_clocks_skipped_is_refused_with_a_clear_reason(app, client, patient_in, zone, now, at):
    person = patient_in(zone, now)
    response = report(client, person, when="today", at_time=at, occurrence="second")
    assert response.status_code == 400
    assert stored(app) == []
    soup = page(response, person)
    time_field = soup.find("input", attrs={"name": "at_time"})
    assert time_field["aria-invalid"] == "true"
    assert text(soup.find(id="at_time-error")) == GAP
    assert not soup.select("input[name=occurrence]"), "nothing to choose: that time did not exist"


def test_an_occurrence_sent_with_an_ordinary_time_is_ignored(app, client, patient_in):
    person = patient_in("Europe/London", utc(2026, 10, 25, 12))  # noon GMT, the same Sunday
    assert report(client, person, when="today", at_time="08:30", occurrence="first").status_code == 302
    assert stored(app) == [utc(2026, 10, 25, 8, 30)]


def test_the_ordinary_today_page_offers_no_occurrence_choice(pages, patient_in):
    person = patient_in("Europe/London", utc(2026, 10, 25, 12))
    soup = pages.get(f"/people/{person.id}/today")
    assert soup.find("input", attrs={"name": "at_time"})
    assert not soup.select("input[name=occurrence]")
