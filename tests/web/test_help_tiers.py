"""The three tiers of help: the same signs, words and emergency number on every surface that says them."""

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale

from app.extensions import db
from app.models import SideEffectReport
from app.patients import triage
from app.patients.symptoms import red_flag_guidance
from app.web.symptoms import routes
from app.web.triage import BANNER_WORDS, SIGN_LABELS, TIER_WORDS
from tests.conftest import NOW

LOCALES = ("en", "es", "fr")


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(routes, "utcnow", lambda: NOW)


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# The tiers themselves


def test_every_red_flag_is_in_exactly_one_tier_and_has_words():
    placed = [sign for tier in triage.TIERS for sign in triage.SIGNS[tier]]
    assert sorted(placed) == sorted(set(placed)) == sorted(triage.RED_FLAGS)
    assert set(SIGN_LABELS) == set(triage.RED_FLAGS)
    assert set(TIER_WORDS) == set(triage.TIERS)


@pytest.mark.parametrize(
    ("flags", "tier"),
    [
        (["breathing"], "emergency"),
        (["infection", "face_swelling"], "emergency"),
        (["child_floppy"], "emergency"),
        (["spreading_sores"], "today"),
        (["infection", "near_eye"], "today"),
        (["no_better", "chickenpox"], "today"),
        (["fever_unwell"], "today"),
        (["swollen_glands"], "within_24h"),
        (["allergic_reaction", "skin_changes"], "within_24h"),
        ([], None),
    ],
)
def test_a_report_lands_in_its_most_urgent_tier(flags, tier):
    assert triage.tier_of(flags) == tier == red_flag_guidance(flags)


def test_an_unknown_sign_has_no_tier():
    with pytest.raises(KeyError):
        triage.tier_of(["hiccups"])


@pytest.mark.parametrize(
    ("zone", "territory", "number"),
    [
        ("Europe/London", None, "999"),
        ("Europe/London", "US", "999"),  # where the person lives wins over the browser's settings
        ("America/New_York", None, "911"),
        ("America/Toronto", None, "911"),
        ("America/Mexico_City", None, "911"),
        ("Australia/Sydney", None, "000"),
        ("Pacific/Auckland", None, "111"),
        ("Europe/Madrid", None, "112"),
        ("Europe/Paris", "GB", "112"),
        (None, "gb", "999"),
        (None, "US", "911"),
        ("UTC", "ES", "112"),
        (None, None, "112"),
        ("Not/AZone", None, "112"),
    ],
)
def test_the_emergency_number_comes_from_the_zone_then_the_language_settings(zone, territory, number):
    assert triage.emergency_number(zone, territory) == number


# Pages


def tiers_on(page: BeautifulSoup) -> list[str]:
    return [section["class"][2].removeprefix("help-tier-") for section in page.select("section.help-tier")]


@pytest.mark.parametrize("locale", LOCALES)
def test_get_help_shows_the_three_tiers_with_a_number_to_call(client, locale):
    page = soup(client.get(f"/{locale}/medicines/pimecrolimus/get-help"))
    assert tiers_on(page) == ["emergency", "today", "within_24h"]
    emergency = page.select_one("section.help-tier-emergency")
    assert "112" in emergency.h3.get_text()
    assert [a["href"] for a in emergency.select("a[href^='tel:']")] == ["tel:112"]


@pytest.mark.parametrize(
    ("accept", "number"), [("en-GB,en;q=0.8", "999"), ("en-US", "911"), ("es-MX,es", "911"), ("fr-FR", "112")]
)
def test_a_reader_who_is_not_signed_in_gets_the_number_of_their_language_settings(client, accept, number):
    page = soup(client.get("/en/medicines/pimecrolimus/get-help", headers={"Accept-Language": accept}))
    assert page.select_one("section.help-tier-emergency a[href^='tel:']")["href"] == f"tel:{number}"


def test_a_signed_in_person_gets_the_number_of_their_own_zone(client, person):
    page = soup(client.get("/en/medicines/pimecrolimus/get-help", headers={"Accept-Language": "en-US"}))
    assert page.select_one("section.help-tier-emergency a[href^='tel:']")["href"] == "tel:999"


