"""Reminder pages: settings, push subscriptions, the calendar link and feed, the inbox, notification actions.

The person lives in London (BST, UTC+1 in June) with a plan made at 07:30 on 1 June 2026 for
08:00 and 20:00: the 08:00 dose's window closes at 14:00 local, 13:00 UTC.
"""

import datetime as dt
import re

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar
from sqlalchemy import func, select

from app.extensions import db
from app.models import Application, InboxMessage, Person, PushSubscription, Reminder, ReminderSettings, Skip
from app.patients import doses, ledger, plans
from app.reminders import scheduler
from app.web.reminders import routes
from tests.conftest import check_page, csrf_from

UTC = dt.UTC
PLAN_AT = dt.datetime(2026, 6, 1, 6, 30, tzinfo=UTC)  # 07:30 in London
DUE = dt.datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # the 08:00 dose
CLOSES = dt.datetime(2026, 6, 1, 13, 0, tzinfo=UTC)  # 14:00, when the 08:00 dose's window closes
SUBSCRIPTION = {"endpoint": "https://push.example.net/send/abc123", "keys": {"p256dh": "BPk3" * 20, "auth": "a1b2c3d4"}}


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The pages' clock: five minutes after the 08:00 dose's reminder, unless a test moves it."""
    now = {"value": DUE + dt.timedelta(minutes=5)}
    monkeypatch.setattr(routes, "utcnow", lambda: now["value"])
    return now


@pytest.fixture
def person(app, make_account, sign_in) -> Person:
    """A signed-in account's one person, in London, with an 08:00 and 20:00 plan made at 07:30."""
    account = make_account()
    sign_in(account)
    with app.app_context():
        person = db.session.get(Person, account.people[0].id)
        plans.create_plan(person, plans.PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], PLAN_AT.date()),
                          PLAN_AT)  # fmt: skip
        db.session.expunge_all()
    return account.people[0]


def sweep(app, at: dt.datetime):
    """One run of the scheduler's sweep at `at`, inbox only, as the scheduler process does it."""
    with app.app_context():
        return scheduler.run_sweep(app, at, scheduler.make_channels(app, push=None))


def pending(app, channel: str) -> set[tuple]:
    """(slot, kind, send time) of the pending reminders on one channel."""
    with app.app_context():
        rows = db.session.execute(
            select(Reminder.slot_id, Reminder.kind, Reminder.send_at).where(
                Reminder.channel == channel, Reminder.state == "pending"
            )
        )
        return {tuple(row) for row in rows}


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def stored_settings(app, person) -> ReminderSettings | None:
    with app.app_context():
        settings = db.session.get(ReminderSettings, person.id)
        db.session.expunge_all()
        return settings


def morning_slot(app, person) -> int:
    with app.app_context():
        return ledger.slots_between(person, DUE, DUE + dt.timedelta(minutes=1))[0].id


def soup(response) -> BeautifulSoup:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    check_page(page, response.request.path)
    return page


def text(node) -> str:
    """Visible text with Babel's narrow and ordinary no-break spaces made plain (English times, "08:00", have none)."""
    return node.get_text(" ", strip=True).replace("\u202f", " ").replace("\xa0", " ")


# Settings


def settings_form(**changes) -> dict:
    """What the settings form sends with the defaults, changed as given (None leaves a field out)."""
    data = {"missed_after": "60", "quiet_start": "", "quiet_end": "", "poem_weekday": "6", "review": "y"}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def save(client, person, **changes):
    url = f"/people/{person.id}/reminders"
    return client.post(url, data={"csrf_token": csrf_from(client, url), **settings_form(**changes)})


def test_the_settings_page_shows_the_defaults(pages, person):
    page = pages.get(f"/people/{person.id}/reminders")
    assert page.select_one("#missed_after option[selected]")["value"] == "60"
    assert text(page.find("label", attrs={"for": "missed_after"})) == "If a dose is not recorded, remind me again after"
    assert page.select_one("#poem_weekday option[selected]").get_text() == "Sunday"
    assert page.select_one("#review").has_attr("checked")
    assert not page.select_one("#email").has_attr("checked")
    assert page.select_one("#quiet_start")["value"] == "" and page.select_one("#quiet_end")["value"] == ""
    assert page.select_one("[aria-current=page]").get_text() == "Reminders"


