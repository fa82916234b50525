"""Every form that records something carries a request key, and may carry the instant of an offline tap.

The same form sent twice (a reload after a lost answer, two tabs, the phone's queue trying again) is stored
once and answered with the same words; the queue asks for JSON. A tap kept offline is judged at its instant.
Everything goes through the pages' own forms, as a browser (or the service worker) sends them.
"""

import datetime as dt
import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from app.extensions import db
from app.models import Application, ItchEntry, Person, Skip
from app.patients import doses
from tests.web.test_patient import set_plan, text

UTC = dt.UTC
LONDON_0810 = dt.datetime(2026, 6, 1, 7, 10, tzinfo=UTC)  # 08:10 BST; the 08:00 window is 06:00-14:00
JSON = {"Accept": "application/json"}
DONE = "Done: your 08:00 dose is recorded as applied at 08:10."
SKIPPED = "Dose skipped. Apply your next dose at its usual time."
UNDONE = "This dose report was already saved, and later undone."
TAP_TOO_OLD = (
    "This tap is more than 24 hours old, so it was not saved. You can report a dose up to 24 hours back. "
    "For older doses, tell your prescriber."
)
TAP_AHEAD = "This tap is dated in the future, so it was not saved. Check the date and time on your phone."
BAD_KEY = "This form could not be read. Reload the page and try again."


@pytest.fixture
def clock(monkeypatch):
    """The instant the patient and symptoms pages see as now."""
    state = {"now": LONDON_0810}
    for module in ("app.web.patient.routes", "app.web.symptoms.routes"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: state["now"])
    return lambda instant: state.update(now=instant)


@pytest.fixture
def patient(make_account, sign_in, client, clock):
    """A signed-in patient in London with an 08:00/20:00 plan from 1 June 2026."""
    account = make_account()
    sign_in(account)
    person = account.people[0]
    assert set_plan(client, person).status_code == 302
    return person


def form_on(pages, url, button) -> tuple[str, dict]:
    """The action and fields of the form with this button, on the page as fetched now."""
    soup = pages.get(url)
    form = soup.find("button", string=button).find_parent("form")
    inputs = [i for i in form.find_all("input") if i.get("type") not in ("radio", "checkbox") or i.has_attr("checked")]
    return form["action"], {i["name"]: i.get("value", "") for i in inputs}


def today_form(pages, person, button="I applied it"):
    return form_on(pages, f"/people/{person.id}/today", button)


def flashed(response) -> list[str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [text(p).strip() for p in soup.select(".flash")]


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model).filter_by(**where)
        return db.session.scalar(query)


def applications(app) -> list[tuple[str, dt.datetime, dt.datetime, str | None, bool]]:
    """(verdict, applied_at, recorded_at, request_key, undone) of every stored application, in order."""
    with app.app_context():
        rows = db.session.scalars(select(Application).order_by(Application.id))
        return [(a.verdict, a.applied_at, a.recorded_at, a.request_key, a.voided_at is not None) for a in rows]


