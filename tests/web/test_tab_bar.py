"""A person's pages on a phone (issue 16): the bottom tab bar and its More menu, the switch to another
person of the account, and the language switch of signed-in pages. What a phone shows of them is in
tests/browser/test_phone_layout.py; these tests read the HTML every screen gets."""

import datetime as dt

import pytest

from app.extensions import db
from app.models import Account, InboxMessage
from tests.conftest import NOW, csrf_from


def text(tag) -> str:
    return " ".join(tag.get_text(" ", strip=True).split())


@pytest.fixture
def family(make_account, sign_in):
    """A signed-in account holding Sam and Alex; their ids."""
    account = make_account(people=(("Sam", "Europe/London"), ("Alex", "Europe/London")))
    sign_in(account)
    return account.people[0].id, account.people[1].id


def tab_links(page) -> dict[str, str]:
    return {text(a): a["href"] for a in page.select(".tab-bar > ul > li > a")}


def test_the_tab_bar_holds_today_history_symptoms_and_more(pages, person):
    page = pages.get(f"/people/{person.id}/today")
    assert tab_links(page) == {
        "Today": f"/people/{person.id}/today",
        "History": f"/people/{person.id}/history",
        "Symptoms": f"/people/{person.id}/symptoms",
    }
    assert text(page.select_one(".tab-bar details.tab-more > summary")) == "More"
    assert page.select_one(".tab-bar")["aria-label"] == "Pages for Me"
    assert page.html["class"] == ["has-tabs"]


@pytest.mark.parametrize(("path", "current"), [("today", "Today"), ("history", "History"), ("symptoms", "Symptoms")])
def test_the_tab_of_the_page_shown_is_marked_current(pages, person, path, current):
    page = pages.get(f"/people/{person.id}/{path}")
    [marked] = page.select(".tab-bar a[aria-current]")
    assert marked["aria-current"] == "page" and text(marked) == current
    assert "tab-current" not in (page.select_one(".tab-more > summary").get("class") or [])


def test_a_page_inside_symptoms_marks_its_tab_as_the_section(pages, person):
    page = pages.get(f"/people/{person.id}/itch")
    [marked] = page.select(".tab-bar > ul > li > a[aria-current]")
    assert marked["aria-current"] == "true" and text(marked) == "Symptoms"


def test_more_lists_the_other_pages_the_account_sign_out_and_the_language(pages, person):
    page = pages.get(f"/people/{person.id}/plan")
    panel = page.select_one(".tab-more .tab-more-panel")
    links = {text(a): a["href"] for a in panel.select("a")}
    assert links == {
        "Plan": f"/people/{person.id}/plan",
        "Missed a dose?": f"/people/{person.id}/missed-dose",
        "Inbox": f"/people/{person.id}/inbox",
        "Reminders": f"/people/{person.id}/reminders",
        "Clinics": f"/people/{person.id}/sharing",
        "Your data": f"/people/{person.id}/data",
        "Account": "/account/people",
    }
    assert text(panel.select_one("a[aria-current=page]")) == "Plan"
    assert "tab-current" in page.select_one(".tab-more > summary")["class"]
    assert panel.select_one("form[action='/account/logout'] button").get_text() == "Sign out"
    language = panel.select_one("form[action='/account/language']")
    assert [b["value"] for b in language.select("button[name=locale]")] == ["es", "fr"]
    assert text(language.select_one("[aria-current]")) == "English"


def test_the_inbox_badge_shows_on_more_and_on_the_inbox_link(app, pages, person):
    with app.app_context():
        for minutes in (0, 5):
            db.session.add(InboxMessage(person_id=person.id, kind="poem", title="How is your skin this week?", body="Answer 7 questions.",
                                        created_at=NOW + dt.timedelta(minutes=minutes)))  # fmt: skip
        db.session.commit()
    page = pages.get(f"/people/{person.id}/today")
    summary = page.select_one(".tab-more > summary")
    assert text(summary.select_one(".tab-badge")) == "2"
    assert text(summary.select_one(".visually-hidden")) == "2 new reminders"
    inbox = page.select_one(".tab-more-panel a[href$='/inbox']").parent
    assert text(inbox.select_one(".badge")) == "2 new reminders"


@pytest.mark.parametrize("path", ["/account/people", "/account/settings", "/en/medicines/pimecrolimus/"])
def test_pages_that_are_not_a_persons_have_no_tab_bar(pages, person, path):
    page = pages.get(path)
    assert page.select_one(".tab-bar") is None
    assert page.html.get("class") is None


def test_a_signed_out_reader_gets_no_tab_bar(pages):
    assert pages.get("/en/medicines/pimecrolimus/").select_one(".tab-bar") is None


def test_with_one_person_there_is_no_switch(pages, person):
    assert pages.get(f"/people/{person.id}/today").select_one(".person-switch") is None