def test_saving_valid_choices_stores_them_and_says_so(app, client, pages, person):
    response = save(client, person, missed_after="30", quiet_start="22:00", quiet_end="07:00", poem_weekday="0",
                    review=None, email="y")  # fmt: skip
    assert response.status_code == 302
    assert response.location.endswith(f"/people/{person.id}/reminders")
    page = pages.get(response.location)
    assert "Your reminder settings are saved." in text(page.select_one(".flashes"))
    assert page.select_one("#missed_after option[selected]")["value"] == "30"
    assert page.select_one("#quiet_start")["value"] == "22:00" and page.select_one("#quiet_end")["value"] == "07:00"
    assert page.select_one("#poem_weekday option[selected]").get_text() == "Monday"
    assert page.select_one("#email").has_attr("checked") and not page.select_one("#review").has_attr("checked")
    saved = stored_settings(app, person)
    assert (saved.missed_after_minutes, saved.poem_weekday, saved.quiet_start, saved.quiet_end) == (
        30,
        0,
        "22:00",
        "07:00",
    )
    assert (saved.email, saved.review, saved.push) == (True, False, False)


def test_a_new_missed_after_time_moves_the_missed_reminders_ahead(app, client, person, clock):
    clock["value"] = PLAN_AT
    save(client, person, missed_after="90")
    missed = sorted(at for _, kind, at in pending(app, "inbox") if kind == "missed")
    assert missed[:2] == [DUE + dt.timedelta(minutes=90), dt.datetime(2026, 6, 1, 20, 30, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quiet_start": "22:00"}, "quiet_end", "Give both a start and an end for quiet hours, or neither."),
        ({"quiet_end": "07:00"}, "quiet_start", "Give both a start and an end for quiet hours, or neither."),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start", "Enter a time like 22:00."),
        ({"quiet_start": "22:00", "quiet_end": "7pm"}, "quiet_end", "Enter a time like 22:00."),
        ({"quiet_start": "22:00", "quiet_end": "07:00:00"}, "quiet_end", "Enter a time like 22:00."),
        ({"missed_after": "20"}, "missed_after", "Choose one of the times in the list."),
        ({"missed_after": "sixty"}, "missed_after", "Choose one of the times in the list."),
        ({"missed_after": None}, "missed_after", "Choose one of the times in the list."),
        ({"poem_weekday": "7"}, "poem_weekday", "Not a valid choice."),
    ],
)
def test_invalid_settings_are_refused_next_to_the_field_and_nothing_is_saved(app, client, person, changes, field,
                                                                              message):  # fmt: skip
    response = save(client, person, email="y", **changes)
    assert response.status_code == 400
    page = soup(response)
    assert text(page.select_one(f"#{field}-error")) == message
    assert page.select_one(f"#{field}")["aria-invalid"] == "true"
    assert f"{field}-error" in page.select_one(f"#{field}")["aria-describedby"]
    assert page.select_one(".error-summary a")["href"] == f"#{field}"
    assert stored_settings(app, person) is None
    assert pending(app, "email") == set()


def test_a_refused_setting_is_explained_in_the_readers_language(app, client, make_account, sign_in):
    account = make_account(email="lea@example.org", locale="fr")
    sign_in(account)
    response = save(client, account.people[0], missed_after="20", quiet_start="22:00")
    assert response.status_code == 400
    page = soup(response)
    assert page.html["lang"] == "fr"
    assert text(page.select_one("#missed_after-error")) == "Choisissez une des durées de la liste."
    quiet_hours = "Indiquez le début et la fin des heures calmes, ou aucun des deux."
    assert text(page.select_one("#quiet_end-error")) == quiet_hours
    assert text(page.select_one("#error-summary-title")) == "Veuillez corriger ces problèmes"


