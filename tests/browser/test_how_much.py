"""The fingertip-unit guide and the plan's amounts in a real Chromium at 360x740: accessible, no sideways
scrolling, and with JavaScript off."""

import pytest

from tests.browser.conftest import follow, screenshot
from tests.browser.test_pages import sideways_overflow, violations

SMALL_PHONE = {"viewport": {"width": 360, "height": 740}}


@pytest.mark.parametrize("phone", [SMALL_PHONE], indirect=True)
@pytest.mark.parametrize("locale", ["en", "es", "fr"])
def test_the_guide_is_accessible_and_fits_a_small_phone(phone, live_server, locale):
    response = phone.goto(f"{live_server}/{locale}/medicines/pimecrolimus/how-much-cream")
    assert response.status == 200
    screenshot(phone, f"how_much_cream_{locale}_360")
    assert violations(phone) == []
    assert sideways_overflow(phone) <= 0
    assert phone.locator("svg.ftu-body").bounding_box()["width"] <= 360


@pytest.mark.parametrize("phone", [{**SMALL_PHONE, "java_script_enabled": False}], indirect=True)
def test_a_plan_with_a_tube_shows_its_amounts_and_estimate_without_javascript(phone, live_server):
    phone.goto(live_server + "/account/signup")
    phone.get_by_label("Email address").fill("tube@example.org")
    phone.get_by_label("Choose a password").fill("ribbon kettle orbit saffron 42")
    phone.get_by_label("Your name or a nickname").fill("Robin")
    follow(phone, phone.get_by_role("button", name="Create account"))
    phone.goto(phone.url.rsplit("/", 1)[0] + "/plan")
    phone.get_by_label("Face", exact=True).check()
    phone.get_by_label("Neck", exact=True).check()
    phone.get_by_label("30 g").check()
    follow(phone, phone.get_by_role("button", name="Save my plan"))
    phone.goto(phone.url.rsplit("/", 1)[0] + "/plan")
    summary = phone.locator(".plan-summary").inner_text()
    assert "Face and neck: up to 2½ fingertip units, about 1.25 g, each time" in summary
    assert "may last about 12 days" in summary
    screenshot(phone, "plan_with_tube_360")
    assert sideways_overflow(phone) <= 0
