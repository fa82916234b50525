"""The JSON API: the missed-dose rule's verdicts, sign-in, CSRF, other people's data and bad input.

Plan 08:00/20:00 in London on 1 June 2026 (BST): the 08:00 window is 06:00–14:00, 14:00–18:00
is a skip zone, the 20:00 window is 18:00–02:00.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.measures.poem import ITEMS as POEM_ITEMS
from app.models import Application, ItchEntry, Person, PoemResponse, RecordEdit, SideEffectReport, Skip
from app.patients.doses import today_view
from app.patients.plans import PlanInput, create_plan
from app.web.patient import messages

LONDON = ZoneInfo("Europe/London")
DAY = dt.date(2026, 6, 1)
API = "/api/v1"


def local(hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    """A London wall-clock time on DAY (+ days), as a UTC instant."""
    return dt.datetime.combine(DAY + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


class Clock:
    """What app.web.api.routes.utcnow returns; tests move it."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(local(7))
    monkeypatch.setattr("app.web.api.routes.utcnow", clock)
    return clock


def start_plan(app, person_id: int, times=("08:00", "20:00"), now=None) -> None:
    with app.app_context():
        person = db.session.get(Person, person_id)
        plan = PlanInput("pimecrolimus", "1%", [dt.time.fromisoformat(t) for t in times], DAY)
        create_plan(person, plan, now or local(5))


class Api:
    """The test client signed in, sending the CSRF token on every state-changing call."""

    def __init__(self, client, person_id: int):
        self.client = client
        self.person_id = person_id
        self.token = client.get(f"{API}/csrf-token").get_json()["csrf_token"]

    def get(self, path: str, **kwargs):
        return self.client.get(API + path.format(person=self.person_id), **kwargs)

    def post(self, path: str, json=None, headers=None, **kwargs):
        headers = {"X-CSRFToken": self.token, **(headers or {})}
        return self.client.post(API + path.format(person=self.person_id), json=json, headers=headers, **kwargs)

    def delete(self, path: str, headers=None):
        headers = {"X-CSRFToken": self.token, **(headers or {})}
        return self.client.delete(API + path.format(person=self.person_id), headers=headers)

    def apply(self, **body):
        return self.post("/people/{person}/applications", json=body)

    def today(self) -> dict:
        response = self.get("/people/{person}/today")
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture
def api(app, client, make_account, sign_in, clock):
    account = make_account()
    person_id = account.people[0].id
    start_plan(app, person_id)
    sign_in(account)
    return Api(client, person_id)


RECORDS = (Application, Skip, RecordEdit, ItchEntry, SideEffectReport, PoemResponse)


def count_rows(app) -> tuple[int, ...]:
    """How many records of each kind are stored: unchanged after a refused request."""
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in RECORDS)


# The rule's verdicts


def test_a_tap_at_0810_counts_for_the_0800_dose(api, clock):
    clock.now = local(8, 10)
    response = api.apply()
    assert response.status_code == 201
    body = response.get_json()
    assert body["verdict"] == "counted"
    assert body["application"]["counts"] is True
    assert body["application"]["applied_at"] == "2026-06-01T07:10:00Z"
    assert body["slot"]["local_time"] == "08:00"
    assert "8:00" in body["message"] and "8:10" in body["message"]
    assert body["next_slot"]["local_time"] == "20:00"


def test_a_second_tap_is_stored_as_extra_and_names_the_first_time(api, clock):
    clock.now = local(8, 10)
    api.apply()
    clock.now = local(8, 40)
    response = api.apply()
    assert response.status_code == 201
    body = response.get_json()
    assert body["verdict"] == "extra"
    assert body["application"]["counts"] is False
    assert body["counted_at"] == "2026-06-01T07:10:00Z"
    assert "already applied this dose at 08:10" in body["message"]
    assert "does not count" in body["message"]


def test_a_tap_in_the_skip_zone_says_skip_it_and_wait_for_the_next_dose(api, clock):
    clock.now = local(15)
    body = api.apply().get_json()
    assert body["verdict"] == "skip_zone"
    assert body["application"]["counts"] is False
    assert "skipped" in body["message"]
    assert "do not apply extra" in body["message"]