@pytest.mark.parametrize("typed", [" 22:00 ", "22:00\n"])
def test_spaces_around_a_quiet_hour_are_ignored(app, client, person, typed):
    assert save(client, person, quiet_start=typed, quiet_end="07:00").status_code == 302
    assert stored_settings(app, person).quiet_start == "22:00"


def test_a_settings_post_without_the_csrf_token_is_refused(app, client, person):
    response = client.post(f"/people/{person.id}/reminders", data=settings_form(email="y"))
    assert response.status_code == 400
    assert stored_settings(app, person) is None


def test_turning_email_on_plans_email_reminders_for_the_doses_ahead_and_off_removes_them(app, client, person, clock):
    clock["value"] = PLAN_AT
    assert pending(app, "email") == set()
    save(client, person, email="y")
    email = pending(app, "email")
    dose_reminders = {row for row in pending(app, "inbox") if row[0] is not None}
    assert {(DUE, "due")} <= {(at, kind) for _, kind, at in email}
    assert {row for row in email if row[0] is not None} == dose_reminders, "one email per dose reminder"
    assert all(at > PLAN_AT for _, _, at in email)
    save(client, person, email=None)
    assert pending(app, "email") == set()
    assert {row for row in pending(app, "inbox") if row[0] is not None} == dose_reminders, "the inbox keeps its own"


def test_the_page_explains_push_on_iphone_and_hides_its_buttons_until_javascript_shows_them(pages, person):
    page = pages.get(f"/people/{person.id}/reminders")
    push = page.select_one("[data-push]")
    assert "add this app to your Home Screen" in text(push)
    assert "needs JavaScript" in text(push)
    assert "No device gets notifications yet." in text(push)
    switches = [push.select_one("[data-push-enable]"), push.select_one("[data-push-disable]")]
    assert [s.button.get_text() for s in switches] == ["Turn on notifications", "Turn off on this device"]
    assert all(s.has_attr("hidden") for s in switches), "a button that cannot work without JavaScript is not shown"
    assert len(push.select("button")) == 2, "no other button in the push section"
    assert push.select_one("[data-push-status]")["aria-live"] == "polite"
    assert push["data-csrf"] and push["data-subscribe-url"] == f"/people/{person.id}/reminders/push"
    assert push["data-vapid-key"], "the browser needs the server's public key to subscribe"
    assert page.find("script", src=re.compile(r"^/static/js/push\.js\?v=[0-9a-f]{12}$")).has_attr("defer")


def test_viewing_the_settings_page_changes_nothing(app, pages, person):
    pages.get(f"/people/{person.id}/reminders")
    assert stored_settings(app, person) is None


# Push subscriptions


def push_post(client, person, body, path="push", csrf=True):
    """POST JSON as push.js does, with the token from the settings page's data-csrf."""
    headers = {}
    if csrf:
        page = BeautifulSoup(client.get(f"/people/{person.id}/reminders").get_data(as_text=True), "html.parser")
        headers["X-CSRFToken"] = page.select_one("[data-push]")["data-csrf"]
    return client.post(f"/people/{person.id}/reminders/{path}", json=body, headers=headers)


def test_subscribing_stores_the_subscription_and_plans_push_reminders(app, client, pages, person, clock):
    clock["value"] = PLAN_AT
    response = push_post(client, person, SUBSCRIPTION)
    assert response.status_code == 200
    assert response.json["message"] == "Reminders will now come to this device."
    with app.app_context():
        [sub] = db.session.scalars(select(PushSubscription)).all()
        assert (sub.person_id, sub.endpoint, sub.p256dh, sub.auth) == (
            person.id, SUBSCRIPTION["endpoint"], SUBSCRIPTION["keys"]["p256dh"], SUBSCRIPTION["keys"]["auth"])  # fmt: skip
    assert stored_settings(app, person).push is True
    push = pending(app, "push")
    assert (DUE, "due") in {(at, kind) for _, kind, at in push}
    assert {row for row in push if row[0]} == {row for row in pending(app, "inbox") if row[0]}
    assert "1 device gets notifications." in text(pages.get(f"/people/{person.id}/reminders").select_one("[data-push]"))