@pytest.mark.parametrize("locale", LOCALES)
def test_side_effects_and_children_carry_the_tiers_and_other_patient_pages_the_banner(client, locale):
    for slug in ("side-effects", "children"):
        page = soup(client.get(f"/{locale}/medicines/pimecrolimus/{slug}"))
        assert tiers_on(page) == ["emergency", "today", "within_24h"], slug
    page = soup(client.get(f"/{locale}/medicines/pimecrolimus/storage"))
    banner = page.select_one(".help-banner")
    assert len(banner.select(".help-banner-tiers li")) == 3
    assert banner.select_one("a[href^='tel:']")["href"] == "tel:112"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_tiers_and_the_banner_are_in_the_readers_language(app, client, locale):
    tiers = soup(client.get(f"/{locale}/medicines/pimecrolimus/get-help"))
    banner = soup(client.get(f"/{locale}/medicines/pimecrolimus/storage")).select_one(".help-banner")
    with app.test_request_context(), force_locale(locale):
        headings = [str(TIER_WORDS[t]["heading"]) % {"number": "112"} for t in triage.TIERS]
        signs = [str(SIGN_LABELS[s]) for s in triage.SIGNS["today"]]
        today_line = str(BANNER_WORDS["today"])
    assert [h.get_text(strip=True) for h in tiers.select("section.help-tier h3")] == headings
    assert [li.get_text(strip=True) for li in tiers.select("section.help-tier-today li")] == signs
    assert today_line in banner.get_text()


# The red-flag flow


def test_the_form_groups_the_serious_signs_by_tier(pages, person):
    page = pages.get(f"/people/{person.id}/side-effects")
    groups = page.select(".red-flags fieldset.help-tier")
    assert [g["class"][1] for g in groups] == [f"help-tier-{t}" for t in triage.TIERS]
    for group, tier in zip(groups, triage.TIERS, strict=True):
        assert [box["value"] for box in group.select("input[type=checkbox]")] == list(triage.SIGNS[tier])
    assert "999" in groups[0].legend.get_text()


@pytest.mark.parametrize(
    ("flags", "tier", "says"),
    [
        (["breathing"], "emergency", "Emergency: call 999 now"),
        (["infection", "spreading_sores"], "today", "Stop the cream on that area"),
        (["swollen_glands"], "within_24h", "Contact your prescriber within 24 hours"),
    ],
)
def test_a_report_shows_its_tier_first_in_the_words_of_the_get_help_page(
    app, client, pages, person, post, flags, tier, says
):
    response = post(f"/people/{person.id}/side-effects", {"effects": ["redness"], "red_flags": flags})
    page = pages.get(response.location)
    first = page.select_one("main h1").find_next("section")
    assert tiers_on(page) == [tier] and "help-tier" in first["class"]
    assert says in first.get_text(" ", strip=True)
    help_page = soup(client.get("/en/medicines/pimecrolimus/get-help"))
    same = help_page.select_one(f"section.help-tier-{tier}")
    assert first.get_text(" ", strip=True) == same.get_text(" ", strip=True).replace("112", "999")
    with app.app_context():
        [report] = db.session.query(SideEffectReport).all()
    assert report.red_flags == [f for f in triage.RED_FLAGS if f in flags]


def test_common_side_effects_alone_show_no_tier(pages, person, post):
    response = post(f"/people/{person.id}/side-effects", {"effects": ["headache"]})
    page = pages.get(response.location)
    assert not page.select("section.help-tier")
    assert "usually mild" in page.get_text()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_tier_words_are_translated(app, locale):
    with app.test_request_context(), force_locale(locale):
        words = [str(w) for tier in TIER_WORDS.values() for w in tier.values()] + [str(s) for s in SIGN_LABELS.values()]
    with app.test_request_context(), force_locale("en"):
        english = [str(w) for tier in TIER_WORDS.values() for w in tier.values()] + [
            str(s) for s in SIGN_LABELS.values()
        ]
    if locale == "en":
        assert words == english
    else:
        assert all(a != b for a, b in zip(words, english, strict=True)), locale