def test_a_tap_at_1300_is_late_but_counts(api, clock):
    clock.now = local(13)
    body = api.apply().get_json()
    assert body["verdict"] == "late"
    assert body["application"]["counts"] is True


def test_with_no_plan_nothing_is_due_and_a_tap_is_stored_as_unscheduled(app, client, make_account, sign_in, clock):
    account = make_account()
    sign_in(account)
    api = Api(client, account.people[0].id)
    today = api.today()
    assert (today["plan"], today["slots"], today["moment"]) == (None, [], "none")
    assert today["message"].startswith("No doses are planned.")
    body = api.apply().get_json()
    assert body["verdict"] == "unscheduled"
    assert body["application"]["counts"] is False


def test_a_time_with_its_offset_is_judged_at_that_time(api, clock):
    clock.now = local(9)
    body = api.apply(applied_at="2026-06-01T08:10:00+01:00").get_json()
    assert body["verdict"] == "counted"
    assert body["application"]["applied_at"] == "2026-06-01T07:10:00Z"
    assert body["application"]["recorded_at"] == "2026-06-01T08:00:00Z"
    assert body["application"]["source"] == "api"


# Today


def test_today_invites_the_open_dose_with_its_closing_time(api, clock):
    clock.now = local(7)
    body = api.today()
    assert body["moment"] == "open"
    assert body["local_date"] == "2026-06-01"
    assert body["plan"]["times"] == ["08:00", "20:00"]
    assert (body["plan"]["early_minutes"], body["plan"]["cutoff_minutes"]) == (120, 360)
    assert [(s["local_time"], s["state"]) for s in body["slots"]] == [("08:00", "open"), ("20:00", "upcoming")]
    assert body["slots"][0]["scheduled_at"] == "2026-06-01T07:00:00Z"
    assert body["slots"][0]["opens_at"] == "2026-06-01T05:00:00Z"
    assert body["slots"][0]["closes_at"] == "2026-06-01T13:00:00Z"
    assert "08:00" in body["message"] and "14:00" in body["message"]


def test_today_after_a_tap_says_when_and_invites_nothing(api, clock):
    clock.now = local(8, 10)
    tap = api.apply().get_json()["application"]
    clock.now = local(8, 15)
    body = api.today()
    assert body["moment"] == "taken"
    assert body["taken_at"] == "2026-06-01T07:10:00Z"
    assert body["undoable_application_id"] == tap["id"]
    assert body["undo_until"] == "2026-06-01T07:20:00Z"
    assert "You applied this dose at 08:10" in body["message"]
    assert_invites_no_dose_now(body["message"])


def test_today_in_the_skip_zone_says_skip_it_and_invites_nothing(api, clock):
    clock.now = local(15)
    body = api.today()
    assert body["moment"] == "skip_zone"
    assert body["current_slot"]["local_time"] == "08:00"
    assert [s["state"] for s in body["slots"]] == ["missed", "upcoming"]
    assert "Do not apply extra" in body["message"]
    assert_invites_no_dose_now(body["message"])


def test_today_between_doses_says_when_the_next_window_opens(api, clock):
    clock.now = local(8, 10)
    api.apply()
    clock.now = local(15)
    body = api.today()
    assert body["moment"] == "waiting"
    assert body["message"].startswith("Your next dose is at 20:00")
    assert "You can apply it from 18:00" in body["message"]


def test_after_the_evening_dose_the_next_one_is_tomorrow_morning(api, clock):
    clock.now = local(20, 5)
    api.apply()
    clock.now = local(21)
    body = api.today()
    assert body["moment"] == "taken"
    assert "Your next dose is at 08:00" in body["message"]
    assert_invites_no_dose_now(body["message"])


def assert_invites_no_dose_now(message: str) -> None:
    assert "Time for your" not in message
    assert "apply it until" not in message