@pytest.mark.parametrize("path", ["push", "push/remove"])
def test_a_signed_out_push_call_gets_a_401_and_a_message_not_the_sign_in_page(app, client, make_account, path):
    person = make_account().people[0]
    token = client.get("/api/v1/csrf-token").json["csrf_token"]
    response = client.post(f"/people/{person.id}/reminders/{path}", json=SUBSCRIPTION, headers={"X-CSRFToken": token})
    assert response.status_code == 401
    assert response.json["message"] == "Sign in to use this."
    assert count(app, PushSubscription) == 0


def test_subscribing_without_the_csrf_header_is_refused(app, client, person):
    response = push_post(client, person, SUBSCRIPTION, csrf=False)
    assert response.status_code == 400
    assert count(app, PushSubscription) == 0
    assert pending(app, "push") == set()


UNUSABLE = {
    "http": {**SUBSCRIPTION, "endpoint": "http://push.example.net/send/abc123"},
    "javascript": {**SUBSCRIPTION, "endpoint": "javascript:alert(1)"},
    "too-long": {**SUBSCRIPTION, "endpoint": "https://push.example.net/" + "x" * 1024},
    "no-keys": {"endpoint": SUBSCRIPTION["endpoint"]},
    "no-auth": {**SUBSCRIPTION, "keys": {"p256dh": SUBSCRIPTION["keys"]["p256dh"]}},
    "number-key": {**SUBSCRIPTION, "keys": {"p256dh": 12, "auth": "a1b2"}},
    "keys-not-object": {**SUBSCRIPTION, "keys": "p256dh"},
    "endpoint-list": {**SUBSCRIPTION, "endpoint": ["https://push.example.net/a"]},
    "array": [SUBSCRIPTION],
    "string": "https://push.example.net/send/abc123",
    "empty": {},
}


