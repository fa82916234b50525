"""The red-flag flow in a real Chromium on a small phone, without JavaScript: a sign ticked in its tier
lands on a report that puts that tier first, with a number to call; both pages pass axe."""

import pytest

from tests.browser.conftest import follow, screenshot
from tests.browser.test_pages import sideways_overflow, violations

SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "en-GB", "timezone_id": "Europe/London"}


def sign_up(phone, live_server, email: str) -> str:
    """A new account; the URL of its person's pages (…/people/<id>)."""
    phone.goto(live_server + "/account/signup")
    phone.get_by_label("Email address").fill(email)
    phone.get_by_label("Choose a password").fill("ribbon kettle orbit saffron 42")
    phone.get_by_label("Your name or a nickname").fill("Robin")
    follow(phone, phone.get_by_role("button", name="Create account"))
    return phone.url.rsplit("/", 1)[0]


@pytest.mark.parametrize("phone", [{**SMALL_PHONE, "java_script_enabled": False}], indirect=True)
def test_a_sign_for_help_today_is_reported_and_answered_in_its_tier(phone, live_server):
    person = sign_up(phone, live_server, "tiers@example.org")
    phone.goto(person + "/side-effects")
    screenshot(phone, "side_effects_form_360")
    assert sideways_overflow(phone) <= 0
    legends = phone.locator(".red-flags legend").all_inner_texts()
    assert legends[1:] == ["Get medical help today", "Contact your prescriber within 24 hours"]
    assert legends[0].startswith("Emergency: call ")
    phone.get_by_label("Painful blisters or small punched-out sores that spread fast").check()
    phone.get_by_label("Swollen glands in the neck, armpits or groin").check()
    follow(phone, phone.get_by_role("button", name="Send report"))
    screenshot(phone, "side_effect_report_today_360")
    first = phone.locator("main section.help-tier").first
    assert first.locator("h2").inner_text() == "Get medical help today"
    assert "Stop the cream on that area" in first.inner_text()
    assert phone.locator("main section.help-tier").count() == 1
    assert sideways_overflow(phone) <= 0


@pytest.mark.parametrize("phone", [SMALL_PHONE], indirect=True)
def test_the_side_effects_form_and_an_emergency_report_are_accessible(phone, live_server):
    person = sign_up(phone, live_server, "tiers-axe@example.org")
    phone.goto(person + "/side-effects")
    assert violations(phone) == []
    phone.get_by_label("Feeling faint, or collapsing").check()
    follow(phone, phone.get_by_role("button", name="Send report"))
    screenshot(phone, "side_effect_report_emergency_360")
    call = phone.locator("main section.help-tier-emergency a[href^='tel:']")
    assert call.get_attribute("href") == "tel:999"  # the person lives in London
    assert violations(phone) == []
