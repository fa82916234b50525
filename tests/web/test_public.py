"""The public information pages, through the Flask test client."""

import copy

import pytest

from app import create_app
from app.config import Config, TestingConfig
from app.content.store import ContentStore

STORE = ContentStore.load(Config.CONTENT_DIR, Config.LANGUAGES)
TOPIC_URLS = [
    f"/{locale}/medicines/{m.slug}/{slug}" for m in STORE.medicines.values()
    for locale in Config.LANGUAGES for slug in m.topics["en"]
]  # fmt: skip


@pytest.mark.parametrize(
    ("accept", "target"), [("es-MX,es;q=0.9", "/es/"), ("fr-CA", "/fr/"), ("de", "/en/"), ("", "/en/")]
)
def test_root_redirects_to_the_browsers_language(client, accept, target):
    response = client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("url", TOPIC_URLS)
def test_every_topic_page_renders_with_title_review_date_and_disclaimer(pages, url):
    locale, slug = url.split("/")[1], url.rsplit("/", 1)[1]
    soup = pages.get(url)
    topic = STORE.page("pimecrolimus", locale, slug).topic
    assert soup.html["lang"] == locale
    assert soup.h1.get_text(strip=True) == topic.title
    reviewed = soup.select_one(".reviewed")
    assert reviewed and "2026" in reviewed.get_text()
    assert len(reviewed.find_all("p")) == 2  # last reviewed; does not replace the prescriber


def test_english_dates_are_written_in_english_and_spanish_in_spanish(pages):
    assert "7 December 2026" in pages.get("/en/medicines/pimecrolimus/sun").select_one(".reviewed").get_text()
    assert "7 de diciembre de 2026" in pages.get("/es/medicines/pimecrolimus/sun").select_one(".reviewed").get_text()


def test_patient_pages_say_when_to_get_help(pages):
    soup = pages.get("/en/medicines/pimecrolimus/how-to-use")
    banner = soup.select_one(".help-banner")
    assert "call 112 now" in banner.get_text()
    assert banner.select_one("a[href^='tel:']")["href"] == "tel:112"
    assert banner.select("a")[-1]["href"] == "/en/medicines/pimecrolimus/get-help"


def test_topic_list_separates_patients_and_professionals(pages):
    soup = pages.get("/fr/medicines/pimecrolimus/")
    links = [a["href"] for a in soup.select(".topic-list a")]
    assert "/fr/medicines/pimecrolimus/missed-dose" in links
    assert links.index("/fr/medicines/pimecrolimus/get-help") < links.index("/fr/medicines/pimecrolimus/mechanism")


def test_language_switcher_keeps_the_reader_on_the_same_topic(pages):
    soup = pages.get("/en/medicines/pimecrolimus/sun")
    switcher = {a["hreflang"]: a["href"] for a in soup.select(".language-switcher a")}
    assert switcher == {
        "en": "/en/medicines/pimecrolimus/sun",
        "es": "/es/medicines/pimecrolimus/sun",
        "fr": "/fr/medicines/pimecrolimus/sun",
    }
    assert soup.select_one('.language-switcher a[aria-current="page"]')["hreflang"] == "en"


def test_hreflang_alternates_are_absolute(pages):
    soup = pages.get("/es/medicines/pimecrolimus/children")
    alternates = {link["hreflang"]: link["href"] for link in soup.select('link[rel="alternate"]')}
    assert alternates["fr"] == "http://localhost/fr/medicines/pimecrolimus/children"
    assert alternates["x-default"] == "http://localhost/en/medicines/pimecrolimus/children"


def test_search_finds_topics_without_javascript(pages):
    soup = pages.get("/en/medicines/pimecrolimus/search?q=sunlamps")
    assert next(a["href"] for a in soup.select("ol.topic-list a")) == "/en/medicines/pimecrolimus/sun"


def test_search_with_nothing_typed_asks_for_a_word(pages):
    soup = pages.get("/es/medicines/pimecrolimus/search?q=")
    assert soup.select_one("#q-error")
    assert soup.select_one("#q")["aria-invalid"] == "true"


def test_search_with_no_results_says_so(pages):
    soup = pages.get("/en/medicines/pimecrolimus/search?q=zebra")
    assert "0 pages found" in soup.get_text()


def test_a_missing_translation_shows_english_with_a_notice(app, pages):
    store = app.extensions["content"] = copy.deepcopy(app.extensions["content"])  # the packs are shared
    del store.medicines["pimecrolimus"].topics["fr"]["sun"]
    soup = pages.get("/fr/medicines/pimecrolimus/sun")
    assert soup.select_one(".notice-warning")
    assert soup.select_one("article")["lang"] == "en"
    assert soup.html["lang"] == "fr"


@pytest.mark.parametrize(
    ("url", "accept", "lang"),
    [
        ("/de/medicines/pimecrolimus/", "es", "es"),
        ("/en/medicines/ibuprofen/", "", "en"),
        ("/fr/medicines/pimecrolimus/nothing-here", "", "fr"),
        ("/es/medicines/pimecrolimus/nothing-here", "", "es"),
        ("/nowhere/at/all", "fr", "fr"),
    ],
)
def test_unknown_locale_medicine_or_topic_is_a_404_in_the_readers_language(pages, url, accept, lang):
    soup = pages.get(url, status=404, headers={"Accept-Language": accept})
    assert soup.html["lang"] == lang
    assert soup.select("main a[href]"), "the 404 page links onward"


def test_healthz_reports_database_and_content(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "schema": "unchecked",  # tests make their schemas from the models; tests/ops check it against Alembic
        "scheduler": "not expected",
        "last_sweep_seconds_ago": None,
        "content": app.extensions["content"].version,
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_503_when_the_database_is_unreachable():
    config = type(
        "Unreachable", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