@pytest.mark.parametrize(
    "steps",
    [
        [("today", local(5, 30)), ("today", local(7))],
        [("apply", local(8, 10)), ("today", local(8, 15)), ("apply", local(9)), ("today", local(9, 5))],
        [("apply", local(13)), ("today", local(15)), ("today", local(19)), ("apply", local(19, 30))],
        [("today", local(15)), ("today", local(18, 30)), ("today", local(1, days=1)), ("today", local(3, days=1))],
        [("apply", local(15)), ("today", local(15, 5)), ("skip", local(18, 30)), ("today", local(18, 45))],
        [
            ("apply", local(8)),
            ("undo", local(8, 5)),
            ("today", local(8, 6)),
            ("apply", local(12)),
            ("today", local(21)),
        ],
    ],
    ids=["before-and-open", "taken-then-extra", "late-then-evening", "missed-overnight", "skip-zone-then-skip", "undo"],
)
def test_the_verdict_the_api_gives_equals_the_one_the_page_shows(app, api, clock, steps):
    last_tap = None
    for action, now in steps:
        clock.now = now
        if action == "apply":
            last_tap = api.apply().get_json()["application"]["id"]
        elif action == "undo":
            assert api.delete(f"/people/{{person}}/applications/{last_tap}").status_code == 200
        elif action == "skip":
            slot = api.today()["current_slot"]
            assert (
                api.post("/people/{person}/skips", json={"slot_id": slot["id"], "reason": "skin clear"}).status_code
                == 201
            )
        body = api.today()
        with app.app_context():
            view = today_view(db.session.get(Person, api.person_id), now)
            expected = {
                "moment": view.status.moment.value,
                "current_slot": view.status.slot.id if view.status.slot else None,
                "next_slot": view.status.next_slot.id if view.status.next_slot else None,
                "taken_at": view.status.taken_at,
                "slots": [(slot.id, state.value) for slot, state in view.slots],
                "undoable": view.undoable.id if view.undoable else None,
            }
        with app.test_request_context():
            expected["message"] = messages.moment_message(view.status, "Europe/London")
        shown = {
            "moment": body["moment"],
            "current_slot": body["current_slot"]["id"] if body["current_slot"] else None,
            "next_slot": body["next_slot"]["id"] if body["next_slot"] else None,
            "taken_at": dt.datetime.fromisoformat(body["taken_at"]) if body["taken_at"] else None,
            "slots": [(slot["id"], slot["state"]) for slot in body["slots"]],
            "undoable": body["undoable_application_id"],
            "message": body["message"],
        }
        assert shown == expected, f"{action} at {now}"


# Undo and skip


def test_a_tap_can_be_undone_within_ten_minutes_and_the_dose_is_open_again(api, clock):
    clock.now = local(8, 10)
    tap = api.apply().get_json()["application"]
    clock.now = local(8, 19)
    response = api.delete(f"/people/{{person}}/applications/{tap['id']}")
    assert response.status_code == 200
    assert response.get_json()["application"]["voided_at"] == "2026-06-01T07:19:00Z"
    assert api.today()["moment"] == "open"


def test_an_undo_after_ten_minutes_is_refused(api, clock):
    clock.now = local(8, 10)
    tap = api.apply().get_json()["application"]
    clock.now = local(8, 21)
    response = api.delete(f"/people/{{person}}/applications/{tap['id']}")
    assert response.status_code == 422
    assert response.get_json()["error"] == "undo_too_late"
    assert "10 minutes" in response.get_json()["message"]
    assert api.today()["moment"] == "taken"


def test_undoing_an_unknown_application_is_refused(api):
    response = api.delete("/people/{person}/applications/999")
    assert response.status_code == 422
    assert response.get_json()["error"] == "not_found"


