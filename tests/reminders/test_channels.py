"""The sweep on each channel: Web Push to a real local push service, email to a real SMTP server."""

import datetime as dt

import pytest

from app.extensions import db
from app.models import DoseSlot, PushSubscription, Reminder
from app.reminders import preferences, scheduler
from app.reminders.push import PushSender, load_vapid
from tests.reminders.push_endpoint import PushEndpoint
from tests.smtp import serve

UTC = dt.UTC
START = dt.datetime(2026, 6, 1, 4, tzinfo=UTC)  # London doses at 07:00 and 19:00 UTC
DUE = dt.datetime(2026, 6, 1, 7, tzinfo=UTC)


@pytest.fixture
def endpoint():
    with PushEndpoint() as endpoint:
        yield endpoint
    assert endpoint.rejections == []


@pytest.fixture
def push_channels(engine_app):
    sender = PushSender(load_vapid(engine_app.instance_path), "mailto:reminders@example.org")
    return scheduler.make_channels(engine_app, push=sender)


def subscribe(person, endpoint, status=201):
    info = endpoint.subscribe(status=status)
    preferences.add_subscription(person, info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], START)
    return info


def test_a_push_carries_the_reminder_with_ttl_to_the_windows_close_and_a_topic_per_dose(
    engine_app, make_patient, endpoint, push_channels
):
    sam = make_patient(START)
    subscribe(sam, endpoint)
    counts = scheduler.run_sweep(engine_app, DUE, push_channels)
    assert counts["sent"] == 2  # the inbox and the phone
    [delivery] = endpoint.deliveries
    slot = db.session.scalar(db.select(DoseSlot).where(DoseSlot.scheduled_at == DUE))
    assert delivery.vapid_ok and delivery.urgency == "high"
    assert delivery.topic == f"dose-{slot.id}"
    assert delivery.ttl == (slot.closes_at - DUE).total_seconds() == 6 * 3600
    assert delivery.payload["title"] == "Time for your 08:00 dose"
    assert [a["action"] for a in delivery.payload["actions"]] == ["applied", "skip"]
    claim = scheduler.action_signer(engine_app).loads(delivery.payload["token"])
    assert claim == {"p": sam.id, "s": slot.id}
    assert delivery.payload["act_url"].endswith(f"/people/{sam.id}/reminders/act")


def test_a_gone_subscription_is_deleted(engine_app, make_patient, endpoint, push_channels):
    sam = make_patient(START)
    subscribe(sam, endpoint, status=410)
    scheduler.run_sweep(engine_app, DUE, push_channels)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(PushSubscription)) == 0
    push_row = db.session.scalar(db.select(Reminder).where(Reminder.channel == "push", Reminder.planned_at == DUE))
    assert push_row.state == "failed"


def test_a_failing_push_service_is_retried_with_backoff_until_it_works(
    engine_app, make_patient, endpoint, push_channels
):
    sam = make_patient(START)
    info = subscribe(sam, endpoint, status=500)
    scheduler.run_sweep(engine_app, DUE, push_channels)
    db.session.expire_all()
    row = db.session.scalar(db.select(Reminder).where(Reminder.channel == "push", Reminder.planned_at == DUE))
    assert (row.state, row.attempts, row.send_at) == ("pending", 1, DUE + dt.timedelta(seconds=30))
    endpoint.set_status(info, 201)
    scheduler.run_sweep(engine_app, DUE + dt.timedelta(seconds=30), push_channels)
    db.session.expire_all()
    assert db.session.get(Reminder, row.id).state == "sent"
    assert len(endpoint.deliveries) == 1  # the service keeps only what it accepted: one delivery


def test_an_email_reminder_arrives_in_the_persons_language(engine_app, make_patient):
    smtp_server = serve(engine_app)
    handler = next(smtp_server)
    try:
        ana = make_patient(START, locale="es", name="Ana", email="ana@example.org")
        preferences.save_settings(ana, preferences.SettingsInput(True, 60, None, None, None, True), START)
        scheduler.run_sweep(engine_app, DUE, scheduler.make_channels(engine_app, push=None))
    finally:
        smtp_server.close()  # stops the server
    [received] = handler.messages
    assert received["To"] == "ana@example.org"
    assert received["Content-Language"] == "es"
    assert received["Subject"] == "Es la hora de su dosis de las 8:00"
    text = received.get_body(("plain",)).get_content()
    assert f"/people/{ana.id}/today" in text and f"/people/{ana.id}/reminders" in text


def test_the_scheduler_command_runs_one_sweep_at_a_given_instant(engine_app, make_patient):
    make_patient(START)
    result = engine_app.test_cli_runner().invoke(args=["scheduler", "--once", "--now", "2026-06-01T07:00:00Z"])
    assert result.exit_code == 0, result.output
    assert "scheduler at 2026-06-01T07:00:00+00:00" in result.output and "sent 1," in result.output
    bad = engine_app.test_cli_runner().invoke(args=["scheduler", "--once", "--now", "2026-06-01T07:00"])
    assert bad.exit_code == 2 and "offset" in bad.output
