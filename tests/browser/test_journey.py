"""A patient's first day at phone size: sign up, set a plan, apply, tap again, log itch, POEM, history."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import follow, screenshot
from tests.browser.test_pages import violations

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize("phone", [{"timezone_id": "Europe/London"}], indirect=True)
def test_first_day_journey(phone, live_server):
    seen = []

    def check(name):
        screenshot(phone, f"journey_{len(seen):02d}_{name}")
        assert violations(phone) == [], name
        assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), name
        seen.append(name)

    phone.goto(live_server + "/account/signup")
    check("signup")
    phone.get_by_label("Email address").fill("journey@example.org")
    phone.get_by_label("Choose a password").fill("ribbon kettle orbit saffron 42")
    phone.get_by_label("Your name or a nickname").fill("Sam")
    assert phone.get_by_label("Time zone").input_value() == "Europe/London", "detected by the browser"
    follow(phone, phone.get_by_role("button", name="Create account"))
    assert "/people/" in phone.url and phone.url.endswith("/today"), phone.locator("main").inner_text()

    phone.goto(phone.url.rsplit("/", 1)[0] + "/plan")
    check("plan")
    # A dose 30 minutes from now, so its window is open during the test.
    first = dt.datetime.now(LONDON) + dt.timedelta(minutes=30)
    phone.get_by_label("First dose time").fill(first.strftime("%H:%M"))
    phone.get_by_label("Second dose time (twice a day only)").fill((first + dt.timedelta(hours=12)).strftime("%H:%M"))
    phone.get_by_role("button", name="Save my plan").click()
    phone.wait_for_url("**/today")
    check("today_open")

    follow(phone, phone.get_by_role("button", name="I applied it"))
    assert "recorded as applied" in phone.locator(".flashes").inner_text()
    assert phone.get_by_role("button", name="I applied it").count() == 0, "no invitation to a second dose"
    assert "You applied this dose at" in phone.locator(".moment-message").inner_text()
    check("today_applied")

    # Tapping again through the API (as a second device would) is stored as extra, and says so.
    response = phone.evaluate(
        """async () => {
            const token = (await (await fetch('/api/v1/csrf-token')).json()).csrf_token;
            const people = await (await fetch('/api/v1/people')).json();
            const id = (people.people || people)[0].id;
            const r = await fetch(`/api/v1/people/${id}/applications`, {method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-CSRFToken': token}, body: '{}'});
            return await r.json();
        }"""
    )
    assert response["verdict"] == "extra"
    assert "already applied" in response["message"]

    follow(phone, phone.get_by_role("navigation", name="Pages for Sam").get_by_role("link", name="Symptoms"))
    check("symptoms")
    phone.goto(phone.url.rsplit("/", 1)[0] + "/itch")
    phone.locator("input[name=peak][value='5']").check()
    follow(phone, phone.get_by_role("button", name="Save"))
    check("itch_saved")

    phone.goto(phone.url.split("/itch")[0] + "/poem")
    for group in phone.locator("fieldset").all():
        group.locator("input[type=radio]").nth(1).check()
    follow(phone, phone.get_by_role("button", name="See my score"))
    assert "7" in phone.locator("main").inner_text()
    check("poem_result")

    follow(phone, phone.get_by_role("navigation", name="Pages for Sam").get_by_role("link", name="History"))
    check("history")
    assert len(seen) == 8
    # On a phone the month is a list of days, each naming its weekday: nothing scrolls sideways, not
    # even inside the calendar. Where there is room it is a grid of weeks under weekday headings.
    calendar, today = phone.locator(".cal-region"), phone.locator("td[aria-current=date]")
    assert calendar.evaluate("region => region.scrollWidth <= region.clientWidth")
    assert today.locator(".cal-weekday").is_visible() and not phone.locator(".calendar thead").is_visible()
    phone.set_viewport_size({"width": 1280, "height": 900})
    assert phone.locator(".calendar thead").is_visible() and not today.locator(".cal-weekday").is_visible()
    assert len({round(cell.bounding_box()["y"]) for cell in phone.locator("tbody tr").first.locator("td").all()}) == 1
    screenshot(phone, "journey_08_history_wide")