def test_a_dose_skipped_with_a_reason_is_shown_as_skipped(api, clock):
    slot = api.today()["current_slot"]
    response = api.post("/people/{person}/skips", json={"slot_id": slot["id"], "reason": "  skin is clear  "})
    assert response.status_code == 201
    assert response.get_json()["skip"]["reason"] == "skin is clear"
    body = api.today()
    assert body["moment"] == "skipped"
    assert body["slots"][0]["state"] == "skipped"
    again = api.post("/people/{person}/skips", json={"slot_id": slot["id"], "reason": "again"})
    assert again.status_code == 422
    assert again.get_json()["error"] == "already_recorded"


def test_a_closed_dose_cannot_be_skipped(api, clock):
    slot = api.today()["current_slot"]
    clock.now = local(15)
    response = api.post("/people/{person}/skips", json={"slot_id": slot["id"], "reason": "forgot"})
    assert response.status_code == 422
    assert response.get_json()["error"] == "slot_closed"


# Who may call


def test_people_lists_only_this_accounts_people(app, client, make_account, sign_in, clock):
    make_account(email="other@example.org", people=(("Other", "America/New_York"),))
    account = make_account(people=(("Me", "Europe/London"), ("Sam", "Europe/Paris")))
    sign_in(account)
    body = client.get(f"{API}/people").get_json()
    assert [(p["name"], p["timezone"]) for p in body["people"]] == [("Me", "Europe/London"), ("Sam", "Europe/Paris")]
    assert [p["id"] for p in body["people"]] == [p.id for p in account.people]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/people"),
        ("get", "/people/1/today"),
        ("post", "/people/1/applications"),
        ("delete", "/people/1/applications/1"),
        ("post", "/people/1/skips"),
        ("post", "/people/1/itch"),
        ("post", "/people/1/side-effects"),
        ("post", "/people/1/poem"),
        ("get", "/people/1/history"),
        ("get", "/people/1/calendar"),
    ],
)
def test_signed_out_calls_get_401_json_never_a_redirect(app, client, method, path):
    response = getattr(client, method)(API + path)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthenticated"
    assert "Location" not in response.headers


def test_a_logged_out_session_gets_401(app, client, make_account, sign_in):
    token = sign_in(make_account())
    with app.app_context():
        from app.models import LoginSession
        from app.models.accounts import hash_token

        db.session.get(LoginSession, hash_token(token)).ended_at = local(6)
        db.session.commit()
    assert client.get(f"{API}/people").status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/people/{other}/today", None),
        ("post", "/people/{other}/applications", {}),
        ("post", "/people/{other}/skips", {"slot_id": 1, "reason": "x"}),
        ("delete", "/people/{other}/applications/{tap}", None),
        ("post", "/people/{other}/itch", {"peak": 3}),
        ("post", "/people/{other}/side-effects", {"effects": ["redness"]}),
        ("post", "/people/{other}/poem", {"answers": dict.fromkeys(POEM_ITEMS, 1)}),
        ("get", "/people/{other}/history", None),
        ("get", "/people/{other}/calendar?month=2026-06", None),
    ],
)
def test_another_accounts_person_is_a_404(app, client, make_account, sign_in, clock, method, path, body):
    other = make_account(email="other@example.org").people[0].id
    start_plan(app, other)
    clock.now = local(8, 10)
    sign_in(make_account(email="me@example.org"))
    with app.app_context():
        from app.patients.doses import record_application

        tap = record_application(db.session.get(Person, other), clock.now, clock.now)[0]
    before = count_rows(app)
    api = Api(client, other)
    url = API + path.format(other=other, tap=tap)
    kwargs = {"headers": {"X-CSRFToken": api.token}} | ({"json": body} if body is not None else {})
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert count_rows(app) == before


def test_a_person_id_beyond_the_database_range_is_a_404_not_a_crash(api):
    assert api.get(f"/people/{2**31}/today").status_code == 404
    assert api.get(f"/people/{10**30}/today").status_code == 404


# CSRF


