"""The history page: the month calendar, adherence for 7 and 30 days, and the itch and POEM charts."""

import pytest

import app.web.history.routes as routes
from app.extensions import db
from app.models import Person
from tests.patients.log import NOW, add_symptoms, build_log


def text_of(tag) -> str:
    return " ".join(tag.get_text(" ", strip=True).replace("\u202f", " ").split())


@pytest.fixture
def sam(app, make_account, sign_in, monkeypatch):
    """Signed in as Sam, whose week of doses is in tests/patients/log.py; the clock reads NOW."""
    monkeypatch.setattr(routes, "utcnow", lambda: NOW)
    account = make_account()
    with app.app_context():
        person = db.session.get(Person, account.people[0].id)
        build_log(person)
        add_symptoms(person)
    sign_in(account)
    return account.people[0].id


@pytest.fixture
def may(pages, sam):
    return pages.get(f"/people/{sam}/history?month=2026-05")


def cell(soup, date: str):
    return soup.select_one(f'td[data-date="{date}"]')


def test_the_calendar_is_a_table_with_a_caption_and_weekday_headers(may):
    table = may.select_one("table.calendar")
    assert text_of(table.caption) == "Doses in May 2026"
    headers = table.select("thead th[scope=col]")
    assert [text_of(th) for th in headers] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert [th.abbr["title"] for th in headers][:2] == ["Monday", "Tuesday"]
    assert len(table.select("tbody tr")) == 5


def test_each_slot_says_its_time_and_state_in_words_with_an_icon_and_a_colour(may):
    slots = cell(may, "2026-05-26").select("li.cal-slot")
    assert [text_of(s) for s in slots] == ["08:00 applied on time at 08:10", "20:00 applied late at 21:30"]
    assert [s["class"][1] for s in slots] == ["state-on_time", "state-late"]
    assert [s.select_one("svg use")["href"] for s in slots] == ["#icon-on_time", "#icon-late"]
    assert all(s.svg["aria-hidden"] == "true" for s in slots)
    assert may.select_one("#icon-on_time") and may.select_one("#icon-late")


@pytest.mark.parametrize(("date", "expected"), [
    ("2026-05-27", ["08:00 missed", "20:00 applied on time at 19:00"]),
    ("2026-05-28", ["08:00 skipped", "20:00 applied on time at 20:10"]),
    ("2026-05-29", ["08:00 paused", "20:00 paused"]),
    ("2026-05-31", ["08:00 applied late at 09:30", "20:00 missed"]),
    ("2026-05-24", []),
])  # fmt: skip
def test_the_calendar_shows_the_rules_state_for_every_slot(may, date, expected):
    assert [text_of(s) for s in cell(may, date).select("li.cal-slot")] == expected


def test_a_day_cell_names_its_full_date_and_its_extras_for_a_screen_reader(may):
    day = cell(may, "2026-05-27")
    assert text_of(day.select_one(".visually-hidden")) == "Wednesday, 27 May 2026"
    assert text_of(day.select_one(".cal-extras")) == "1 extra application, not counted"
    assert day.time["datetime"] == "2026-05-27"


def test_today_is_marked_and_its_open_dose_shows_as_applied(pages, sam):
    june = pages.get(f"/people/{sam}/history")
    today = june.select_one('td[aria-current="date"]')
    assert today["data-date"] == "2026-06-01"
    assert [text_of(s) for s in today.select("li.cal-slot")] == [
        "08:00 applied on time at 08:20",
        "20:00 coming up",
    ]


def test_previous_and_next_month_links(may, sam):
    links = {a["rel"][0]: a for a in may.select(".month-nav a")}
    assert links["prev"]["href"] == f"/people/{sam}/history?month=2026-04"
    assert links["next"]["href"] == f"/people/{sam}/history?month=2026-06"
    assert text_of(links["prev"]) == "Previous month: April 2026"


