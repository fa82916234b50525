"""The Web Push channel, against a real local push service that checks VAPID and decrypts."""

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from app.reminders import push
from app.reminders.message import ReminderMessage
from app.reminders.push import PushSender, application_server_key, load_vapid, push_topic
from tests.reminders.push_endpoint import PushEndpoint, deliveries_path, make_subscriptions, read_deliveries

ROOT = Path(__file__).resolve().parents[2]
SUBJECT = "mailto:reminders@example.org"
MESSAGE = ReminderMessage(
    kind="due",
    title="Time for your cream",
    lines=["Apply a thin layer to the patches on your arms.", "Your window closes at 20:00."],
    url="https://clinic.example/today",
    topic="dose-42-2024-05-01-evening",
    locale="en",
    actions=[{"action": "applied", "title": "Applied"}, {"action": "skip", "title": "Skip"}],
    act_url="https://clinic.example/reminders/act",
    token="signed-token",
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def endpoint():
    with PushEndpoint() as endpoint:
        yield endpoint
    assert endpoint.rejections == []  # every request the sender made was a valid Web Push request


@pytest.fixture
def vapid(tmp_path):
    return load_vapid(str(tmp_path))


@pytest.fixture
def sender(vapid):
    with PushSender(vapid, SUBJECT) as sender:
        yield sender


def claims_of(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def test_a_push_arrives_decrypted_with_the_headers_it_was_sent_with(endpoint, sender, vapid):
    subscription = endpoint.subscribe()
    result = sender.send(subscription, MESSAGE.payload(), ttl=3600, topic="dose-42-evening", urgency="high")
    assert (result.outcome, result.status_code) == ("sent", 201)
    [delivery] = endpoint.deliveries
    assert delivery.payload == MESSAGE.payload()
    assert (delivery.ttl, delivery.topic, delivery.urgency, delivery.vapid_ok) == (
        3600,
        "dose-42-evening",
        "high",
        True,
    )
    claims = claims_of(delivery.vapid_token)
    assert claims["aud"] == endpoint.origin and claims["sub"] == SUBJECT


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_service_no_longer_knows_is_gone(endpoint, sender, status):
    subscription = endpoint.subscribe(status=status)
    result = sender.send(subscription, MESSAGE.payload(), ttl=60, topic="t")
    assert (result.outcome, result.status_code) == ("gone", status)
    assert endpoint.deliveries == []


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_busy_or_broken_service_means_retry_and_the_retry_gets_through(endpoint, sender, status):
    subscription = endpoint.subscribe(status=status)
    assert sender.send(subscription, MESSAGE.payload(), ttl=60, topic="t").outcome == "retry"
    endpoint.set_status(subscription, 201)
    assert sender.send(subscription, MESSAGE.payload(), ttl=60, topic="t").outcome == "sent"
    assert len(endpoint.deliveries) == 1


def test_a_service_that_is_not_listening_means_retry(sender):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with PushEndpoint() as live:  # a real subscription, pointed at a port nobody listens on
        subscription = {**live.subscribe(), "endpoint": f"http://127.0.0.1:{port}/push/x"}
    result = sender.send(subscription, MESSAGE.payload(), ttl=60, topic="t")
    assert (result.outcome, result.status_code) == ("retry", None)
    assert "ConnectionError" in result.detail


def test_a_service_that_does_not_answer_in_time_means_retry(endpoint, vapid):
    with socket.socket() as silent:  # accepts connections (the kernel does) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        subscription = {**endpoint.subscribe(), "endpoint": f"http://127.0.0.1:{silent.getsockname()[1]}/push/x"}
        with PushSender(vapid, SUBJECT, timeout=0.2) as sender:
            result = sender.send(subscription, MESSAGE.payload(), ttl=60, topic="t")
    assert (result.outcome, result.status_code) == ("retry", None)
    assert "Timeout" in result.detail


@pytest.mark.parametrize("status", [400, 413])
def test_a_refused_message_is_failed_and_not_retried(endpoint, sender, status):
    subscription = endpoint.subscribe(status=status)
    result = sender.send(subscription, MESSAGE.payload(), ttl=60, topic="t")
    assert (result.outcome, result.status_code) == ("failed", status)


def test_a_subscription_with_broken_keys_fails_without_raising(sender, endpoint):
    subscription = endpoint.subscribe()
    subscription["keys"]["p256dh"] = "bm90IGEga2V5"
    assert sender.send(subscription, MESSAGE.payload(), ttl=60, topic="t").outcome == "failed"
    assert endpoint.deliveries == []


def test_ttl_below_zero_is_sent_as_zero(endpoint, sender):
    sender.send(endpoint.subscribe(), MESSAGE.payload(), ttl=-5, topic="t")
    assert endpoint.deliveries[0].ttl == 0


def test_a_topic_the_header_cannot_carry_becomes_a_stable_valid_one(endpoint, sender):
    long_a, long_b = "dose-42-2024-05-01-evening-reminder-a", "dose-42-2024-05-01-evening-reminder-b"
    subscription = endpoint.subscribe()
    for topic in (long_a, long_a, long_b, "dose 42/evening"):
        assert sender.send(subscription, MESSAGE.payload(), ttl=60, topic=topic).outcome == "sent"
    topics = [d.topic for d in endpoint.deliveries]
    assert topics[0] == topics[1] == push_topic(long_a) and topics[2] != topics[0]
    assert all(len(topic) <= 32 for topic in topics)


def test_the_vapid_token_is_reused_for_an_origin_and_signed_anew_near_expiry(endpoint, vapid):
    clock = Clock(time.time())  # real time, so the endpoint's expiry check still applies
    start = clock.now
    subscription = endpoint.subscribe()
    with PushSender(vapid, SUBJECT, clock=clock) as sender:
        sender.send(subscription, MESSAGE.payload(), ttl=60, topic="t")
        sender.send(subscription, MESSAGE.payload(), ttl=60, topic="t")
        clock.now += 10 * 3600  # two hours of life left: still good
        sender.send(subscription, MESSAGE.payload(), ttl=60, topic="t")
        clock.now += 3600 + 1  # within the last hour: sign again
        sender.send(subscription, MESSAGE.payload(), ttl=60, topic="t")
    tokens = [d.vapid_token for d in endpoint.deliveries]
    assert tokens[0] == tokens[1] == tokens[2] != tokens[3]
    assert claims_of(tokens[3])["exp"] - claims_of(tokens[0])["exp"] == 11 * 3600 + 1
    assert claims_of(tokens[0])["exp"] == int(start) + 12 * 3600


def test_each_push_service_gets_a_token_for_its_own_origin(endpoint, sender):
    with PushEndpoint() as other:
        sender.send(endpoint.subscribe(), MESSAGE.payload(), ttl=60, topic="t")
        sender.send(other.subscribe(), MESSAGE.payload(), ttl=60, topic="t")
        assert other.rejections == []  # its aud check passed
    assert claims_of(other.deliveries[0].vapid_token)["aud"] == other.origin != endpoint.origin


def test_the_endpoint_refuses_a_forged_token_and_a_missing_ttl(endpoint, sender, vapid, tmp_path):
    subscription = endpoint.subscribe()
    impostor = load_vapid(str(tmp_path / "impostor"))
    header = sender._authorization(subscription["endpoint"])
    forged = header.replace(application_server_key(vapid), application_server_key(impostor))
    assert (
        requests.post(subscription["endpoint"], headers={"Authorization": forged, "TTL": "60"}, timeout=5).status_code
        == 401
    )
    assert requests.post(subscription["endpoint"], headers={"Authorization": header}, timeout=5).status_code == 400
    assert len(endpoint.rejections) == 2 and endpoint.deliveries == []
    endpoint.rejections.clear()


def test_the_public_key_is_what_the_browser_needs_and_what_the_service_checks(endpoint, sender, vapid):
    key = application_server_key(vapid)
    raw = base64.urlsafe_b64decode(key + "=")
    assert "=" not in key and len(raw) == 65 and raw[0] == 4
    subscription = endpoint.subscribe()
    assert sender._authorization(subscription["endpoint"]).endswith(f"k={key}")


def test_vapid_keys_are_kept_owner_only_and_reused(tmp_path):
    first = load_vapid(str(tmp_path / "instance"))
    path = tmp_path / "instance" / "vapid_private.pem"
    assert path.stat().st_mode & 0o777 == 0o600
    assert application_server_key(load_vapid(str(tmp_path / "instance"))) == application_server_key(first)
    assert sorted(os.listdir(path.parent)) == ["vapid_private.pem"]


def test_workers_starting_at_once_agree_on_one_key(tmp_path, monkeypatch):
    workers = 6
    barrier = threading.Barrier(workers)

    class RacingVapid(push.Vapid02):
        def generate_keys(self):
            barrier.wait(timeout=10)  # every worker has seen "no key yet" before any writes one
            super().generate_keys()

    monkeypatch.setattr(push, "Vapid02", RacingVapid)
    with ThreadPoolExecutor(workers) as pool:
        keys = list(pool.map(lambda _: application_server_key(load_vapid(str(tmp_path))), range(workers)))
    assert len(set(keys)) == 1
    assert sorted(os.listdir(tmp_path)) == ["vapid_private.pem"]


def test_the_endpoint_runs_as_a_process_sharing_subscriptions_and_deliveries(tmp_path, sender):
    state = tmp_path / "push.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.reminders.push_endpoint", "--state", str(state)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout.readline().startswith("listening on http://127.0.0.1:")
        subscriptions = make_subscriptions(3, state)
        results = [sender.send(s, {"n": i}, ttl=60, topic="t").outcome for i, s in enumerate(subscriptions)]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
    assert results == ["sent"] * 3
    assert sorted(d.payload["n"] for d in read_deliveries(deliveries_path(state))) == [0, 1, 2]