def iso(instant: dt.datetime) -> str:
    """As the queue writes it: toISOString(), UTC with milliseconds and a Z."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


# The keys on the pages


def test_every_recording_form_carries_a_fresh_key_of_its_own(pages, patient):
    keys = []
    for button in ("I applied it", "Save", "Skip this dose"):
        _, fields = today_form(pages, patient, button)
        keys.append(fields["request_key"])
    _, itch = form_on(pages, f"/people/{patient.id}/itch", "Save")
    keys.append(itch["request_key"])
    assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key in keys)
    assert len(set(keys)) == 4, "no two forms, and no two fetches of a page, share a key"
    soup = pages.get(f"/people/{patient.id}/today")
    assert len({i["value"] for i in soup.select("input[name=request_key]")}) == 3, "each form on a page has its own"
    # Written as the service worker finds them, to give a saved copy of the page new keys.
    assert len(re.findall(r'name="request_key" value="[0-9a-f]{32}"', soup.response.get_data(as_text=True))) == 3


# The same form sent twice


def test_the_same_form_sent_twice_stores_one_application_and_says_the_same_both_times(
    app, client, pages, patient, clock
):
    action, fields = today_form(pages, patient)
    first = client.post(action, data=fields, follow_redirects=True)
    clock(LONDON_0810 + dt.timedelta(minutes=3))  # the resend comes later; it is still the 08:10 report
    again = client.post(action, data=fields, follow_redirects=True)
    assert flashed(first) == flashed(again) == [DONE]
    assert BeautifulSoup(again.get_data(as_text=True), "html.parser").select_one(".flash-counted")
    assert applications(app) == [("counted", LONDON_0810, LONDON_0810, fields["request_key"], False)]


def test_two_forms_with_two_keys_are_two_reports_and_the_second_is_an_extra(app, client, pages, patient, clock):
    action, fields = today_form(pages, patient)
    _, second = today_form(pages, patient, "Save")  # "I applied it earlier", left at "Just now"
    client.post(action, data=fields, follow_redirects=True)
    clock(LONDON_0810 + dt.timedelta(minutes=2))
    response = client.post(action, data=second, follow_redirects=True)
    assert "You had already applied this dose at 08:10. This one is kept as an extra" in flashed(response)[0]
    assert [row[0] for row in applications(app)] == ["counted", "extra"]


def test_a_form_without_a_key_is_stored_each_time_as_before(app, client, pages, patient):
    action, fields = today_form(pages, patient)
    del fields["request_key"]
    client.post(action, data=fields)
    client.post(action, data=fields)
    assert [(row[0], row[3]) for row in applications(app)] == [("counted", None), ("extra", None)]


@pytest.mark.parametrize("key", ["not a key", "a" * 65, "", "ключ", "abc\n"])
def test_a_malformed_key_is_refused_with_a_message_and_nothing_is_stored(app, client, pages, patient, key):
    action, fields = today_form(pages, patient)
    page = client.post(action, data=fields | {"request_key": key})
    assert page.status_code == 400
    assert BAD_KEY in flashed(page)
    answer = client.post(action, data=fields | {"request_key": key}, headers=JSON)
    assert answer.status_code == 400
    assert answer.json == {"message": BAD_KEY, "errors": {"request_key": [BAD_KEY]}}
    assert applications(app) == []


def test_a_key_of_64_letters_digits_dashes_and_underscores_is_taken(app, client, pages, patient):
    action, fields = today_form(pages, patient)
    key = ("A-z_9" * 13)[:64]
    assert client.post(action, data=fields | {"request_key": key}).status_code == 302
    assert applications(app)[0][3] == key


# The answer in JSON, for the queue


def test_the_queue_gets_json_with_the_same_words_and_no_flash(app, client, pages, patient):
    action, fields = today_form(pages, patient)
    first = client.post(action, data=fields, headers=JSON)
    again = client.post(action, data=fields, headers=JSON)
    assert (first.status_code, first.json) == (200, {"stored": True, "message": DONE, "category": "counted"})
    assert (again.status_code, again.json) == (200, {"stored": False, "message": DONE, "category": "counted"})
    assert not pages.get(f"/people/{patient.id}/today").select(".flash"), "nothing flashed for a JSON answer"
    assert len(applications(app)) == 1


def test_the_queue_gets_a_400_with_errors_by_field_and_a_409_for_a_refusal(app, client, pages, patient, clock):
    action, fields = today_form(pages, patient, "Skip this dose")
    empty = client.post(action, data=fields | {"reason": ""}, headers=JSON)
    assert empty.status_code == 400
    assert empty.json == {
        "message": "Tell us why, in a few words.",
        "errors": {"reason": ["Tell us why, in a few words."]},
    }
    clock(dt.datetime(2026, 6, 1, 13, 0, tzinfo=UTC))  # 14:00 BST: the 08:00 window has closed
    closed = client.post(action, data=fields | {"reason": "sore skin"}, headers=JSON)
    assert closed.status_code == 409
    assert closed.json == {"message": "This dose can no longer be skipped: its time has passed."}
    assert count(app, Skip) == 0


# A tap kept offline, judged at its instant


def test_a_tap_kept_offline_counts_for_the_dose_whose_window_was_open_then(app, client, pages, patient, clock):
    action, fields = today_form(pages, patient)
    tapped, sent = dt.datetime(2026, 6, 1, 12, 30, 5, 123000, tzinfo=UTC), dt.datetime(2026, 6, 1, 14, 30, tzinfo=UTC)
    clock(sent)  # 15:30 BST: the 08:00 window closed at 14:00
    answer = client.post(action, data=fields | {"tapped_at": iso(tapped)}, headers=JSON)
    message = "Recorded: your 08:00 dose was applied late, at 13:30. It still counts."
    assert answer.json == {"stored": True, "message": message, "category": "late"}
    assert applications(app) == [("late", tapped, sent, fields["request_key"], False)]
    now = client.post(action, data=fields | {"request_key": "another"}, headers=JSON)
    assert now.json["category"] == "early", "without its instant, a tap is judged now: before the 20:00 window"


def test_an_offline_earlier_report_counts_its_today_from_the_tap(app, client, pages, patient, clock):
    """ "Earlier today at 07:30", tapped at 23:50 and sent after midnight, is 07:30 on the day of the tap."""
    action, fields = today_form(pages, patient, "Save")
    clock(dt.datetime(2026, 6, 1, 23, 10, tzinfo=UTC))  # 00:10 BST on 2 June
    tapped = dt.datetime(2026, 6, 1, 22, 50, tzinfo=UTC)  # 23:50 BST on 1 June
    answer = client.post(action, data=fields | {"when": "today", "at_time": "07:30", "tapped_at": iso(tapped)})
    assert answer.status_code == 302
    assert applications(app)[0][:2] == ("counted", dt.datetime(2026, 6, 1, 6, 30, tzinfo=UTC))


def test_a_tap_more_than_24_hours_old_is_refused_and_nothing_is_stored(app, client, pages, patient, clock):
    action, fields = today_form(pages, patient)
    clock(LONDON_0810 + dt.timedelta(hours=25))
    answer = client.post(action, data=fields | {"tapped_at": iso(LONDON_0810)}, headers=JSON)
    assert answer.status_code == 400
    assert answer.json == {"message": TAP_TOO_OLD, "errors": {"tapped_at": [TAP_TOO_OLD]}}
    page = client.post(action, data=fields | {"tapped_at": iso(LONDON_0810)}, follow_redirects=True)
    assert flashed(page) == [TAP_TOO_OLD]
    assert applications(app) == []


def test_a_resend_of_a_stored_tap_is_answered_as_the_first_even_after_24_hours(app, client, pages, patient, clock):
    action, fields = today_form(pages, patient)
    tap = fields | {"tapped_at": iso(LONDON_0810)}
    clock(LONDON_0810 + dt.timedelta(hours=23, minutes=59))
    client.post(action, data=tap, headers=JSON)
    clock(LONDON_0810 + dt.timedelta(hours=24, minutes=1))  # the first answer was lost; the queue tries again
    again = client.post(action, data=tap, headers=JSON)
    assert again.json == {"stored": False, "message": DONE, "category": "counted"}
    assert len(applications(app)) == 1


def test_a_tap_a_few_minutes_ahead_is_taken_as_now_and_more_is_refused(app, client, pages, patient):
    action, fields = today_form(pages, patient)
    ahead = client.post(action, data=fields | {"tapped_at": iso(LONDON_0810 + dt.timedelta(minutes=6))}, headers=JSON)
    assert ahead.status_code == 400
    assert ahead.json == {"message": TAP_AHEAD, "errors": {"tapped_at": [TAP_AHEAD]}}
    assert applications(app) == []
    skewed = client.post(action, data=fields | {"tapped_at": iso(LONDON_0810 + dt.timedelta(minutes=4))}, headers=JSON)
    assert skewed.json == {"stored": True, "message": DONE, "category": "counted"}
    assert applications(app)[0][1] == LONDON_0810


@pytest.mark.parametrize("tapped_at", ["yesterday", "2026-06-01T08:10:00", "2026-06-01 25:00Z", ""])
def test_a_tap_time_that_cannot_be_read_is_refused(app, client, pages, patient, tapped_at):
    action, fields = today_form(pages, patient)
    answer = client.post(action, data=fields | {"tapped_at": tapped_at}, headers=JSON)
    assert answer.status_code == 400
    assert list(answer.json["errors"]) == ["tapped_at"]
    assert applications(app) == []


# Races and undo


def test_a_key_stored_first_by_another_tab_is_answered_as_a_repeat(app, client, pages, patient):
    action, fields = today_form(pages, patient)
    with app.app_context():
        doses.record_application(
            db.session.get(Person, patient.id), LONDON_0810, LONDON_0810, request_key=fields["request_key"]
        )
    answer = client.post(action, data=fields, headers=JSON)
    assert answer.json == {"stored": False, "message": DONE, "category": "counted"}
    assert len(applications(app)) == 1


@pytest.mark.parametrize("form", ["apply", "skip", "itch"])
def test_two_tabs_racing_with_one_key_store_once_and_both_get_an_answer(app, client, pages, patient, monkeypatch, form):
    """The twin's row lands between our look-up and our write: the unique index stops the second row, and
    the answer is the twin's (no IntegrityError reaches the person)."""
    button, url = {"apply": ("I applied it", "today"), "skip": ("Skip this dose", "today"), "itch": ("Save", "itch")}[
        form
    ]
    action, fields = form_on(pages, f"/people/{patient.id}/{url}", button)
    fields |= {"apply": {}, "skip": {"reason": "sore skin"}, "itch": {"peak": "4"}}[form]
    assert client.post(action, data=fields, headers=JSON).json["stored"] is True
    real, missed = doses.stored_with_key, []

    def lookup_that_misses_once(model, person, key):
        if not missed:
            missed.append(key)
            return None  # as if the twin had not committed yet
        return real(model, person, key)

    monkeypatch.setattr(doses, "stored_with_key", lookup_that_misses_once)
    monkeypatch.setattr("app.patients.symptoms.stored_with_key", lookup_that_misses_once)
    again = client.post(action, data=fields, headers=JSON)
    assert missed and again.status_code == 200 and again.json["stored"] is False
    assert (count(app, Application), count(app, Skip), count(app, ItchEntry)) == {
        "apply": (1, 0, 0), "skip": (0, 1, 0), "itch": (0, 0, 1)}[form]  # fmt: skip


