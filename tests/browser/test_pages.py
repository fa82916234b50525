"""Every page in a real Chromium at phone size: accessibility, no sideways scrolling, switcher, no-JS."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.config import Config
from app.content.store import ContentStore
from tests.browser.conftest import screenshot

STORE = ContentStore.load(Config.CONTENT_DIR, Config.LANGUAGES)
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
TOPIC_PATHS = [
    f"/{locale}/medicines/{m.slug}/{slug}" for m in STORE.medicines.values()
    for locale in Config.LANGUAGES for slug in m.topics["en"]
]  # fmt: skip
OTHER_PATHS = [
    f"/{locale}/{path}" for locale in Config.LANGUAGES
    for path in ("", "medicines/pimecrolimus/", "medicines/pimecrolimus/leaflet", "medicines/pimecrolimus/search?q=sun")
]  # fmt: skip
axe = Axe()


def violations(page) -> list[str]:
    results = axe.run(page, options=WCAG)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]]


def sideways_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("path", TOPIC_PATHS + OTHER_PATHS)
def test_page_is_accessible_and_fits_a_phone(phone, live_server, path):
    response = phone.goto(live_server + path)
    assert response.status == 200
    screenshot(phone, path.strip("/").replace("/", "_").replace("?", "_") or "root")
    assert violations(phone) == []
    assert sideways_overflow(phone) <= 0


@pytest.mark.parametrize("phone", [{"color_scheme": "dark"}], indirect=True)
@pytest.mark.parametrize("path", ["/en/medicines/pimecrolimus/side-effects", "/fr/medicines/pimecrolimus/leaflet"])
def test_dark_mode_keeps_contrast(phone, live_server, path):
    phone.goto(live_server + path)
    assert phone.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(18, 20, 22)"
    screenshot(phone, "dark_" + path.strip("/").replace("/", "_"))
    assert violations(phone) == []


@pytest.mark.parametrize(
    "path",
    [
        "/es/medicines/pimecrolimus/how-to-use",
        "/fr/medicines/pimecrolimus/potency",
        "/en/medicines/pimecrolimus/leaflet",
    ],
)
def test_text_at_200_percent_still_fits_without_sideways_scrolling(phone, live_server, path):
    phone.goto(live_server + path)
    phone.evaluate("document.documentElement.style.fontSize = '200%'")
    screenshot(phone, "text200_" + path.strip("/").replace("/", "_"))
    assert sideways_overflow(phone) <= 0


def test_language_switcher_keeps_the_reader_on_the_same_topic(phone, live_server):
    phone.goto(live_server + "/en/medicines/pimecrolimus/missed-dose")
    phone.get_by_role("navigation", name="Language").get_by_role("link", name="Español").click()
    phone.wait_for_url("**/es/medicines/pimecrolimus/missed-dose")
    assert phone.locator("html").get_attribute("lang") == "es"
    phone.get_by_role("link", name="Français").click()
    phone.wait_for_url("**/fr/medicines/pimecrolimus/missed-dose")
    assert phone.locator("h1").inner_text() == STORE.page("pimecrolimus", "fr", "missed-dose").topic.title


@pytest.mark.parametrize("phone", [{"java_script_enabled": False}], indirect=True)
def test_search_works_with_javascript_off(phone, live_server):
    phone.goto(live_server + "/en/medicines/pimecrolimus/")
    phone.get_by_label("Search this medicine's pages").fill("pregnant")
    phone.get_by_role("button", name="Search").click()
    phone.wait_for_url("**/search?q=pregnant")
    assert phone.get_by_role("link", name="Pregnancy and breastfeeding").is_visible()


def submit_bad_leaflet_form(phone, live_server):
    phone.goto(live_server + "/en/medicines/pimecrolimus/leaflet")
    name = phone.get_by_label("Clinic name (optional)")
    name.fill("x" * 100)
    assert name.input_value() == "x" * 80, "the field stops at the limit"
    phone.get_by_label("Clinic phone number (optional)").fill("call me")
    phone.get_by_role("button", name="Make the PDF").click()
    alert = phone.get_by_role("alert")
    assert "Use digits, spaces and + ( ) - . only." in alert.inner_text()
    assert phone.get_by_label("Clinic name (optional)").input_value() == "x" * 80, "nothing typed is lost"


@pytest.mark.parametrize("phone", [{"java_script_enabled": False}], indirect=True)
def test_leaflet_errors_are_shown_with_javascript_off(phone, live_server):
    submit_bad_leaflet_form(phone, live_server)


def test_leaflet_errors_are_accessible(phone, live_server):
    submit_bad_leaflet_form(phone, live_server)
    screenshot(phone, "leaflet_builder_errors")
    assert violations(phone) == []  # axe needs JavaScript, so this one runs with it on


def test_leaflet_form_shows_progress_while_the_pdf_is_made(phone, live_server):
    phone.goto(live_server + "/en/medicines/pimecrolimus/leaflet")
    # Hold the page still after our own script has run, so its message can be read.
    phone.evaluate("document.querySelector('form').addEventListener('submit', (e) => e.preventDefault())")
    phone.get_by_role("button", name="Make the PDF").click()
    assert phone.locator("#leaflet-progress").inner_text() == "Making your leaflet… please wait."
    assert phone.get_by_role("button", name="Make the PDF").get_attribute("aria-disabled") == "true"
