"""Each case of the missed-dose issue, through the pages, the API and the notification action, as a patient
would meet it; every test checks what the person is told and what is stored.

The rule is app/dosing/windows.py (rules 1-7: one counted dose per window, extras, skip zone, missed,
on time, spacing `min_gap`, and a cap of `per_day` counted doses, now in any span of a day less the
slot's window and an hour) over the slots that app/dosing/schedule.py and app/patients/plans.py make. The plan is made with the patient's own form on
1 June 2026; the cases happen on Tuesday 2 June (DAY) and the day after, in the zone named by each
case and in another one.
"""

import datetime as dt
import itertools
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.dosing.schedule import default_cutoff_minutes
from app.extensions import db
from app.models import Application, DoseSlot, InboxMessage, Person, Plan
from app.patients.plans import current_plan
from app.reminders import scheduler
from app.reminders.push import PushResult
from tests.clinic_fixtures import link, make_clinic, make_clinician, sign_in_clinician
from tests.conftest import csrf_from

UTC = dt.UTC
DAY = dt.date(2026, 6, 2)  # a Tuesday in summer time, far from any clock change
MINUTE = dt.timedelta(minutes=1)
APPLY = "I applied it"
SUBSCRIPTION = {
    "endpoint": "https://push.example.net/send/rule-cases",
    "keys": {"p256dh": "BPk3" * 20, "auth": "a1b2c3d4"},
}
# The views' clocks; the clinician area's idle check keeps the real one (its sign-in is made now).
VIEWS = ("app.web.patient.routes", "app.web.api.routes", "app.web.auth.routes", "app.web.reminders.routes",
         "app.web.clinician.routes")  # fmt: skip


