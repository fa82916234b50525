"""A person's pages on a small phone (issue 16), in a real Chromium at 360×640: "I applied it" above the
fold in every language, the bottom tab bar beside it and not over it, More and the language switch
without JavaScript, and a history that lists only days that have come."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import ARTIFACTS, follow
from tests.browser.test_pages import sideways_overflow, violations

SMALL = {"viewport": {"width": 360, "height": 640}, "locale": "en-GB", "timezone_id": "Europe/London"}
DARK = {**SMALL, "color_scheme": "dark"}
LANGUAGE_NAMES = {"es": "Español", "fr": "Français"}
emails = itertools.count()


def shot(page, name: str) -> None:
    """What the phone's screen shows (the viewport, not the whole page), saved to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone_{name}.png"))


def sign_up_with_an_open_dose(page, live_server) -> str:
    """A new account whose person, Robin, has a dose open now; the URL of Robin's pages (…/people/<id>)."""
    page.goto(live_server + "/account/signup")
    page.get_by_label("Email address").fill(f"phone{next(emails)}@example.org")
    page.get_by_label("Choose a password").fill("ribbon kettle orbit saffron 42")
    page.get_by_label("Your name or a nickname").fill("Robin")
    follow(page, page.get_by_role("button", name="Create account"))
    person = page.url.rsplit("/", 1)[0]
    page.goto(person + "/plan")
    first = dt.datetime.now(ZoneInfo("Europe/London"))
    page.get_by_label("First dose time").fill(first.strftime("%H:%M"))
    page.get_by_label("Second dose time (twice a day only)").fill((first + dt.timedelta(hours=12)).strftime("%H:%M"))
    follow(page, page.get_by_role("button", name="Save my plan"))
    return person


def choose_language(page, locale: str) -> None:
    """Through the tab bar's More menu, as a person on a phone would."""
    page.locator(".tab-more > summary").click()
    follow(page, page.locator(".tab-more-panel").get_by_role("button", name=LANGUAGE_NAMES[locale]))


def bottom_of(box) -> float:
    return box["y"] + box["height"]


@pytest.mark.parametrize("phone", [SMALL, DARK], indirect=True, ids=["light", "dark"])
def test_i_applied_it_is_above_the_fold_and_the_tab_bar_in_every_language(phone, live_server, request):
    scheme = request.node.callspec.id.split("-")[0]
    person = sign_up_with_an_open_dose(phone, live_server)
    for locale in ("en", "es", "fr"):
        if locale != "en":
            choose_language(phone, locale)
        assert phone.url == person + "/today", "the switch comes back to the same page"
        assert phone.locator("html").get_attribute("lang") == locale
        shot(phone, f"today_{locale}_{scheme}")
        button, bar = phone.locator("button.big-button"), phone.locator(".tab-bar")
        assert bar.is_visible()
        button_box, bar_box = button.bounding_box(), bar.bounding_box()
        print(f"{locale} {scheme}: button bottom {bottom_of(button_box):.0f}, bar top {bar_box['y']:.0f}")
        assert bottom_of(button_box) <= bar_box["y"], f"{locale}: the bar covers the button"
        assert bottom_of(bar_box) == 640 and bar_box["y"] >= 560, f"{locale}: {bar_box}"
        assert sideways_overflow(phone) <= 0, locale
        assert violations(phone) == [], locale


@pytest.mark.parametrize("phone", [SMALL], indirect=True)
def test_with_two_people_in_french_the_switch_fits_above_i_applied_it(phone, live_server):
    person = sign_up_with_an_open_dose(phone, live_server)
    phone.goto(live_server + "/account/people/new")
    phone.get_by_label("Name or nickname").fill("Alexandrine")
    follow(phone, phone.get_by_role("button", name="Save"))
    phone.goto(person + "/today")
    choose_language(phone, "fr")
    switch = phone.locator("nav.person-switch")
    assert switch.is_visible() and "Alexandrine" in switch.inner_text() and "Robin" not in switch.inner_text()
    shot(phone, "today_fr_two_people")
    button, bar = phone.locator("button.big-button").bounding_box(), phone.locator(".tab-bar").bounding_box()
    print(f"fr, two people: button bottom {bottom_of(button):.0f}, bar top {bar['y']:.0f}")
    assert bottom_of(button) <= bar["y"]
    follow(phone, switch.get_by_role("link"))
    assert phone.url.endswith("/today") and phone.url != person + "/today"
    assert "Alexandrine" in phone.locator("h1").inner_text()