@pytest.mark.parametrize("body", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_a_subscription_we_cannot_use_gets_a_400_with_a_message(app, client, person, body):
    response = push_post(client, person, body)
    assert response.status_code == 400
    assert response.json["message"] == "This browser sent a subscription we cannot use."
    assert count(app, PushSubscription) == 0
    assert stored_settings(app, person) is None


def test_unsubscribing_forgets_the_device_and_its_push_reminders(app, client, person, clock):
    clock["value"] = PLAN_AT
    push_post(client, person, SUBSCRIPTION)
    response = push_post(client, person, {"endpoint": SUBSCRIPTION["endpoint"]}, path="push/remove")
    assert response.status_code == 200
    assert response.json["message"] == "This device will get no more reminders."
    assert count(app, PushSubscription) == 0
    assert stored_settings(app, person).push is False
    assert pending(app, "push") == set()
    assert pending(app, "inbox"), "the inbox still reminds"


def test_unsubscribing_another_persons_device_leaves_it_alone(app, client, person, make_account, sign_in):
    push_post(client, person, SUBSCRIPTION)
    intruder = make_account(email="mallory@example.org")
    sign_in(intruder)
    response = push_post(client, intruder.people[0], {"endpoint": SUBSCRIPTION["endpoint"]}, path="push/remove")
    assert response.status_code == 200
    assert count(app, PushSubscription, PushSubscription.person_id == person.id) == 1


@pytest.mark.parametrize("body", [[SUBSCRIPTION["endpoint"]], "x", {"endpoint": 5}])
def test_an_unsubscribe_body_that_is_not_one_is_not_a_server_error(app, client, person, body):
    push_post(client, person, SUBSCRIPTION)
    assert push_post(client, person, body, path="push/remove").status_code == 400
    assert count(app, PushSubscription) == 1


# Calendar link and feed


def calendar_action(client, person, action):
    url = f"/people/{person.id}/reminders"
    return client.post(f"{url}/calendar", data={"csrf_token": csrf_from(client, url), "action": action})


def feed_path(pages, person, page=None) -> str | None:
    """The feed address the reminders page shows (only on the first view after the link is made)."""
    field = (page or pages.get(f"/people/{person.id}/reminders")).select_one("#feed-url")
    return field["value"].removeprefix("http://localhost") if field else None


def test_the_calendar_link_gives_a_feed_with_one_event_per_dose_time(app, client, pages, person):
    response = calendar_action(client, person, "create")
    assert response.status_code == 302 and response.location.endswith(f"/people/{person.id}/reminders#calendar")
    page = pages.get(f"/people/{person.id}/reminders")
    assert "Your calendar link is ready." in text(page.select_one(".flashes"))
    path = feed_path(pages, person, page)
    assert path.startswith("/calendar/") and path.endswith(".ics")
    assert page.find("a", string="Open in my calendar app")["href"] == "webcal://localhost" + path

    feed = app.test_client().get(path)  # a calendar app has no session: the secret URL is the key
    assert feed.status_code == 200
    assert feed.mimetype == "text/calendar"
    assert feed.headers["Cache-Control"] == "no-store"
    events = Calendar.from_ical(feed.data).walk("VEVENT")
    assert {e.decoded("dtstart").strftime("%H:%M") for e in events} == {"08:00", "20:00"}
    assert all(str(e["dtstart"].params["TZID"]) == "Europe/London" for e in events)


def test_a_new_calendar_link_stops_the_old_one(app, client, pages, person):
    calendar_action(client, person, "create")
    old = feed_path(pages, person)
    calendar_action(client, person, "rotate")
    new = feed_path(pages, person)
    assert new != old
    visitor = app.test_client()
    assert visitor.get(old).status_code == 404
    assert visitor.get(new).status_code == 200


def test_turning_the_calendar_link_off_stops_it(app, client, pages, person):
    calendar_action(client, person, "create")
    path = feed_path(pages, person)
    calendar_action(client, person, "revoke")
    page = pages.get(f"/people/{person.id}/reminders")
    assert page.select_one("#feed-url") is None
    assert page.find("button", string="Make a calendar link")
    assert app.test_client().get(path).status_code == 404


def test_the_calendar_link_is_shown_once_and_then_only_a_new_one_can_be_made(app, client, pages, person):
    calendar_action(client, person, "create")
    path = feed_path(pages, person)
    page = pages.get(f"/people/{person.id}/reminders")
    assert page.select_one("#feed-url") is None and path not in str(page)
    assert "cannot show it again" in text(page.select_one("#calendar-section"))
    assert page.find("button", string="Make a new link") and page.find("button", string="Turn off the link")
    assert app.test_client().get(path).status_code == 200  # not shown, still working


def test_a_new_calendar_link_is_shown_only_on_its_own_persons_page(app, client, pages, make_account, sign_in):
    account = make_account(email="two@example.org", people=(("Ana", "Europe/London"), ("Ben", "Europe/London")))
    sign_in(account)
    ana, ben = account.people
    calendar_action(client, ana, "create")
    assert feed_path(pages, ben) is None


@pytest.mark.parametrize("action", ["", "delete", "CREATE"])
def test_an_unknown_calendar_action_changes_nothing(app, client, pages, person, action):
    assert calendar_action(client, person, action).status_code == 302
    assert feed_path(pages, person) is None


def test_a_guessed_calendar_token_is_not_found(app, client, person):
    calendar_action(client, person, "create")
    assert app.test_client().get("/calendar/not-a-real-token.ics").status_code == 404
    assert app.test_client().get("/calendar/.ics").status_code == 404


# Inbox


def inbox(pages, person) -> BeautifulSoup:
    return pages.get(f"/people/{person.id}/inbox")


def snooze_options(page) -> list[str]:
    return [b["value"] for b in page.select("form[action$='/snooze'] button[name=minutes]")]


def test_after_a_sweep_the_inbox_lists_the_reminder_and_the_header_counts_it(app, pages, person):
    assert sweep(app, DUE)["sent"] == 1
    page = inbox(pages, person)
    [item] = page.select(".inbox-item")
    assert "unread" in item["class"]
    assert text(item.select_one(".inbox-title")) == "New Time for your 08:00 dose"
    assert "Apply a thin layer of your cream to the affected skin." in text(item)
    assert text(item.select_one(".inbox-time")) == "1 June 2026, 08:00"
    badge = page.select_one(".account-nav a.badge")
    assert text(badge) == "1 new reminder"
    assert badge["href"] == f"/people/{person.id}/inbox"
    assert item.find("a", string="Go to Today")["href"] == f"/people/{person.id}/today"


def test_an_empty_inbox_says_so(pages, person):
    page = inbox(pages, person)
    assert "No reminders yet." in text(page.select_one(".inbox"))
    assert page.select_one(".badge") is None
    assert page.find("button", string="Mark all as read") is None


def test_viewing_the_inbox_does_not_mark_anything_read(app, pages, person):
    sweep(app, DUE)
    inbox(pages, person)
    inbox(pages, person)
    assert count(app, InboxMessage, InboxMessage.read_at.is_(None)) == 1
    assert text(inbox(pages, person).select_one(".account-nav a.badge")) == "1 new reminder"


def test_mark_all_as_read_clears_the_badge(app, client, pages, person):
    sweep(app, DUE)
    sweep(app, DUE + dt.timedelta(hours=1))  # the "missed" reminder
    assert text(inbox(pages, person).select_one(".account-nav a.badge")) == "2 new reminders"
    url = f"/people/{person.id}/inbox"
    response = client.post(f"{url}/read", data={"csrf_token": csrf_from(client, url)})
    assert response.status_code == 302 and response.location.endswith(url)
    page = inbox(pages, person)
    assert page.select_one(".badge") is None
    assert len(page.select(".inbox-item")) == 2 and not page.select(".inbox-item.unread")
    assert page.find("button", string="Mark all as read") is None


@pytest.mark.parametrize(
    ("now", "offered"),
    [
        (DUE + dt.timedelta(minutes=5), ["10", "30", "60"]),
        (CLOSES - dt.timedelta(minutes=45), ["10", "30"]),
        (CLOSES - dt.timedelta(minutes=20), ["10"]),
        (CLOSES - dt.timedelta(minutes=10), []),  # a 10-minute snooze would end as the window closes
        (CLOSES + dt.timedelta(minutes=1), []),
    ],
)
def test_snoozes_are_offered_only_while_the_window_stays_open_that_long(app, pages, person, clock, now, offered):
    sweep(app, DUE)
    clock["value"] = now
    assert snooze_options(inbox(pages, person)) == offered


def snooze(client, person, minutes):
    url = f"/people/{person.id}/inbox"
    with client.application.app_context():
        message_id = db.session.scalar(select(InboxMessage.id).order_by(InboxMessage.id.desc()))
    return client.post(f"{url}/{message_id}/snooze", data={"csrf_token": csrf_from(client, url), "minutes": minutes})


def test_a_snooze_reminds_again_at_the_time_chosen(app, client, pages, person, clock):
    sweep(app, DUE)
    response = snooze(client, person, "30")
    assert response.status_code == 302
    assert "We will remind you again at 08:35." in text(inbox(pages, person).select_one(".flashes"))
    assert ("snooze", DUE + dt.timedelta(minutes=35)) in {(kind, at) for _, kind, at in pending(app, "inbox")}
    sweep(app, DUE + dt.timedelta(minutes=35))
    newest = inbox(pages, person).select(".inbox-item")[0]
    assert text(newest.select_one(".inbox-title")) == "New Reminder: your 08:00 dose"
    assert "You can apply it until 14:00." in text(newest)


def test_a_snooze_past_the_windows_close_is_refused_with_a_message(app, client, pages, person, clock):
    sweep(app, DUE)
    clock["value"] = CLOSES - dt.timedelta(minutes=20)
    response = snooze(client, person, "30")
    assert response.status_code == 302
    message = text(inbox(pages, person).select_one(".flashes"))
    assert "This reminder can no longer be snoozed" in message
    assert "snooze" not in {kind for _, kind, _ in pending(app, "inbox")}


@pytest.mark.parametrize("minutes", ["", "5", "abc", "-10", "1000000000000"])
def test_a_snooze_for_a_time_not_offered_is_refused(app, client, pages, person, minutes):
    sweep(app, DUE)
    snooze(client, person, minutes)
    assert "can no longer be snoozed" in text(inbox(pages, person).select_one(".flashes"))
    assert "snooze" not in {kind for _, kind, _ in pending(app, "inbox")}


def test_after_the_dose_is_recorded_no_snooze_is_offered(app, client, pages, person, clock):
    sweep(app, DUE)
    with app.app_context():
        doses.record_application(db.session.get(Person, person.id), clock["value"], clock["value"])
    page = inbox(pages, person)
    assert snooze_options(page) == []
    assert page.select_one("form[action$='/snooze']") is None
    snooze(client, person, "10")
    assert "snooze" not in {kind for _, kind, _ in pending(app, "inbox")}


def test_another_persons_message_cannot_be_snoozed(app, client, person, make_account, sign_in):
    sweep(app, DUE)
    with app.app_context():
        message_id = db.session.scalar(select(InboxMessage.id))
    intruder = make_account(email="mallory@example.org")
    sign_in(intruder)
    url = f"/people/{intruder.people[0].id}/inbox"
    response = client.post(f"{url}/{message_id}/snooze", data={"csrf_token": csrf_from(client, url), "minutes": "10"})
    assert response.status_code == 404
    assert "snooze" not in {kind for _, kind, _ in pending(app, "inbox")}


# Notification actions (the service worker posts these; the signed token is the proof)


def token_for(app, person_id, slot_id) -> str:
    return scheduler.action_signer(app).dumps({"p": person_id, "s": slot_id})


def act(app, person_id, token, action):
    """Post as the service worker does: a form, no session, no CSRF token."""
    return app.test_client().post(f"/people/{person_id}/reminders/act", data={"token": token, "action": action})


def applications(app) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(Application.verdict, Application.source, Application.counts_for_slot_id).order_by(Application.id))]  # fmt: skip


