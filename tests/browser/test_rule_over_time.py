"""The rule over time at phone size: a dose applied in London, then a move to Tokyo. The move says what it
did in words, and Today, now in the new local time, names the dose as applied and invites no second one."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import follow, screenshot
from tests.browser.test_pages import violations

LONDON, TOKYO = ZoneInfo("Europe/London"), ZoneInfo("Asia/Tokyo")


def short(instant: dt.datetime) -> str:
    """An instant as the English pages show a time: "20:05"."""
    return instant.strftime("%H:%M")


@pytest.mark.parametrize("phone", [{"timezone_id": "Europe/London"}], indirect=True)
def test_a_move_after_a_dose_names_it_applied_in_the_new_time_and_invites_no_second_one(phone, live_server):
    phone.goto(live_server + "/account/signup")
    phone.get_by_label("Email address").fill("traveller@example.org")
    phone.get_by_label("Choose a password").fill("ribbon kettle orbit saffron 42")
    phone.get_by_label("Your name or a nickname").fill("Alex")
    follow(phone, phone.get_by_role("button", name="Create account"))
    person_url = phone.url.rsplit("/", 1)[0]

    phone.goto(person_url + "/plan")
    first = dt.datetime.now(LONDON) + dt.timedelta(minutes=30)  # its window is open during the test
    phone.get_by_label("First dose time").fill(first.strftime("%H:%M"))
    phone.get_by_label("Second dose time (twice a day only)").fill((first + dt.timedelta(hours=12)).strftime("%H:%M"))
    phone.get_by_role("button", name="Save my plan").click()
    phone.wait_for_url("**/today")
    follow(phone, phone.get_by_role("button", name="I applied it"))
    applied = dt.datetime.now(TOKYO)

    phone.goto(live_server + "/account/people/" + person_url.rsplit("/", 1)[1] + "/edit")
    phone.get_by_label("Time zone").select_option("Asia/Tokyo")
    follow(phone, phone.get_by_role("button", name="Save"))
    said = phone.locator(".flashes").inner_text().replace("\u202f", " ")
    assert "You changed time zone. All times are now your new local time." in said
    # The applied dose in Tokyo's clock (the minute may have turned between the tap and the reading).
    assert any(f"You applied this dose at {short(applied - dt.timedelta(minutes=m))}" in said for m in (0, 1)), said
    screenshot(phone, "rule_over_time_01_moved")
    assert violations(phone) == []

    phone.goto(person_url + "/today")
    message = phone.locator(".moment-message").inner_text().replace("\u202f", " ")
    assert message.startswith("You applied this dose at"), message
    assert phone.get_by_role("button", name="I applied it").count() == 0, "no invitation to a second dose"
    screenshot(phone, "rule_over_time_02_today_in_tokyo")
    assert violations(phone) == []