@pytest.mark.parametrize("phone", [SMALL], indirect=True)
def test_the_tab_bar_items_are_44_px_and_the_last_line_of_a_page_clears_the_bar(phone, live_server):
    sign_up_with_an_open_dose(phone, live_server)
    items = phone.locator(".tab-bar > ul > li > a, .tab-more > summary")
    assert items.count() == 4
    for box in (items.nth(i).bounding_box() for i in range(4)):
        assert box["height"] >= 44 and box["width"] >= 44, box
    assert not phone.locator(".person-nav").is_visible(), "the bar replaces the wrapped menu"
    assert not phone.locator(".site-header .account-nav").is_visible()
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    footer, bar = phone.locator(".site-footer").bounding_box(), phone.locator(".tab-bar").bounding_box()
    assert bottom_of(footer) <= bar["y"] + 1, "nothing is left behind the bar"
    phone.emulate_media(media="print")
    assert not phone.locator(".tab-bar").is_visible()
    phone.emulate_media(media="screen")
    phone.set_viewport_size({"width": 1024, "height": 768})
    assert not phone.locator(".tab-bar").is_visible() and phone.locator(".person-nav").is_visible()
    assert phone.locator(".site-header .language-switcher").is_visible()
    phone.evaluate("window.scrollTo(0, 0)")
    shot(phone, "today_wide")


@pytest.mark.parametrize("phone", [SMALL], indirect=True)
def test_more_opens_without_javascript_and_leads_to_the_other_pages(phone, live_server, browser):
    person = sign_up_with_an_open_dose(phone, live_server)
    phone.locator(".tab-more > summary").click()
    shot(phone, "more_open")
    assert violations(phone) == []
    no_js = browser.new_context(**SMALL, storage_state=phone.context.storage_state(), java_script_enabled=False)
    try:
        page = no_js.new_page()
        page.goto(person + "/today")
        panel = page.locator(".tab-more-panel")
        assert not panel.is_visible()
        page.get_by_role("navigation", name="Pages for Robin").get_by_text("More").click()
        assert panel.is_visible()
        for name in ("Plan", "Missed a dose?", "Inbox", "Reminders", "Clinics", "Your data", "Account"):
            assert panel.get_by_role("link", name=name, exact=True).is_visible(), name
        assert panel.get_by_role("button", name="Sign out").is_visible()
        follow(page, panel.get_by_role("link", name="Missed a dose?"))
        assert page.url == person + "/missed-dose"
        assert "tab-current" in page.locator(".tab-more > summary").get_attribute("class")
        page.locator(".tab-more > summary").click()
        follow(page, page.locator(".tab-more-panel").get_by_role("button", name="Français"))
        assert page.url == person + "/missed-dose" and page.locator("html").get_attribute("lang") == "fr"
    finally:
        no_js.close()


@pytest.mark.parametrize("phone", [SMALL, DARK], indirect=True, ids=["light", "dark"])
def test_history_on_a_phone_lists_no_day_still_to_come(phone, live_server, request):
    scheme = request.node.callspec.id.split("-")[0]
    person = sign_up_with_an_open_dose(phone, live_server)
    phone.goto(person + "/history")
    today = dt.datetime.now(ZoneInfo("Europe/London")).date().isoformat()
    shown = [cell.get_attribute("data-date") for cell in phone.locator("td.cal-day").all() if cell.is_visible()]
    assert shown and shown[-1] == today and all(date <= today for date in shown), shown
    phone.locator("td[aria-current=date]").scroll_into_view_if_needed()
    shot(phone, f"history_{scheme}")
    assert sideways_overflow(phone) <= 0
    assert violations(phone) == []
    phone.set_viewport_size({"width": 1280, "height": 900})
    assert phone.locator("td.cal-day").count() == sum(
        1 for cell in phone.locator("td.cal-day").all() if cell.is_visible()
    )
