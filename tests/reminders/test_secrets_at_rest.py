"""Reminder secrets at rest: the calendar link's token is stored as a hash, and a push endpoint registered
to a person of one account cannot be taken over from another."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, text

from app.extensions import db
from app.models import PushSubscription
from app.reminders import preferences
from tests.conftest import csrf_from

NOW = dt.datetime(2026, 6, 1, 6, 30, tzinfo=dt.UTC)
ENDPOINT = "https://push.example.net/send/abc123"


def test_the_database_holds_only_the_hash_of_the_calendar_token_and_the_feed_still_works(
    app, client, make_account, sign_in
):
    account = make_account()
    sign_in(account)
    person = account.people[0]
    url = f"/people/{person.id}/reminders"
    client.post(f"{url}/calendar", data={"csrf_token": csrf_from(client, url), "action": "create"})
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    feed = page.select_one("#feed-url")["value"].removeprefix("http://localhost")
    token = feed.removeprefix("/calendar/").removesuffix(".ics")
    with app.app_context(), db.engine.connect() as connection:
        stored = connection.execute(text("SELECT calendar_token_hash FROM reminder_settings")).scalar_one()
    assert len(token) >= 32 and token not in stored and len(stored) == 64
    assert app.test_client().get(feed).status_code == 200


def test_a_calendar_token_is_only_returned_when_made(engine_app, make_patient):
    person = make_patient(NOW)
    token = preferences.calendar_link(person, "create")
    assert preferences.person_for_calendar(token).id == person.id
    assert preferences.calendar_link(person, "revoke") is None
    assert preferences.person_for_calendar(token) is None


def subscriptions() -> set[tuple]:
    return {tuple(row) for row in db.session.execute(select(PushSubscription.person_id, PushSubscription.p256dh))}


def test_a_push_endpoint_of_another_accounts_person_stays_with_them(engine_app, make_patient):
    owner, other = make_patient(NOW, name="Ana"), make_patient(NOW, name="Ben")
    preferences.add_subscription(owner, ENDPOINT, "owner-key", "owner-auth", NOW)
    with pytest.raises(preferences.ReminderError) as refused:
        preferences.add_subscription(other, ENDPOINT, "other-key", "other-auth", NOW)
    assert refused.value.code == "push_taken"
    db.session.rollback()
    assert subscriptions() == {(owner.id, "owner-key")}
    assert preferences.subscription_count(other) == 0


def test_a_push_endpoint_moves_between_people_of_one_account(engine_app, make_patient):
    """One browser subscription is one device for one person; the account holder may move it (a parent)."""
    parent = make_patient(NOW, name="Ana")
    child = make_patient(NOW, name="Ben", email=parent.account.email.replace("@", "+unused@"))
    child.account_id = parent.account_id
    db.session.commit()
    preferences.add_subscription(parent, ENDPOINT, "key", "auth", NOW)
    preferences.add_subscription(child, ENDPOINT, "key", "auth", NOW)
    assert subscriptions() == {(child.id, "key")}
    preferences.add_subscription(child, ENDPOINT, "new-key", "auth", NOW)  # the same person again: keys refreshed
    assert subscriptions() == {(child.id, "new-key")}


def test_posting_another_accounts_push_endpoint_answers_409_and_takes_nothing(app, client, make_account, sign_in):
    owner = make_account(email="owner@example.org").people[0]
    with app.app_context():
        db.session.add(
            PushSubscription(person_id=owner.id, endpoint=ENDPOINT, p256dh="owner-key", auth="a", created_at=NOW)
        )
        db.session.commit()
    attacker = make_account(email="other@example.org")
    sign_in(attacker)
    person = attacker.people[0]
    page = BeautifulSoup(client.get(f"/people/{person.id}/reminders").get_data(as_text=True), "html.parser")
    headers = {"X-CSRFToken": page.select_one("[data-push]")["data-csrf"]}
    body = {"endpoint": ENDPOINT, "keys": {"p256dh": "bad", "auth": "bad"}}
    response = client.post(f"/people/{person.id}/reminders/push", headers=headers, json=body)
    assert response.status_code == 409
    assert "already gets reminders for someone in another account" in response.json["message"]
    with app.app_context():
        assert subscriptions() == {(owner.id, "owner-key")}