@pytest.mark.parametrize("token", [None, "not-a-token"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/people/{person}/applications", {}),
        ("post", "/people/{person}/skips", {"slot_id": 1, "reason": "x"}),
        ("delete", "/people/{person}/applications/1", None),
        ("post", "/people/{person}/itch", {"peak": 3}),
        ("post", "/people/{person}/side-effects", {"effects": ["redness"]}),
        ("post", "/people/{person}/poem", {"answers": dict.fromkeys(POEM_ITEMS, 1)}),
    ],
)
def test_a_state_change_without_the_csrf_token_is_a_json_400(app, api, method, path, body, token):
    assert app.config["WTF_CSRF_ENABLED"]  # on in TestingConfig, as in production
    before = count_rows(app)
    headers = {"X-CSRFToken": token} if token else {}
    kwargs = {"headers": headers} | ({"json": body} if body is not None else {})
    response = getattr(api.client, method)(API + path.format(person=api.person_id), **kwargs)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == "csrf"
    assert "X-CSRFToken" in response.get_json()["message"]
    assert count_rows(app) == before


def test_over_https_the_referrer_must_name_the_site_too(app, api):
    before = count_rows(app)
    response = api.post("/people/{person}/applications", json={}, base_url="https://localhost")
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf"
    assert "Referer" in response.get_json()["message"]
    assert count_rows(app) == before
    headers = {"Referer": "https://localhost/people/1/today"}
    response = api.post("/people/{person}/applications", json={}, base_url="https://localhost", headers=headers)
    assert response.status_code == 201


def test_reading_needs_no_csrf_token(api):
    assert api.client.get(f"{API}/people/{api.person_id}/today").status_code == 200


# Bad input


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ('{"applied_at": ', "body", "not valid JSON"),
        ("[1, 2]", "body", "JSON object"),
        ('"2026-06-01T08:10:00+01:00"', "body", "JSON object"),
        ('{"applied_at": "2026-06-01T08:10:00"}', "applied_at", "offset"),
        ('{"applied_at": "2026-06-01"}', "applied_at", "offset"),
        ('{"applied_at": "this morning"}', "applied_at", "2026-06-01T08:10:00+01:00"),
        ('{"applied_at": 1780000000}', "applied_at", "text"),
        ('{"applied_at": null}', "applied_at", "text"),
        ('{"applied_at": "0001-01-01T00:00:00+01:00"}', "applied_at", "out of range"),
        ('{"appliedAt": "2026-06-01T08:10:00+01:00"}', "appliedAt", "not a field"),
        ("[" * 100_000, "body", "not valid JSON"),
    ],
)
def test_a_malformed_application_is_a_422_with_a_message_and_nothing_stored(app, api, clock, body, field, says):
    before = count_rows(app)
    response = api.post("/people/{person}/applications", data=body, content_type="application/json")
    assert response.status_code == 422
    error = response.get_json()
    assert (error["error"], error["field"]) == ("invalid", field)
    assert says in error["message"]
    assert count_rows(app) == before


@pytest.mark.parametrize(
    ("applied_at", "code", "says"),
    [("2026-06-01T09:00:00+01:00", "future", "future"), ("2026-05-31T06:00:00+01:00", "too_old", "24 hours")],
)
def test_a_time_the_rule_cannot_take_is_a_422_with_its_reason(app, api, clock, applied_at, code, says):
    clock.now = local(7, 30)
    before = count_rows(app)
    response = api.apply(applied_at=applied_at)
    assert response.status_code == 422
    assert response.get_json()["error"] == code
    assert says in response.get_json()["message"]
    assert count_rows(app) == before