def test_a_resend_after_an_undo_stores_nothing_and_says_it_was_undone(app, client, pages, patient):
    action, fields = today_form(pages, patient)
    client.post(action, data=fields)
    undo = pages.get(f"/people/{patient.id}/today").find("button", string=lambda s: s and s.startswith("Undo"))
    client.post(undo.find_parent("form")["action"], data={"csrf_token": fields["csrf_token"]}, follow_redirects=True)
    again = client.post(action, data=fields, follow_redirects=True)
    assert flashed(again) == [UNDONE]
    assert client.post(action, data=fields, headers=JSON).json == {
        "stored": False,
        "message": UNDONE,
        "category": "info",
    }
    assert applications(app) == [("counted", LONDON_0810, LONDON_0810, fields["request_key"], True)]


# Skip


def test_the_same_skip_sent_twice_skips_once(app, client, pages, patient):
    action, fields = today_form(pages, patient, "Skip this dose")
    first = client.post(action, data=fields | {"reason": "sore skin"}, follow_redirects=True)
    again = client.post(action, data=fields | {"reason": "sore skin"}, headers=JSON)
    assert flashed(first) == [SKIPPED]
    assert again.json == {"stored": False, "message": SKIPPED, "category": "info"}
    assert count(app, Skip) == 1


def test_a_skip_tapped_in_the_window_counts_though_it_closed_before_it_was_sent(app, client, pages, patient, clock):
    action, fields = today_form(pages, patient, "Skip this dose")
    clock(dt.datetime(2026, 6, 1, 13, 30, tzinfo=UTC))  # 14:30 BST: closed at 14:00
    tapped = dt.datetime(2026, 6, 1, 12, 50, tzinfo=UTC)  # 13:50 BST: still open
    answer = client.post(action, data=fields | {"reason": "sore skin", "tapped_at": iso(tapped)}, headers=JSON)
    assert answer.json == {"stored": True, "message": SKIPPED, "category": "info"}
    assert "skipped" in pages.get(f"/people/{patient.id}/today").select_one(".slot").get("class")[1]
    after = client.post(
        action, data=fields | {"reason": "x", "request_key": "k2", "tapped_at": iso(tapped + dt.timedelta(minutes=15))}
    )
    assert flashed(client.get(after.location)) == ["This dose can no longer be skipped: its time has passed."]