def test_a_month_without_doses_says_so(pages, sam):
    april = pages.get(f"/people/{sam}/history?month=2026-04")
    assert "No doses were planned in April 2026." in text_of(april)


def test_adherence_shows_exact_figures_for_7_and_30_days(may):
    table = may.select_one("table.adherence")
    assert [text_of(th) for th in table.select("thead th")] == ["Last 7 days", "Last 30 days"]
    rows = {text_of(tr.th): [text_of(td) for td in tr.select("td")] for tr in table.select("tbody tr")}
    assert rows == {
        "Doses applied": ["62% 5 of 8 doses", "70% 7 of 10 doses"],
        "Applied on time": ["60% 3 on time, 2 late", "71% 5 on time, 2 late"],
        "Days with every dose applied": ["1 of 4 days", "2 of 5 days"],
        "Missed": ["2", "2"],
        "Skipped on purpose": ["1", "1"],
        "Extra applications": ["2 (not counted)", "2 (not counted)"],
    }


def test_charts_are_labelled_images_followed_by_a_table(may):
    itch = may.select_one("svg#itch-chart")
    assert itch["role"] == "img"
    title_id, desc_id = itch["aria-labelledby"].split()
    assert text_of(may.find(id=title_id)) == "Peak itch, last 30 days"
    assert text_of(may.find(id=desc_id)) == "3 scores. Latest: 3 (mild) on 31 May. Highest: 8. Lowest: 3."
    section = itch.find_parent("section")
    assert [[text_of(c) for c in tr.select("th, td")] for tr in section.select("details table tbody tr")] == [
        ["20 May", "8", "severe"], ["27 May", "6", "moderate"], ["31 May", "3", "mild"],
    ]  # fmt: skip
    assert text_of(section.select_one(".chart-note")).startswith("Your itch is at least 4 points lower than on 20 May.")
    poem = may.select_one("svg#poem-chart")
    poem_rows = poem.find_parent("section").select("details tbody tr")
    assert [[text_of(c) for c in tr.select("th, td")] for tr in poem_rows] == [
        ["18 May", "14", "moderate"], ["25 May", "6", "mild"],
    ]  # fmt: skip


def test_no_inline_styles_and_the_stylesheet_is_linked(may):
    assert not may.select("[style]") and not may.find_all("style")
    assert all(script.get("src") for script in may.find_all("script"))
    assert may.head.select_one('link[rel=stylesheet][href^="/static/css/history.css?v="]')


def test_the_stylesheet_is_served(client):
    response = client.get("/static/css/history.css")
    assert response.status_code == 200 and ".state-missed" in response.get_data(as_text=True)
    response.close()


def test_the_page_is_not_kept_by_the_browser(may):
    assert may.response.headers["Cache-Control"] == "no-store"


def test_the_page_speaks_the_accounts_language(app, pages, make_account, sign_in, monkeypatch):
    monkeypatch.setattr(routes, "utcnow", lambda: NOW)
    account = make_account(email="ana@example.org", locale="es")
    sign_in(account)
    soup = pages.get(f"/people/{account.people[0].id}/history?month=2026-05")
    assert soup.html["lang"] == "es"
    assert "mayo de 2026" in text_of(soup.select_one("table.calendar caption"))


@pytest.mark.parametrize("month", ["2026-13", "2026-5", "june", "1999-12", "2101-01", "0000-01"])
def test_a_month_that_is_not_one_gets_a_clear_400(pages, sam, month):
    soup = pages.get(f"/people/{sam}/history?month={month}", status=400)
    assert "for example 2026-06" in text_of(soup)


def test_someone_elses_person_is_not_found(pages, sam, make_account):
    other = make_account(email="kim@example.org", people=(("Kim", "Europe/Paris"),))
    pages.get(f"/people/{other.people[0].id}/history", status=404)
    pages.get("/people/9999/history", status=404)


def test_signed_out_visitors_are_sent_to_sign_in(client, make_account):
    account = make_account()
    response = client.get(f"/people/{account.people[0].id}/history")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