def test_a_form_encoded_body_is_refused_rather_than_read_as_now(app, api):
    before = count_rows(app)
    response = api.post("/people/{person}/applications", data={"applied_at": "2026-06-01T06:00:00+01:00"})
    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_media_type"
    assert count_rows(app) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "clear"}, "slot_id"),
        ({"slot_id": "1", "reason": "clear"}, "slot_id"),
        ({"slot_id": True, "reason": "clear"}, "slot_id"),
        ({"slot_id": 1.5, "reason": "clear"}, "slot_id"),
        ({"slot_id": 2**31, "reason": "clear"}, "slot_id"),
        ({"slot_id": 0, "reason": "clear"}, "slot_id"),
        ({"slot_id": 1}, "reason"),
        ({"slot_id": 1, "reason": "   "}, "reason"),
        ({"slot_id": 1, "reason": "x" * 201}, "reason"),
        ({"slot_id": 1, "reason": ["clear"]}, "reason"),
        ({"slot_id": 1, "reason": "nul\x00byte"}, "reason"),
        ({"slot_id": 1, "reason": "half \ud800 pair"}, "reason"),
        ({"slot_id": 1, "reason": "clear", "note": "x"}, "note"),
    ],
)
def test_a_malformed_skip_is_a_422_naming_the_field(app, api, body, field):
    before = count_rows(app)
    response = api.post("/people/{person}/skips", json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == field
    assert response.get_json()["message"]
    assert count_rows(app) == before


def test_a_reason_of_200_characters_is_accepted(api):
    slot = api.today()["current_slot"]
    response = api.post("/people/{person}/skips", json={"slot_id": slot["id"], "reason": "x" * 200})
    assert response.status_code == 201


# Symptoms and history


def test_todays_itch_is_stored_and_a_second_log_replaces_it(api, clock):
    clock.now = local(21)
    first = api.post("/people/{person}/itch", json={"peak": 6, "woke_up": True})
    assert first.status_code == 201
    itch = first.get_json()["itch"]
    assert (itch["local_date"], itch["peak_itch"], itch["band"], itch["woke_up"]) == ("2026-06-01", 6, "moderate", True)
    again = api.post("/people/{person}/itch", json={"peak": 3}).get_json()["itch"]
    assert (again["id"], again["peak_itch"], again["woke_up"]) == (itch["id"], 3, False)


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "peak"), ({"peak": 11}, "peak"), ({"peak": -1}, "peak"), ({"peak": "5"}, "peak"), ({"peak": 5.5}, "peak"),
     ({"peak": True}, "peak"), ({"peak": 5, "woke_up": "yes"}, "woke_up"), ({"peak": 5, "day": "2026-06-01"}, "day")],
)  # fmt: skip
def test_a_malformed_itch_log_is_a_422(app, api, body, field):
    before = count_rows(app)
    response = api.post("/people/{person}/itch", json=body)
    assert response.status_code == 422
    assert response.get_json()["field"] == field
    assert count_rows(app) == before


@pytest.mark.parametrize(
    ("body", "guidance", "says"),
    [
        ({"effects": ["burning"], "red_flags": ["breathing"]}, "emergency", "Emergency: call 999 now. Call at once"),
        ({"red_flags": ["infection", "chickenpox"]}, "today", "Get medical help today. See a doctor today"),
        ({"red_flags": ["infection"]}, "within_24h", "Contact your prescriber within 24 hours. Call your"),
        ({"effects": ["redness"], "other": " warm skin "}, None, "usually mild"),
    ],
)
def test_side_effects_are_stored_with_the_advice_the_page_gives(api, body, guidance, says):
    response = api.post("/people/{person}/side-effects", json=body)
    assert response.status_code == 201
    result = response.get_json()
    assert result["guidance"] == guidance
    assert says in result["message"]
    assert result["emergency_number"] == "999"  # the person lives in London
    assert result["report"]["effects"] == body.get("effects", [])
    assert result["report"]["other"] == body.get("other", "").strip()


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "effects"), ({"effects": ["sneezing"]}, "effects"), ({"effects": "burning"}, "effects"),
     ({"red_flags": [1]}, "red_flags"), ({"other": "x" * 201}, "other"), ({"other": "   "}, "effects"),
     ({"other": "a\x00b"}, "other")],
)  # fmt: skip
def test_a_malformed_side_effect_report_is_a_422(app, api, body, field):
    before = count_rows(app)
    response = api.post("/people/{person}/side-effects", json=body)
    assert response.status_code == 422
    assert response.get_json()["field"] == field
    assert count_rows(app) == before