def test_a_skip_tapped_more_than_24_hours_ago_is_refused(app, client, pages, patient, clock):
    action, fields = today_form(pages, patient, "Skip this dose")
    clock(LONDON_0810 + dt.timedelta(hours=25))
    answer = client.post(action, data=fields | {"reason": "sore", "tapped_at": iso(LONDON_0810)}, headers=JSON)
    message = "This tap is more than 24 hours old, so the dose was not skipped."
    assert (answer.status_code, answer.json) == (400, {"message": message, "errors": {"tapped_at": [message]}})
    assert count(app, Skip) == 0


# Itch


def itch_entries(app) -> list[tuple[dt.date, int, str | None]]:
    with app.app_context():
        rows = db.session.scalars(select(ItchEntry).order_by(ItchEntry.local_date))
        return [(e.local_date, e.peak_itch, e.request_key) for e in rows]


def test_an_itch_score_sent_twice_is_saved_once_and_a_later_change_is_not_undone_by_a_resend(
    app, client, pages, patient, clock
):
    url = f"/people/{patient.id}/itch"
    action, first = form_on(pages, url, "Save")
    _, second = form_on(pages, url, "Save")
    assert client.post(action, data=first | {"peak": "8"}, headers=JSON).json["stored"] is True
    clock(LONDON_0810 + dt.timedelta(hours=1))
    client.post(action, data=second | {"peak": "3"})
    again = client.post(action, data=first | {"peak": "8"}, headers=JSON)  # the first, sent again late
    assert again.json == {"stored": False, "message": "Your itch score is saved.", "category": "info"}
    assert itch_entries(app) == [(dt.date(2026, 6, 1), 3, second["request_key"])]