def local(zone: str, hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    """A wall-clock time in `zone` on DAY (+ days), as the UTC instant it names."""
    wall = dt.datetime.combine(DAY + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=ZoneInfo(zone))
    return wall.astimezone(UTC)


def plain(value: str) -> str:
    """Babel's narrow and ordinary no-break spaces made plain (English times, "08:00", have none)."""
    return value.replace("\u202f", " ").replace("\xa0", " ")


def words(node) -> str:
    return plain(node.get_text(" ", strip=True))


def label(instant: dt.datetime, zone: str) -> str:
    """An instant as the English pages show it in `zone`: "20:00"."""
    return instant.astimezone(ZoneInfo(zone)).strftime("%H:%M")


# --- the patient, their clock and what they do --------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """The instant every view (Today, the API, the account pages, the notification action) reads as now."""
    state = {"now": local("Europe/London", 9)}
    for module in VIEWS:
        monkeypatch.setattr(f"{module}.utcnow", lambda: state["now"])

    def set_now(instant: dt.datetime) -> dt.datetime:
        state["now"] = instant
        return instant

    return set_now


@pytest.fixture
def patient_in(app, make_account, sign_in, client, clock):
    """Factory: a signed-in patient in `zone` whose own 08:00/20:00 plan was made at 07:30 on 1 June."""

    def make(zone: str) -> Person:
        account = make_account(people=(("Me", zone),))
        sign_in(account)
        person = account.people[0]
        clock(local(zone, 7, 30, days=-1))
        url = f"/people/{person.id}/plan"
        data = {"csrf_token": csrf_from(client, url), "medicine": "pimecrolimus", "body_areas": ["face"],
                "doses": "2", "first_time": "08:00", "second_time": "20:00",
                "start_date": (DAY - dt.timedelta(days=1)).isoformat()}  # fmt: skip
        assert client.post(url, data=data).status_code == 302
        return person

    return make


class Today:
    """The Today page as the patient sees it: its sentence for now, the button, the day's doses."""

    def __init__(self, soup: BeautifulSoup):
        self.soup = soup
        self.message = words(soup.select_one(".moment-message"))
        self.invites = soup.find("button", string=APPLY) is not None


def today(pages, person) -> Today:
    return Today(pages.get(f"/people/{person.id}/today"))


def tap(pages, person, **fields) -> str:
    """Press "I applied it" (or send the "I applied it earlier" form) and read the sentence Today shows."""
    client = pages.client
    data = {"csrf_token": csrf_from(client, f"/people/{person.id}/today"), "when": "now", **fields}
    response = client.post(f"/people/{person.id}/applications", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = pages.get(response.location)
    [flash] = [words(p) for p in page.select(".flashes .flash")]
    return flash


def api_today(client, person) -> dict:
    response = client.get(f"/api/v1/people/{person.id}/today")
    assert response.status_code == 200
    return response.get_json()


def api_report(client, person, **body):
    token = client.get("/api/v1/csrf-token").get_json()["csrf_token"]
    return client.post(f"/api/v1/people/{person.id}/applications", json=body, headers={"X-CSRFToken": token})


def move_to(pages, person, zone: str) -> None:
    """Change the person's time zone with the account's person form, as the patient would."""
    url = f"/account/people/{person.id}/edit"
    token = pages.get(url).find("input", attrs={"name": "csrf_token"})["value"]
    response = pages.client.post(
        url, data={"csrf_token": token, "name": "Me", "timezone": zone, "detected_timezone": ""}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def new_own_plan(pages, person, times: tuple[str, str], start: dt.date) -> None:
    """The patient's own plan form, with other times: the old plan stops and a new one starts."""
    url = f"/people/{person.id}/plan"
    data = {"csrf_token": csrf_from(pages.client, url), "medicine": "pimecrolimus", "body_areas": ["face"],
            "doses": "2", "first_time": times[0], "second_time": times[1], "start_date": start.isoformat()}  # fmt: skip
    response = pages.client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def clinic_changes_plan(app):
    """Factory: a clinician of the person's clinic changes the plan with the plan editor, in a browser of
    their own; returns the editor's answer."""
    staff = {}

    def change(person, times, early: int, cutoff: int, min_gap: int, status: int = 302):
        if not staff:
            clinic = make_clinic(app)
            link(app, person.id, clinic)
            staff["client"] = app.test_client()
            sign_in_clinician(app, staff["client"], make_clinician(app, clinic, "dr.rivera@example.org"))
        client = staff["client"]
        with app.app_context():
            review = current_plan(db.session.get(Person, person.id)).review_date
        detail = f"/clinic/patients/{person.id}"
        data = {"csrf_token": csrf_from(client, detail), "first_time": times[0], "second_time": times[1],
                "early_minutes": str(early), "cutoff_minutes": str(cutoff), "min_gap_minutes": str(min_gap),
                "review_date": review.isoformat()}  # fmt: skip
        response = client.post(f"{detail}/plan", data=data)
        assert response.status_code == status, response.get_data(as_text=True)
        return response

    return change


# --- what is stored -----------------------------------------------------------------------------


def slots(app, person) -> list[DoseSlot]:
    with app.app_context():
        query = select(DoseSlot).where(DoseSlot.person_id == person.id).order_by(DoseSlot.scheduled_at)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def applications(app, person) -> list[Application]:
    with app.app_context():
        query = select(Application).where(Application.person_id == person.id).order_by(Application.id)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def counted(app, person) -> list[dt.datetime]:
    return sorted(a.applied_at for a in applications(app, person) if a.counts_for_slot_id is not None)


def slot_of(app, person, local_date: dt.date, dose_index: int) -> DoseSlot:
    [slot] = [s for s in slots(app, person) if (s.local_date, s.dose_index) == (local_date, dose_index)]
    return slot


def assert_one_slot_per_dose(app, person) -> None:
    """Rule: a dose is (local_date, dose_index), and no change makes a second slot for one."""
    doses = Counter((s.local_date, s.dose_index) for s in slots(app, person))
    assert [dose for dose, n in doses.items() if n > 1] == []


def assert_spacing_and_cap(app, person) -> None:
    """Rules 6 and 7 on what is stored. Spacing: no two counted doses closer than the smaller min_gap of
    their slots. Cap: no per_day + 1 consecutive counted doses, one of them in slot s, spanning less than a
    day less s's window and an hour (windows.cap_span)."""
    by_id = {s.id: s for s in slots(app, person)}
    doses = sorted((a.applied_at, by_id[a.counts_for_slot_id]) for a in applications(app, person)
                   if a.counts_for_slot_id is not None)  # fmt: skip
    for (a, sa), (b, sb) in itertools.pairwise(doses):
        assert b - a >= min(sa.min_gap, sb.min_gap), (a, b)
    for i in range(len(doses)):
        run = doses[i : i + doses[i][1].per_day + 1]
        if len(run) == doses[i][1].per_day + 1:
            span = min(dt.timedelta(hours=24) - (s.closes_at - s.opens_at) - dt.timedelta(hours=1) for _, s in run)
            assert run[-1][0] - run[0][0] >= span, [at for at, _ in run]


# --- reminders ----------------------------------------------------------------------------------


class CollectingPush:
    """A push service that takes every push and keeps its payload (what the service worker would show)."""

    def __init__(self):
        self.payloads = []

    def send(self, subscription, payload, ttl, topic, urgency="high"):
        self.payloads.append(payload)
        return PushResult("sent", 201)


def sweep(app, at: dt.datetime, push=None):
    """One run of the scheduler's sweep at `at`, as the scheduler process does it."""
    with app.app_context():
        return scheduler.run_sweep(app, at, scheduler.make_channels(app, push=push))


def inbox_titles(app, person, since: dt.datetime | None = None) -> list[str]:
    with app.app_context():
        query = select(InboxMessage).where(InboxMessage.person_id == person.id, InboxMessage.slot_id.is_not(None))
        if since is not None:
            query = query.where(InboxMessage.created_at >= since)
        return [plain(m.title) for m in db.session.scalars(query.order_by(InboxMessage.id))]


def sweeps_between(app, start: dt.datetime, end: dt.datetime, every=dt.timedelta(minutes=30)) -> None:
    at = start
    while at < end:
        sweep(app, at)
        at += every


# 1. A zone change after a window closed ----------------------------------------------------------


@pytest.mark.parametrize("new_zone", ["America/New_York", "America/Los_Angeles"])
def test_a_zone_change_after_the_morning_window_closed_makes_no_second_morning_dose(app, pages, patient_in, clock,
                                                                                    new_zone):  # fmt: skip
    person = patient_in("Europe/London")
    sweep(app, clock(local("Europe/London", 8)))
    clock(local("Europe/London", 8, 10))
    assert tap(pages, person) == "Done: your 08:00 dose is recorded as applied at 08:10."
    changed_at = clock(local("Europe/London", 14, 30))
    move_to(pages, person, new_zone)

    # In the new zone it is morning again (9:30 in New York, 6:30 in Los Angeles): the dose is taken.
    page = today(pages, person)
    assert "Time for your 08:00 dose" not in page.message
    assert not page.invites, "the morning dose was applied in London: nothing invites another"
    assert page.message == "Your next dose is at 20:00. You can apply it from 18:00."
    client = pages.client
    api = api_today(client, person)
    assert api["moment"] == "waiting" and plain(api["message"]) == page.message
    assert api["current_slot"] is None and api["next_slot"]["local_time"] == "20:00"

    # The day has one slot per dose: the London 08:00 is the morning dose of 2 June, wherever the person is.
    assert_one_slot_per_dose(app, person)
    morning = slot_of(app, person, DAY, 0)
    assert morning.scheduled_at == local("Europe/London", 8) and morning.closes_at <= changed_at
    evening = slot_of(app, person, DAY, 1)
    assert evening.scheduled_at == local(new_zone, 20)

    # A tap now is an extra, told why; it counts for nothing.
    message = tap(pages, person)
    assert message.startswith("It was too early for your 20:00 dose, which opens at 18:00.")
    assert "does not count" in message
    report = api_report(client, person)
    assert report.status_code == 201 and report.get_json()["verdict"] == "early"
    assert [(a.verdict, a.counts_for_slot_id) for a in applications(app, person)] == [
        ("counted", morning.id), ("early", None), ("early", None),
    ]  # fmt: skip

    # No reminder for a morning dose goes out in the new zone's morning; the evening's does.
    sweeps_between(app, changed_at, local(new_zone, 18))
    assert inbox_titles(app, person, since=changed_at) == []
    sweep(app, local(new_zone, 20))
    assert inbox_titles(app, person, since=changed_at) == ["Time for your 20:00 dose"]


@pytest.mark.parametrize("new_zone", ["America/New_York", "America/Los_Angeles"])
def test_a_zone_change_after_a_missed_morning_says_skip_it_and_makes_no_new_morning_dose(app, pages, patient_in, clock,
                                                                                         new_zone):  # fmt: skip
    person = patient_in("Europe/London")
    changed_at = clock(local("Europe/London", 14, 30))  # nothing applied this morning
    move_to(pages, person, new_zone)
    page = today(pages, person)
    assert "Time for your" not in page.message and not page.invites
    assert "it is now too late for it: skip it" in page.message
    assert page.message.endswith("Apply your next dose at its usual time, 20:00. Do not apply extra to make up for it.")
    assert_one_slot_per_dose(app, person)
    assert slot_of(app, person, DAY, 0).scheduled_at == local("Europe/London", 8)
    assert tap(pages, person).startswith("It was too late for the missed dose, so it is skipped.")
    assert [(a.verdict, a.counts_for_slot_id) for a in applications(app, person)] == [("skip_zone", None)]
    sweeps_between(app, changed_at, local(new_zone, 18))
    assert inbox_titles(app, person, since=changed_at) == []


# 2. A plan change after a window closed -------------------------------------------------------


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
@pytest.mark.parametrize("times", [("09:00", "21:00"), ("15:00", "23:00")], ids=["09-21", "15-23"])
@pytest.mark.parametrize("by", ["patient", "clinic"])
def test_a_plan_change_after_the_morning_window_closed_counts_no_second_morning_dose(app, pages, patient_in, clock,
                                                                                     clinic_changes_plan, zone, times,
                                                                                     by):  # fmt: skip
    person = patient_in(zone)
    clock(local(zone, 8, 10))
    assert tap(pages, person) == "Done: your 08:00 dose is recorded as applied at 08:10."
    changed_at = clock(local(zone, 14, 30))
    if by == "patient":
        new_own_plan(pages, person, times, DAY)
    else:
        cutoff = default_cutoff_minutes([dt.time.fromisoformat(t) for t in times])
        clinic_changes_plan(person, times, 120, cutoff, 360)
    with app.app_context():
        newest = select(Plan.times).where(Plan.person_id == person.id).order_by(Plan.id.desc()).limit(1)
        assert db.session.scalar(newest) == list(times)

    first, second = (dt.time.fromisoformat(t) for t in times)
    evening = local(zone, second.hour, second.minute)
    evening_label, evening_opens = label(evening, zone), label(evening - dt.timedelta(hours=2), zone)
    assert_one_slot_per_dose(app, person)
    assert slot_of(app, person, DAY, 0).scheduled_at == local(zone, 8), "the morning dose stays the 08:00 one"
    assert slot_of(app, person, DAY, 1).scheduled_at == local(zone, second.hour, second.minute)

    # Now, and at the new morning time, the morning is taken: nothing invites, nothing counts.
    for now in (changed_at, local(zone, first.hour, first.minute) if first.hour > 14 else changed_at + 5 * MINUTE):
        clock(now)
        page = today(pages, person)
        assert "Time for your" not in page.message
        assert not page.invites
        assert page.message == f"Your next dose is at {evening_label}. You can apply it from {evening_opens}."
        message = tap(pages, person)
        assert message.startswith(f"It was too early for your {evening_label} dose, which opens at {evening_opens}.")
    assert counted(app, person) == [local(zone, 8, 10)]

    # The evening dose of the new plan counts as usual: two doses that day, no more.
    evening_tap = clock(evening + 10 * MINUTE)
    assert (
        tap(pages, person) == f"Done: your {evening_label} dose is recorded as applied at {label(evening_tap, zone)}."
    )
    assert counted(app, person) == [local(zone, 8, 10), evening_tap]
    assert_spacing_and_cap(app, person)


# 3. Plan times close together ------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
@pytest.mark.parametrize("min_gap", [240, 300])
def test_close_plan_times_never_count_two_doses_closer_than_the_spacing(app, pages, patient_in, clock,
                                                                        clinic_changes_plan, zone, min_gap):  # fmt: skip
    person = patient_in(zone)
    # Before the day's first window opens, the clinic sets 08:00 and 14:30 (6 h 30 min apart): the
    # morning window is 06:30-12:30 and the afternoon's opens at 13:00.
    clock(local(zone, 5))
    # Half the interval (195 minutes) is under the 4-hour floor a clinician may set: the editor refuses it.
    refused = clinic_changes_plan(person, ("08:00", "14:30"), 90, 120, 195, status=400)
    assert "Enter between 240 and 1440 minutes." in plain(refused.get_data(as_text=True))
    with app.app_context():
        assert current_plan(db.session.get(Person, person.id)).times == ["08:00", "20:00"]
    clinic_changes_plan(person, ("08:00", "14:30"), 90, 120, min_gap)
    assert_one_slot_per_dose(app, person)
    afternoon = slot_of(app, person, DAY, 1)
    assert (afternoon.opens_at, afternoon.min_gap_minutes) == (local(zone, 13), min_gap)

    clock(local(zone, 12))
    assert tap(pages, person) == "Recorded: your 08:00 dose was applied late, at 12:00. It still counts."
    gap = dt.timedelta(minutes=min_gap)
    allowed = local(zone, 12) + gap
    allowed_label = label(allowed, zone)

    # The afternoon window is open, but the morning dose was too recent: Today says from when, invites nothing.
    for now in (local(zone, 13, 30), allowed - MINUTE):
        clock(now)
        page = today(pages, person)
        assert page.message == f"Your last dose was at 12:00. You can apply the next one from {allowed_label}."
        assert not page.invites
        api = api_today(pages.client, person)
        assert api["moment"] == "spaced" and plain(api["message"]) == page.message
    sweep(app, local(zone, 14, 30))
    assert "Time for your 14:30 dose" not in inbox_titles(app, person), "a reminder waits for the spacing"

    clock(local(zone, 13, 30))
    message = tap(pages, person)
    assert message.startswith("Your last dose was at 12:00, too close to this one.")
    assert "does not count" in message
    clock(allowed - MINUTE)
    assert tap(pages, person).startswith("Your last dose was at 12:00, too close to this one.")
    assert counted(app, person) == [local(zone, 12)]

    # From then on, the afternoon dose is invited and counts.
    clock(allowed)
    page = today(pages, person)
    assert page.message == "Time for your 14:30 dose. You can apply it until 06:00."
    assert page.invites
    sweep(app, allowed)
    assert [t for t in inbox_titles(app, person) if "14:30 dose" in t], "the reminder held back goes out now"
    assert tap(pages, person).startswith("Recorded: your 14:30 dose was applied late")
    assert counted(app, person) == [local(zone, 12), allowed]
    assert [a.verdict for a in applications(app, person)] == ["late", "too_soon", "too_soon", "late"]
    assert_spacing_and_cap(app, person)


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
@pytest.mark.parametrize("min_gap", [240, 300])
def test_close_plan_times_a_dose_reported_back_counts_only_the_spacing_before_a_counted_one(
    app, pages, patient_in, clock, clinic_changes_plan, zone, min_gap
):
    person = patient_in(zone)
    clock(local(zone, 5))
    clinic_changes_plan(person, ("08:00", "14:30"), 90, 120, min_gap)
    clock(local(zone, 13))  # the afternoon window opens; nothing was reported for the morning
    assert tap(pages, person) == "Done: your 14:30 dose is recorded as applied at 13:00."

    # Reported at 13:30 for 10:00, inside the morning's window but 3 hours before the 13:00 dose.
    clock(local(zone, 13, 30))
    message = tap(pages, person, when="today", at_time="10:00")
    assert message.startswith("Your last dose was at 13:00, too close to this one.") and "does not count" in message
    # For 08:30, 4 h 30 min before: it counts if the spacing is 4 hours, not if it is 5.
    message = tap(pages, person, when="today", at_time="08:30")
    if min_gap <= 270:
        assert message == "Done: your 08:00 dose is recorded as applied at 08:30."
        assert counted(app, person) == [local(zone, 8, 30), local(zone, 13)]
    else:
        assert message.startswith("Your last dose was at 13:00, too close to this one.")
        assert counted(app, person) == [local(zone, 13)]
    page = today(pages, person)
    assert page.message == "You applied this dose at 13:00. Your next dose is at 08:00." and not page.invites
    assert_spacing_and_cap(app, person)


# 4. A report just before a window opens --------------------------------------------------------


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
@pytest.mark.parametrize("morning", ["applied", "skipped"])
def test_a_report_just_before_the_window_opens_is_too_early_not_too_late(app, pages, patient_in, clock, zone,
                                                                         morning):  # fmt: skip
    person = patient_in(zone)
    clock(local(zone, 8, 10))
    if morning == "applied":
        tap(pages, person)
    else:
        form = today(pages, person).soup.find("button", string="Skip this dose").find_parent("form")
        data = {"csrf_token": csrf_from(pages.client, f"/people/{person.id}/today"), "reason": "skin irritated"}
        assert pages.client.post(form["action"], data=data).status_code == 302

    clock(local(zone, 17, 30))  # the 20:00 window opens at 18:00
    page = today(pages, person)
    assert page.message == "Your next dose is at 20:00. You can apply it from 18:00."
    assert not page.invites
    message = tap(pages, person)
    assert message == (
        "It was too early for your 20:00 dose, which opens at 18:00. This report is kept as an extra and "
        "does not count."
    )
    assert "too late for the missed dose" not in message
    clock(local(zone, 17, 45))
    report = api_report(pages.client, person)
    assert report.status_code == 201
    body = report.get_json()
    assert (body["verdict"], body["application"]["counts"], body["slot"]) == ("early", False, None)
    assert plain(body["message"]).startswith("It was too early for your 20:00 dose, which opens at 18:00.")
    # Reported later, at 19:00, for 17:50: the same verdict.
    clock(local(zone, 19))
    assert tap(pages, person, when="today", at_time="17:50").startswith("It was too early for your 20:00 dose")

    stored = [(a.applied_at, a.verdict, a.counts_for_slot_id) for a in applications(app, person)][-3:]
    assert stored == [
        (local(zone, 17, 30), "early", None), (local(zone, 17, 45), "early", None), (local(zone, 17, 50), "early", None),
    ]  # fmt: skip

    # The early reports took nothing from the evening dose.
    page = today(pages, person)
    assert page.message == "Time for your 20:00 dose. You can apply it until 02:00."
    assert page.invites
    assert tap(pages, person) == "Done: your 20:00 dose is recorded as applied at 19:00."


# 5. A notification's "Applied" action ----------------------------------------------------------


def subscribe_and_sweep(app, pages, person, clock, zone) -> tuple[CollectingPush, dict]:
    """Turn on notifications on this device and let the scheduler send the 08:00 reminder: its payload."""
    clock(local(zone, 7, 45))
    page = pages.get(f"/people/{person.id}/reminders")
    headers = {"X-CSRFToken": page.select_one("[data-push]")["data-csrf"]}
    assert (
        pages.client.post(f"/people/{person.id}/reminders/push", json=SUBSCRIPTION, headers=headers).status_code == 200
    )
    push = CollectingPush()
    sweep(app, local(zone, 8), push=push)
    [payload] = [p for p in push.payloads if plain(p["title"]) == "Time for your 08:00 dose"]
    return push, payload


def act(app, payload: dict, action: str = "applied"):
    """Post as the service worker does: a form to the payload's act_url, no session, no CSRF token."""
    path = "/" + payload["act_url"].split("://", 1)[1].split("/", 1)[1]
    return app.test_client().post(path, data={"token": payload["token"], "action": action})


def assert_nothing_recorded(response, dose: str = "08:00", applied: str | None = None) -> str:
    """A 409 that says nothing was recorded for this reminder's dose, and invites nothing.

    The sentence names the reminder's dose ("This reminder was for the 08:00 dose...") or, once that
    dose is applied, when it was ("You had already applied this dose at 08:05...").
    """
    assert response.status_code == 409
    message = plain(response.json["message"])
    named = [f"This reminder was for the {dose} dose"] + (
        [f"You had already applied this dose at {applied}"] if applied else []
    )
    assert message.startswith(tuple(named)), message
    assert "Nothing" in message and "recorded" in message
    assert "Time for" not in message and "can still apply" not in message
    return message


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_replaying_a_notifications_applied_action_stores_nothing_more(app, pages, patient_in, clock, zone):
    person = patient_in(zone)
    _, payload = subscribe_and_sweep(app, pages, person, clock, zone)
    morning = slot_of(app, person, DAY, 0)
    # The sweep signs the same claim as scheduler.action_signer: this person and this slot.
    assert scheduler.action_signer(app).loads(payload["token"]) == {"p": person.id, "s": morning.id}

    clock(local(zone, 8, 5))
    first = act(app, payload)
    assert first.status_code == 200
    assert plain(first.json["message"]) == "Done: your 08:00 dose is recorded as applied at 08:05."
    for hour, minute in ((8, 6), (8, 8), (9, 0)):  # the service worker retries, the patient taps it again
        clock(local(zone, hour, minute))
        assert_nothing_recorded(act(app, payload), applied="08:05")
    assert [(a.verdict, a.source, a.counts_for_slot_id) for a in applications(app, person)] == [
        ("counted", "push", morning.id)
    ]
    page = today(pages, person)
    assert page.message.startswith("You applied this dose at 08:05.") and not page.invites


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
@pytest.mark.parametrize("morning", ["taken", "missed"])
def test_a_stale_morning_notification_used_in_the_evening_counts_for_nothing(app, pages, patient_in, clock, zone,
                                                                             morning):  # fmt: skip
    person = patient_in(zone)
    _, payload = subscribe_and_sweep(app, pages, person, clock, zone)
    if morning == "taken":
        clock(local(zone, 8, 10))
        tap(pages, person)
    before = [(a.id, a.verdict) for a in applications(app, person)]

    clock(local(zone, 20, 30))
    response = act(app, payload)
    message = assert_nothing_recorded(response, applied="08:10" if morning == "taken" else None)
    if morning == "missed":
        assert message.startswith("This reminder was for the 08:00 dose, which")
    assert response.json["error"] == "reminder_closed"
    assert [(a.id, a.verdict) for a in applications(app, person)] == before, "nothing is stored"
    evening = slot_of(app, person, DAY, 1)
    assert evening.id not in {a.counts_for_slot_id for a in applications(app, person)}
    assert_nothing_recorded(act(app, payload, "skip"), applied="08:10" if morning == "taken" else None)

    # The evening dose is still the patient's to record, from Today.
    page = today(pages, person)
    assert page.message == "Time for your 20:00 dose. You can apply it until 02:00."
    assert page.invites
    assert tap(pages, person) == "Done: your 20:00 dose is recorded as applied at 20:30."


# 6. The cap -----------------------------------------------------------------------------------
#
# Rule 7 as app/dosing/windows.py now states it: at most `per_day` counted doses in any span of a day less
# the slot's window and an hour (15 hours for an 08:00/20:00 plan's 8-hour windows), so that a plan kept as
# it is never reaches it, and a zone change that would squeeze a third dose into that span holds it back.


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_a_late_morning_and_an_evening_dose_leave_the_next_morning_window_as_planned(app, pages, patient_in, clock,
                                                                                     zone):  # fmt: skip
    person = patient_in(zone)
    clock(local(zone, 13, 50))
    assert tap(pages, person) == "Recorded: your 08:00 dose was applied late, at 13:50. It still counts."
    clock(local(zone, 19, 50))  # exactly 6 hours later: the spacing allows it
    page = today(pages, person)
    assert page.message == "Time for your 20:00 dose. You can apply it until 02:00." and page.invites
    assert tap(pages, person) == "Done: your 20:00 dose is recorded as applied at 19:50."

    # The next morning's window opens at 06:00 as the plan promises: 16 h 10 min after 13:50 is outside the cap.
    clock(local(zone, 6, 0, days=1))
    page = today(pages, person)
    assert page.message == "Time for your 08:00 dose. You can apply it until 14:00." and page.invites
    assert tap(pages, person) == "Done: your 08:00 dose is recorded as applied at 06:00."
    assert counted(app, person) == [local(zone, 13, 50), local(zone, 19, 50), local(zone, 6, 0, days=1)]
    assert_spacing_and_cap(app, person)


@pytest.mark.parametrize("new_zone", ["Asia/Tokyo", "Australia/Sydney"])
def test_after_a_move_east_the_cap_holds_the_next_morning_until_15_hours_after_the_first_dose(app, pages, patient_in,
                                                                                              clock, new_zone):  # fmt: skip
    person = patient_in("Europe/London")
    first = clock(local("Europe/London", 8, 10))
    tap(pages, person)
    second = clock(local("Europe/London", 14, 30))  # 22:30 in Tokyo, 23:30 in Sydney: the evening window is open
    move_to(pages, person, new_zone)
    # The evening window opens when the kept morning one closes (14:00 in London), and its dose time moves
    # there too: the slots stay in window order, and the dose is on time from its first possible minute.
    opens = label(local("Europe/London", 14), new_zone)
    page = today(pages, person)
    assert page.message == f"Time for your {opens} dose. You can apply it until 02:00." and page.invites
    assert tap(pages, person) == f"Done: your {opens} dose is recorded as applied at {label(second, new_zone)}."
    assert_one_slot_per_dose(app, person)

    # Two doses 6 h 20 min apart: a third may count only 15 hours after the first, past the window's opening.
    allowed = first + dt.timedelta(hours=15)
    morning = slot_of(app, person, DAY + dt.timedelta(days=1), 0)
    assert morning.opens_at < allowed < morning.closes_at
    clock(morning.opens_at - dt.timedelta(minutes=30))
    assert tap(pages, person) == (
        f"It was too early for your 08:00 dose, which opens at {label(allowed, new_zone)}. This report is kept as "
        "an extra and does not count."
    )
    for now in (morning.opens_at, allowed - MINUTE):
        clock(now)
        page = today(pages, person)
        assert page.message == (
            f"Your last dose was at {label(second, new_zone)}. You can apply the next one from {label(allowed, new_zone)}."
        )
        assert not page.invites
        api = api_today(pages.client, person)
        assert api["moment"] == "spaced" and plain(api["message"]) == page.message
    clock(morning.opens_at)
    assert "does not count" in tap(pages, person)
    report = api_report(pages.client, person)
    assert report.get_json()["verdict"] == "too_soon" and report.get_json()["application"]["counts"] is False

    # No morning reminder goes out before then; one does once a dose would count.
    sweeps_between(app, morning.opens_at, allowed, every=dt.timedelta(minutes=10))
    assert not [t for t in inbox_titles(app, person, since=morning.opens_at) if "08:00" in t]
    sweep(app, max(allowed, morning.scheduled_at))
    [sent] = inbox_titles(app, person, since=morning.opens_at)
    assert "08:00 dose" in sent

    clock(allowed)
    page = today(pages, person)
    assert page.message == "Time for your 08:00 dose. You can apply it until 14:00." and page.invites
    assert tap(pages, person).endswith(f"applied at {label(allowed, new_zone)}.")
    assert counted(app, person) == [first, second, allowed]
    assert [a.verdict for a in applications(app, person)] == [
        "counted", "counted", "early", "too_soon", "too_soon", "counted"
    ]  # fmt: skip
    assert_spacing_and_cap(app, person)


@pytest.mark.parametrize("new_zone", ["Asia/Tokyo", "Australia/Sydney"])
def test_a_dose_the_cap_keeps_from_counting_is_told_the_true_last_dose(app, pages, patient_in, clock, new_zone):
    person = patient_in("Europe/London")
    first = clock(local("Europe/London", 8, 10))
    tap(pages, person)
    second = clock(local("Europe/London", 14, 30))
    move_to(pages, person, new_zone)
    tap(pages, person)
    clock(slot_of(app, person, DAY + dt.timedelta(days=1), 0).opens_at)
    page = today(pages, person)
    assert page.message.startswith(f"Your last dose was at {label(second, new_zone)}.")
    message = tap(pages, person)
    report = api_report(pages.client, person)
    assert [a.verdict for a in applications(app, person)][-2:] == ["too_soon", "too_soon"]
    for said in (message, plain(report.get_json()["message"])):
        assert "does not count" in said
        # The page and the verdict must agree on when the last dose was: not the first dose, yesterday.
        assert f"Your last dose was at {label(first, new_zone)}" not in said, said
