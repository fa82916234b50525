"""Offline on a phone (issue 16), in a real Chromium with the service worker, behind a network that can go
offline or lose answers (tests/browser/network.py): pages read before still load, a page never read shows
the offline page in the reader's language, a tap made offline is kept and sent once, and signing out deletes
the account's saved pages."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Application
from tests.browser.conftest import follow, screenshot, serving
from tests.browser.network import LOSES_ANSWERS, OFFLINE, ONLINE, Network
from tests.browser.test_pages import violations

LONDON = ZoneInfo("Europe/London")
SMALL = {"viewport": {"width": 360, "height": 640}, "locale": "en-GB", "timezone_id": "Europe/London"}
emails = itertools.count()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app on a free port, reached through a Network; yields (base URL, network, app)."""
    with serving(tmp_path_factory.mktemp("offline")) as (app, port):
        network = Network(port)
        yield f"http://127.0.0.1:{network.port}", network, app
        network.close()


@pytest.fixture
def online(site):
    base, network, app = site
    network.state = ONLINE
    yield base, network, app
    network.state = ONLINE


def applications(app, person_url: str) -> int:
    person_id = int(person_url.rsplit("/", 1)[1])
    with app.app_context():
        return db.session.scalar(select(func.count(Application.id)).where(Application.person_id == person_id))


def sign_up_with_a_dose_due(page, base) -> str:
    """A new account whose person, Robin, has a dose whose window is open now; the URL of Robin's pages."""
    page.goto(base + "/account/signup")
    page.get_by_label("Email address").fill(f"offline{next(emails)}@example.org")
    page.get_by_label("Choose a password").fill("ribbon kettle orbit saffron 42")
    page.get_by_label("Your name or a nickname").fill("Robin")
    follow(page, page.get_by_role("button", name="Create account"))
    person_url = page.url.rsplit("/", 1)[0]
    page.goto(person_url + "/plan")
    first = dt.datetime.now(LONDON) + dt.timedelta(minutes=30)
    page.get_by_label("First dose time").fill(first.strftime("%H:%M"))
    page.get_by_label("Second dose time (twice a day only)").fill((first + dt.timedelta(hours=12)).strftime("%H:%M"))
    follow(page, page.get_by_role("button", name="Save my plan"))
    wait_for_worker(page)
    return person_url


def wait_for_worker(page) -> None:
    """Until the service worker is installed (its precache filled) and controls the page."""
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def saved(page, cache: str) -> list[str]:
    """The paths the service worker keeps in one of its caches."""
    script = f"caches.open({cache!r}).then(c => c.keys()).then(ks => ks.map(k => new URL(k.url).pathname))"
    return page.evaluate(script)


@pytest.mark.parametrize("phone", [SMALL], indirect=True)
def test_after_one_visit_the_pages_read_and_get_help_load_offline(phone, online):
    base, network, _ = online
    person_url = sign_up_with_a_dose_due(phone, base)
    for path in (person_url + "/today", person_url + "/missed-dose", "/en/medicines/pimecrolimus/side-effects"):
        phone.goto(path if path.startswith("http") else base + path)
    network.state = OFFLINE

    phone.goto(person_url + "/missed-dose")
    note = phone.locator("[data-offline-note]")
    assert note.is_visible()
    assert "You are offline. This page was saved at" in note.inner_text()
    tomorrow = (dt.datetime.now(LONDON) + dt.timedelta(days=1)).strftime("%-d %B %Y")
    days = phone.locator(".missed-table tbody td:first-child").all_inner_texts()
    assert days.count(tomorrow) == 2, f"tomorrow's cut-off times too: {days}"
    screenshot(phone, "offline_01_missed_dose")
    assert violations(phone) == []

    phone.goto(base + "/en/medicines/pimecrolimus/side-effects")
    assert phone.locator("h1").inner_text() == "Side effects"
    assert phone.locator("[data-offline-note]").is_visible()

    # Never opened, but kept for every reader: get help, in each language.
    phone.goto(base + "/es/medicines/pimecrolimus/get-help")
    assert phone.locator("html").get_attribute("lang") == "es"
    assert phone.locator("a[href^='tel:']").count() > 0
    screenshot(phone, "offline_02_get_help_es")

    # Never opened: the offline page, in the language of the address.
    phone.goto(base + "/fr/medicines/pimecrolimus/storage")
    assert phone.locator("h1").inner_text() == "Vous êtes hors ligne"
    phone.goto(base + "/en/medicines/pimecrolimus/storage")
    assert phone.locator("h1").inner_text() == "You are offline"
    screenshot(phone, "offline_03_offline_page")
    assert violations(phone) == []


@pytest.mark.parametrize("phone", [SMALL], indirect=True)
def test_a_tap_offline_is_kept_on_the_phone_and_sent_once_when_back_online(phone, online):
    base, network, app = online
    person_url = sign_up_with_a_dose_due(phone, base)
    phone.goto(person_url + "/today")
    network.state = OFFLINE

    follow(phone, phone.get_by_role("button", name="I applied it"))
    waiting = phone.locator("[data-taps]")
    waiting.wait_for()
    assert "I applied it: Saved on this phone at" in waiting.inner_text()
    assert "Do not apply the cream again for this dose." in waiting.inner_text()
    assert not phone.get_by_role("button", name="I applied it").is_visible(), "no second dose offered"
    assert not phone.locator(".moment").is_visible(), "no saved 'Time for your dose'"
    assert not phone.locator("summary", has_text="Skip this dose").is_visible()
    screenshot(phone, "offline_04_tap_saved_on_phone")
    assert applications(app, person_url) == 0

    network.state = ONLINE
    phone.reload()  # the page sends what waits, then shows the doses as they now stand, with the answer
    phone.locator("[data-taps] .taps-applied, [data-taps] li").first.wait_for()
    assert "recorded" in phone.locator("[data-taps]").inner_text().lower()
    assert applications(app, person_url) == 1
    phone.reload()
    assert applications(app, person_url) == 1
    assert phone.get_by_role("button", name="I applied it").count() == 0
    screenshot(phone, "offline_05_sent")


@pytest.mark.parametrize("phone", [SMALL], indirect=True)
def test_a_tap_whose_answer_is_lost_is_stored_once_after_a_reload(phone, online):
    base, network, app = online
    person_url = sign_up_with_a_dose_due(phone, base)
    phone.goto(person_url + "/today")
    network.state = LOSES_ANSWERS

    follow(phone, phone.get_by_role("button", name="I applied it"))
    assert applications(app, person_url) == 1, "the server stored it; the phone never heard"
    network.state = ONLINE
    phone.reload()  # sent again with the same key: the server answers as before and stores nothing new
    phone.locator("[data-taps] li").first.wait_for()
    assert applications(app, person_url) == 1


@pytest.mark.parametrize("phone", [SMALL], indirect=True)
def test_signing_out_deletes_the_saved_personal_pages(phone, online):
    base, network, _ = online
    person_url = sign_up_with_a_dose_due(phone, base)
    phone.goto(person_url + "/today")
    phone.goto(person_url + "/missed-dose")
    assert {p.removeprefix(person_url.removeprefix(base)) for p in saved(phone, "personal")} >= {
        "/today",
        "/missed-dose",
    }

    phone.locator(".tab-more summary").click()  # on a phone, sign-out is under More
    follow(phone, phone.get_by_role("button", name="Sign out"))
    assert saved(phone, "personal") == []
    network.state = OFFLINE
    phone.goto(person_url + "/today")
    assert phone.locator("h1").inner_text() == "You are offline"
    assert "Robin" not in phone.content()