def test_an_itch_score_tapped_just_before_midnight_is_saved_for_that_day(app, client, pages, patient, clock):
    action, fields = form_on(pages, f"/people/{patient.id}/itch", "Save")
    clock(dt.datetime(2026, 6, 2, 23, 5, tzinfo=UTC))  # 00:05 BST on 3 June
    tapped = dt.datetime(2026, 6, 2, 22, 59, 30, tzinfo=UTC)  # 23:59:30 BST on 2 June
    answer = client.post(action, data=fields | {"peak": "6", "tapped_at": iso(tapped)}, headers=JSON)
    assert answer.json == {"stored": True, "message": "Your itch score is saved.", "category": "info"}
    assert itch_entries(app) == [(dt.date(2026, 6, 2), 6, fields["request_key"])]


def test_an_itch_score_tapped_more_than_24_hours_ago_is_refused(app, client, pages, patient, clock):
    action, fields = form_on(pages, f"/people/{patient.id}/itch", "Save")
    clock(LONDON_0810 + dt.timedelta(hours=25))
    answer = client.post(action, data=fields | {"peak": "6", "tapped_at": iso(LONDON_0810)}, headers=JSON)
    message = "This itch score is more than 24 hours old, so it was not saved."
    assert (answer.status_code, answer.json) == (400, {"message": message, "errors": {"tapped_at": [message]}})
    assert itch_entries(app) == []


def test_a_malformed_key_on_the_itch_form_shows_the_page_again_with_the_message(app, client, pages, patient):
    action, fields = form_on(pages, f"/people/{patient.id}/itch", "Save")
    page = client.post(action, data=fields | {"peak": "6", "request_key": "no good"})
    assert page.status_code == 400
    assert flashed(page) == [BAD_KEY]
    assert itch_entries(app) == []