def test_a_poem_is_scored_and_banded(api):
    answers = dict.fromkeys(POEM_ITEMS, 2)
    response = api.post("/people/{person}/poem", json={"answers": answers})
    assert response.status_code == 201
    result = response.get_json()["poem"]
    assert (result["total"], result["band"], result["answers"]) == (14, "moderate", answers)


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({item: 1 for item in POEM_ITEMS[:-1]}, "answers"),
        (dict.fromkeys(POEM_ITEMS, 1) | {"sneezing": 1}, "answers"),
        (dict.fromkeys(POEM_ITEMS, 1) | {"dry": 5}, "answers.dry"),
        (dict.fromkeys(POEM_ITEMS, 1) | {"itchy": "2"}, "answers.itchy"),
        ([1, 1, 1, 1, 1, 1, 1], "answers"),
    ],
)
def test_a_malformed_poem_is_a_422(app, api, answers, field):
    before = count_rows(app)
    response = api.post("/people/{person}/poem", json={"answers": answers})
    assert response.status_code == 422
    assert response.get_json()["field"] == field
    assert count_rows(app) == before


@pytest.fixture
def first_day(api, clock):
    """08:00 applied at 08:10 and again at 08:40 (extra); 20:00 missed; now 09:00 the next day."""
    for now in (local(8, 10), local(8, 40)):
        clock.now = now
        api.apply()
    clock.now = local(9, days=1)
    return api


@pytest.mark.parametrize("days", [7, 30])
def test_adherence_counts_only_closed_windows(first_day, days):
    response = first_day.get(f"/people/{{person}}/history?days={days}")
    assert response.status_code == 200
    summary = response.get_json()
    assert summary["days"] == days
    expected = {"due": 2, "taken": 1, "on_time": 1, "missed": 1, "extras": 1, "implementation_percent": 50}
    assert {key: summary[key] for key in expected} == expected
    assert summary["adherent"] is False


def test_the_calendar_shows_each_slot_and_the_extras_of_the_day(first_day):
    for url in ("/people/{person}/calendar?month=2026-06", "/people/{person}/calendar"):
        response = first_day.get(url)
        assert response.status_code == 200
        month = response.get_json()
        assert month["month"] == "2026-06"
        days = {day["date"]: day for week in month["weeks"] for day in week}
        first = days["2026-06-01"]
        assert [(s["local_time"], s["state"], s["applied_at"]) for s in first["slots"]] == [
            ("08:00", "on_time", "2026-06-01T07:10:00Z"),
            ("20:00", "missed", None),
        ]
        assert first["extras"] == 1
        assert days["2026-06-02"]["is_today"] is True
        assert all(len(week) == 7 for week in month["weeks"])


@pytest.mark.parametrize(
    "query",
    [
        "history?days=14",
        "history?days=seven",
        "calendar?month=2026-13",
        "calendar?month=June",
        "calendar?month=1999-12",
    ],
)
def test_a_bad_period_is_a_422(api, query):
    response = api.get(f"/people/{{person}}/{query}")
    assert response.status_code == 422
    assert response.get_json()["field"] == query.split("?")[1].split("=")[0]


# The OpenAPI document


def described_operations(document: dict) -> set[tuple[str, str]]:
    base = document["servers"][0]["url"]
    return {(method.upper(), base + path) for path, item in document["paths"].items() for method in item}


def routed_operations(app) -> set[tuple[str, str]]:
    return {
        (method, re.sub(r"<(?:[^>:]+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API + "/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_api_route_is_in_the_openapi_document_and_nothing_else(app, client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert described_operations(document) == routed_operations(app)


def test_the_document_names_the_session_cookie_and_the_csrf_header(app, client):
    document = client.get(f"{API}/openapi.json").get_json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["sessionCookie"] == {
        **schemes["sessionCookie"],
        "in": "cookie",
        "name": app.config["SESSION_COOKIE_NAME"],
    }
    assert schemes["csrfHeader"] == {**schemes["csrfHeader"], "in": "header", "name": "X-CSRFToken"}
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in ("post", "delete"):
                assert {"csrfHeader": [], "sessionCookie": []} in operation["security"]