@pytest.mark.parametrize("path", ["today", "history", "symptoms", "itch", "missed-dose", "inbox", "reminders", "data"])
def test_with_two_people_the_switch_goes_to_the_same_page_for_the_other(pages, family, path):
    sam, alex = family
    switch = pages.get(f"/people/{sam}/{path}").select_one("nav.person-switch")
    assert text(switch.p) == "Showing: Sam"
    [link] = switch.select("a")
    assert text(link) == "Switch to Alex"
    assert link["href"] == f"/people/{alex}/{path}"
    back = pages.get(link["href"]).select_one("nav.person-switch a")
    assert text(back) == "Switch to Sam" and back["href"] == f"/people/{sam}/{path}"


def test_the_switch_counts_the_other_persons_unread_reminders(app, pages, family):
    sam, alex = family
    with app.app_context():
        db.session.add(
            InboxMessage(
                person_id=alex, kind="poem", title="Your weekly score", body="Answer 7 questions.", created_at=NOW
            )
        )
        db.session.commit()
    link = pages.get(f"/people/{sam}/today").select_one("nav.person-switch a")
    assert text(link) == "Switch to Alex 1 new reminder"
    assert pages.get(f"/people/{sam}/today").select_one(".tab-more .tab-badge") is None


def test_the_tab_bar_is_for_the_person_whose_page_it_is(pages, family):
    _sam, alex = family
    page = pages.get(f"/people/{alex}/history")
    assert tab_links(page)["Today"] == f"/people/{alex}/today"
    assert page.select_one(".tab-bar")["aria-label"] == "Pages for Alex"


# --- the language switch of signed-in pages ---------------------------------------------------------


def locale_of(app, account_id) -> str:
    with app.app_context():
        return db.session.get(Account, account_id).locale


def switch_language(client, page_url, **data):
    return client.post("/account/language", data={"csrf_token": csrf_from(client, page_url), **data})


def test_signed_in_pages_have_a_language_switch_in_the_header(pages, person):
    page = pages.get(f"/people/{person.id}/history?month=2026-05")
    switch = page.select_one(".site-header nav.language-switcher form")
    assert switch["method"] == "post" and switch["action"] == "/account/language"
    assert switch.select_one("input[name=next]")["value"] == f"/people/{person.id}/history?month=2026-05"
    assert {b["value"]: text(b) for b in switch.select("button")} == {"es": "Español", "fr": "Français"}
    assert pages.get("/account/settings").select_one(".site-header form[action='/account/language']")


def test_signed_in_public_pages_keep_the_switcher_by_address(pages, person):
    page = pages.get("/es/medicines/pimecrolimus/")
    assert page.select_one(".site-header form[action='/account/language']") is None
    assert {a["hreflang"] for a in page.select(".language-switcher a")} == {"en", "es", "fr"}


def test_choosing_a_language_sets_the_accounts_and_comes_back_to_the_page(app, client, pages, person):
    page_url = f"/people/{person.id}/history?month=2026-05"
    response = switch_language(client, page_url, locale="fr", next=page_url)
    assert response.status_code == 302 and response.location == page_url
    assert locale_of(app, person.account_id) == "fr"
    page = pages.get(page_url)
    assert page.html["lang"] == "fr"
    assert text(page.select_one(".language-switcher [aria-current]")) == "Français"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/today", "/\\evil.example", "http:/evil.example", ""]
)
def test_a_next_that_is_not_a_local_path_is_refused(app, client, person, target):
    response = switch_language(client, f"/people/{person.id}/today", locale="es", next=target)
    assert response.status_code == 302
    assert response.location == f"/people/{person.id}/today"
    assert locale_of(app, person.account_id) == "es"


def test_an_unknown_language_is_refused(app, client, person):
    response = switch_language(client, f"/people/{person.id}/today", locale="de", next="/account/people")
    assert response.status_code == 400
    assert locale_of(app, person.account_id) == "en"


def test_the_language_switch_needs_the_forms_token(app, client, person):
    response = client.post("/account/language", data={"locale": "es", "next": "/account/people"})
    assert response.status_code == 400
    assert locale_of(app, person.account_id) == "en"


def test_the_language_switch_needs_sign_in(client):
    response = client.post("/account/language", data={"locale": "es"})
    assert response.status_code in (302, 400)
    assert "/account/login" in response.location if response.status_code == 302 else True


# --- history on a phone ---------------------------------------------------------------------------


def test_history_marks_the_days_still_to_come_which_a_phone_leaves_out(app, pages, person, monkeypatch):
    monkeypatch.setattr("app.web.history.routes.utcnow", lambda: NOW)  # 1 June 2026, 10:00 in London
    june = pages.get(f"/people/{person.id}/history")
    future = [td["data-date"] for td in june.select("td.cal-future")]
    assert future[0] == "2026-06-02" and future[-1] == "2026-06-30" and len(future) == 29
    assert "cal-future" not in june.select_one('td[data-date="2026-06-01"]')["class"]
    july = pages.get(f"/people/{person.id}/history?month=2026-07")
    assert "July 2026 has not started yet." in text(july.select_one(".notice"))