def test_applied_from_a_notification_is_recorded_through_the_rule(app, person):
    slot = morning_slot(app, person)
    response = act(app, person.id, token_for(app, person.id, slot), "applied")
    assert response.status_code == 200
    assert response.json["verdict"] == "counted"
    message = response.json["message"].replace("\u202f", " ")
    assert message == "Done: your 08:00 dose is recorded as applied at 08:05."
    assert applications(app) == [("counted", "push", slot)]


def test_tapping_applied_twice_stores_one_dose_and_never_invites_another(app, person, clock):
    token = token_for(app, person.id, morning_slot(app, person))
    act(app, person.id, token, "applied")
    clock["value"] += dt.timedelta(minutes=3)
    response = act(app, person.id, token, "applied")
    assert response.status_code == 409
    assert response.json["error"] == "reminder_closed"
    message = response.json["message"].replace("\u202f", " ")
    assert message == "You had already applied this dose at 08:05. Nothing more was recorded. Do not apply more cream."
    assert "can still apply" not in message and "Time for" not in message
    assert [verdict for verdict, _, _ in applications(app)] == ["counted"]


def test_skip_from_a_notification_skips_the_dose(app, pages, person):
    slot = morning_slot(app, person)
    sweep(app, DUE)
    response = act(app, person.id, token_for(app, person.id, slot), "skip")
    assert response.status_code == 200
    assert response.json == {"verdict": "skipped", "message": "Dose skipped. Apply your next dose at its usual time."}
    with app.app_context():
        [skip] = db.session.scalars(select(Skip)).all()
        assert (skip.slot_id, skip.reason) == (slot, "Skipped from a reminder")
    assert applications(app) == []
    assert snooze_options(inbox(pages, person)) == [], "a skipped dose is not snoozed"


