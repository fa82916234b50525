"""Reminder settings and the inbox in a real Chromium at phone size: axe, no sideways scrolling,
the push button that only JavaScript shows, the settings form, and the inbox after a sweep."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from app.config import TestingConfig
from app.extensions import db
from app.models import DoseSlot, ReminderSettings
from app.reminders import scheduler
from tests.browser.conftest import follow, screenshot
from tests.browser.test_pages import sideways_overflow, violations

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A live server like conftest's, whose app the test also holds, to run the scheduler's sweep
    on the same SQLite file the pages read."""
    instance = tmp_path_factory.mktemp("reminders")
    config = type("LiveConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/live.sqlite3"})
    app = create_app(config)
    app.instance_path = str(instance)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


def check(page, name: str) -> None:
    """Screenshot, then axe and the phone's width, in light and dark."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        screenshot(page, f"reminders_{name}" + ("_dark" if scheme == "dark" else ""))
        found = violations(page)
        assert found == [], f"{name} ({scheme})"
        assert sideways_overflow(page) <= 0, f"{name} ({scheme})"
    page.emulate_media(color_scheme="light")


def sign_up_with_a_plan(phone, base) -> str:
    """Sign up as Sam in London with doses 30 minutes from now and 12 hours later; the person's URL."""
    phone.goto(base + "/account/signup")
    phone.get_by_label("Email address").fill("reminders@example.org")
    phone.get_by_label("Choose a password").fill("ribbon kettle orbit saffron 42")
    phone.get_by_label("Your name or a nickname").fill("Sam")
    phone.get_by_role("button", name="Create account").click()
    phone.wait_for_url("**/today")
    person_url = phone.url.rsplit("/", 1)[0]
    phone.goto(person_url + "/plan")
    first = dt.datetime.now(LONDON) + dt.timedelta(minutes=30)
    phone.get_by_label("First dose time").fill(first.strftime("%H:%M"))
    phone.get_by_label("Second dose time (twice a day only)").fill((first + dt.timedelta(hours=12)).strftime("%H:%M"))
    phone.get_by_role("button", name="Save my plan").click()
    phone.wait_for_url("**/today")
    return person_url


@pytest.mark.parametrize("phone", [{"timezone_id": "Europe/London"}], indirect=True)
def test_reminder_settings_and_inbox_on_a_phone(phone, server, browser):
    base, app = server
    person_url = sign_up_with_a_plan(phone, base)
    person_id = int(person_url.rsplit("/", 1)[1])

    phone.goto(person_url + "/reminders")
    # Chromium has PushManager: push.js shows the button the no-JS page keeps hidden.
    enable = phone.get_by_role("button", name="Turn on notifications")
    enable.wait_for(state="visible")
    assert phone.get_by_role("button", name="Turn off on this device").is_hidden()
    assert phone.locator("[data-push-status]").get_attribute("aria-live") == "polite"
    check(phone, "settings")

    # Quiet hours well away from the first dose, whose reminder the sweep sends below.
    quiet = [(dt.datetime.now(LONDON) + dt.timedelta(hours=h)).strftime("%H:%M") for h in (3, 4)]
    phone.get_by_label("If a dose is not recorded, remind me again after").select_option("30")
    phone.get_by_label("Quiet hours start").fill(quiet[0])
    phone.get_by_label("Quiet hours end").fill(quiet[1])
    # A POEM day two days off, so its 18:00 prompt never falls in the sweep below (on a Monday at 17:40,
    # Monday's prompt did).
    poem_day = (dt.datetime.now(LONDON) + dt.timedelta(days=2)).date()
    phone.get_by_label("Weekly eczema check (POEM) reminder").select_option(label=poem_day.strftime("%A"))
    phone.get_by_label("Remind me of my treatment review date").uncheck()
    follow(phone, phone.get_by_role("button", name="Save", exact=True))
    assert "Your reminder settings are saved." in phone.locator(".flashes").inner_text()
    assert phone.get_by_label("Quiet hours start").input_value() == quiet[0]
    assert not phone.get_by_label("Remind me of my treatment review date").is_checked()
    with app.app_context():
        saved = db.session.get(ReminderSettings, person_id)
        assert (saved.missed_after_minutes, saved.quiet_start, saved.quiet_end, saved.poem_weekday, saved.review) == (
            30, *quiet, poem_day.weekday(), False)  # fmt: skip

    phone.get_by_label("Quiet hours end").fill("")
    phone.get_by_role("button", name="Save", exact=True).click()
    alert = phone.get_by_role("alert")
    assert "Give both a start and an end for quiet hours, or neither." in alert.inner_text()
    check(phone, "settings_errors")

    phone.get_by_role("button", name="Make a calendar link").click()
    phone.wait_for_url(f"**/people/{person_id}/reminders#calendar")
    feed = phone.get_by_label("Your calendar link").input_value()
    assert feed.startswith(base + "/calendar/") and feed.endswith(".ics")
    assert phone.request.get(feed).headers["content-type"] == "text/calendar; charset=utf-8"
    check(phone, "settings_calendar")

    # The scheduler's sweep at the first dose's time puts its reminder in the inbox.
    with app.app_context():
        slot = db.session.scalar(select(DoseSlot).where(DoseSlot.person_id == person_id, DoseSlot.scheduled_at
                                                        > dt.datetime.now(dt.UTC)).order_by(DoseSlot.scheduled_at))  # fmt: skip
        due = slot.scheduled_at
    assert scheduler.run_sweep(app, due, scheduler.make_channels(app, push=None))["sent"] == 1
    phone.goto(person_url + "/inbox")
    assert phone.locator(".account-nav .badge").inner_text() == "1 new reminder"
    assert phone.locator(".inbox-item.unread").count() == 1
    assert phone.get_by_role("button", name="Remind me in 10 min").is_visible()
    check(phone, "inbox")
    follow(phone, phone.get_by_role("button", name="Mark all as read"))
    assert phone.locator(".account-nav .badge").count() == 0

    # Without JavaScript the same account sees no push buttons, and the page says why.
    no_js = browser.new_context(storage_state=phone.context.storage_state(), java_script_enabled=False,
                                viewport=phone.viewport_size, device_scale_factor=2, is_mobile=True)  # fmt: skip
    try:
        page = no_js.new_page()
        page.goto(person_url + "/reminders")
        assert page.get_by_role("button", name="Turn on notifications").count() == 0, "hidden, so not in the tree"
        assert page.get_by_text("Turning notifications on needs JavaScript.").is_visible()
        screenshot(page, "reminders_settings_nojs")
    finally:
        no_js.close()
