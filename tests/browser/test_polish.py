"""Print and polish (issue 16) in a real Chromium at 360×640: touch targets, the focus ring's contrast,
and the print layout."""

import datetime as dt
import itertools
import re
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import follow, screenshot
from tests.browser.test_pages import sideways_overflow, violations

SMALL = {"viewport": {"width": 360, "height": 640}, "locale": "en-GB", "timezone_id": "Europe/London"}
emails = itertools.count()


def sign_up(page, live_server) -> str:
    """A new account whose person is Robin; the URL of Robin's pages (…/people/<id>)."""
    page.goto(live_server + "/account/signup")
    page.get_by_label("Email address").fill(f"polish{next(emails)}@example.org")
    page.get_by_label("Choose a password").fill("ribbon kettle orbit saffron 42")
    page.get_by_label("Your name or a nickname").fill("Robin")
    follow(page, page.get_by_role("button", name="Create account"))
    return page.url.rsplit("/", 1)[0]


def luminance(rgb: str) -> float:
    """WCAG relative luminance of a computed colour, "rgb(r, g, b)"."""
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# The ring is drawn outside the element, so what it must stand out from is the parent's background
# (the nearest ancestor that paints one).
RING_AND_BACKGROUND = """el => {
  let parent = el.parentElement, background = getComputedStyle(parent).backgroundColor;
  while (parent && /rgba\\(.*, 0\\)|transparent/.test(background)) {
    parent = parent.parentElement;
    background = parent ? getComputedStyle(parent).backgroundColor : "rgb(255, 255, 255)";
  }
  return [el.matches(":focus-visible"), getComputedStyle(el).outlineColor, background];
}"""


@pytest.mark.parametrize("phone", [SMALL], indirect=True)
def test_itch_choices_are_44_px_touch_targets(phone, live_server):
    phone.goto(sign_up(phone, live_server) + "/itch")
    labels = phone.locator(".choices label")
    assert labels.count() == 12  # 0 to 10, and "woke me up"
    for box in (labels.nth(i).bounding_box() for i in range(labels.count())):
        assert box["height"] >= 44 and box["width"] >= 44, box
    phone.locator("label[for=peak-7]").click()
    assert phone.locator("#peak-7").is_checked()


@pytest.mark.parametrize("phone", [SMALL, {**SMALL, "color_scheme": "dark"}], indirect=True, ids=["light", "dark"])
def test_the_focus_ring_stands_out_3_to_1_from_each_background(phone, live_server):
    person = sign_up(phone, live_server)
    phone.goto(person + "/itch")
    phone.keyboard.press("Tab")  # keyboard use: focus now shows as :focus-visible
    # On a phone the bottom tab bar takes the place of the person's menu (.person-nav, hidden there).
    for selector in (".help-link", ".tab-bar a", "#peak-3", "main button[type=submit]", ".site-footer a"):
        element = phone.locator(selector).first
        element.focus()
        visible, ring, background = element.evaluate(RING_AND_BACKGROUND)
        assert visible, selector
        assert contrast(ring, background) >= 3, f"{selector}: {ring} on {background}"


@pytest.mark.parametrize("phone", [SMALL], indirect=True)
def test_the_name_on_today_does_not_push_i_applied_it_down(phone, live_server):
    person = sign_up(phone, live_server)
    phone.goto(person + "/plan")
    first = dt.datetime.now(ZoneInfo("Europe/London"))
    phone.get_by_label("First dose time").fill(first.strftime("%H:%M"))
    phone.get_by_label("Second dose time (twice a day only)").fill((first + dt.timedelta(hours=12)).strftime("%H:%M"))
    follow(phone, phone.get_by_role("button", name="Save my plan"))
    button = phone.get_by_role("button", name="I applied it")
    with_name = button.bounding_box()["y"]
    phone.evaluate(
        "sub => sub.textContent = sub.textContent.split(' · ')[1]", phone.locator(".h1-sub").element_handle()
    )
    assert "Robin" not in phone.locator("h1").inner_text()
    assert button.bounding_box()["y"] == with_name  # the name shares the date's line


@pytest.mark.parametrize("phone", [SMALL], indirect=True)
def test_print_leaves_out_navigation_and_keeps_the_name(phone, live_server):
    phone.goto(sign_up(phone, live_server) + "/today")
    phone.emulate_media(media="print")
    assert not phone.locator(".person-nav").is_visible()
    assert not phone.locator(".account-nav").is_visible()
    assert not phone.locator(".tab-bar").is_visible()
    assert not any(switcher.is_visible() for switcher in phone.locator(".language-switcher").all())
    assert "Robin" in phone.locator("h1").inner_text()


@pytest.mark.parametrize("phone", [SMALL, {**SMALL, "color_scheme": "dark"}], indirect=True, ids=["light", "dark"])
def test_today_and_itch_fit_a_small_phone_and_pass_axe_in_light_and_dark(phone, live_server, request):
    scheme = request.node.callspec.id.split("-")[0]
    person = sign_up(phone, live_server)
    for page in ("today", "itch"):
        phone.goto(f"{person}/{page}")
        screenshot(phone, f"polish_{page}_360_{scheme}")
        assert sideways_overflow(phone) <= 0, page
        assert violations(phone) == [], page