def test_skipping_a_dose_already_applied_is_refused_with_a_message(app, person):
    token = token_for(app, person.id, morning_slot(app, person))
    act(app, person.id, token, "applied")
    response = act(app, person.id, token, "skip")
    assert response.status_code == 409
    assert response.json["message"] == "This dose is already recorded as applied or skipped."
    assert count(app, Skip) == 0


def test_the_action_answers_in_the_persons_language(app, make_account):
    account = make_account(email="ana@example.org", locale="es")
    with app.app_context():
        person = db.session.get(Person, account.people[0].id)
        plans.create_plan(person, plans.PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], PLAN_AT.date()),
                          PLAN_AT)  # fmt: skip
    token = token_for(app, account.people[0].id, morning_slot(app, account.people[0]))
    response = act(app, account.people[0].id, token, "applied")
    assert response.json["verdict"] == "counted"
    assert response.json["message"].startswith("Hecho")


def test_a_tampered_or_foreign_action_token_is_not_found(app, person, make_account):
    slot = morning_slot(app, person)
    token = token_for(app, person.id, slot)
    other = make_account(email="other@example.org").people[0]
    # The other person's claim with this token's signature, as someone editing the token would make it.
    tampered = token_for(app, other.id, slot).split(".", 1)[0] + "." + token.split(".", 1)[1]
    assert act(app, other.id, tampered, "applied").status_code == 404
    assert act(app, person.id, token.rsplit(".", 1)[0] + ".bm90LXRoZS1zaWduYXR1cmU", "applied").status_code == 404
    assert act(app, person.id, "", "applied").status_code == 404
    assert act(app, other.id, token, "applied").status_code == 404, "the token names another person"
    assert act(app, other.id, token_for(app, other.id, slot), "applied").status_code == 404, "not their slot"
    assert act(app, person.id, token, "delete").status_code == 404
    assert act(app, person.id, token_for(app, person.id, 999_999), "applied").status_code == 404
    assert applications(app) == [] and count(app, Skip) == 0


def test_an_action_token_older_than_two_days_is_not_found(app, person, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr("itsdangerous.timed.time.time", lambda: 1_000_000_000)
        token = token_for(app, person.id, morning_slot(app, person))
    assert act(app, person.id, token, "applied").status_code == 404
    assert applications(app) == []


def test_actions_are_posts_only(app, person):
    assert app.test_client().get(f"/people/{person.id}/reminders/act").status_code == 405


# The service worker


def test_the_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert b'addEventListener("push"' in response.data
    response.close()


# Snoozing again, and changing settings while a snooze waits


def test_a_snoozed_reminder_can_be_snoozed_again(app, client, pages, person, clock):
    sweep(app, DUE)
    snooze(client, person, "10")  # at 08:05, until 08:15
    sweep(app, DUE + dt.timedelta(minutes=15))
    clock["value"] = DUE + dt.timedelta(minutes=16)
    assert snooze_options(inbox(pages, person)) == ["10", "30", "60"]
    snooze(client, person, "10")  # until 08:26
    assert sweep(app, DUE + dt.timedelta(minutes=26))["sent"] == 1
    titles = [text(t) for t in inbox(pages, person).select(".inbox-title")]
    assert titles[0] == "New Reminder: your 08:00 dose" and len(titles) == 3


def test_a_snooze_survives_a_change_of_settings(app, client, person, clock):
    sweep(app, DUE)
    snooze(client, person, "30")  # at 08:05, until 08:35
    clock["value"] = DUE + dt.timedelta(minutes=7)
    assert save(client, person, email="y").status_code == 302
    assert ("snooze", DUE + dt.timedelta(minutes=35)) in {(kind, at) for _, kind, at in pending(app, "inbox")}
