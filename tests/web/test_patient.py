"""The patient's Today page, plan, apply / skip / undo and the personal missed-dose page."""

import datetime as dt

import pytest

from tests.conftest import csrf_from

LONDON_0810 = dt.datetime(2026, 6, 1, 7, 10, tzinfo=dt.UTC)  # 08:10 BST


def text(node_or_response) -> str:
    """Visible text with Babel's narrow and ordinary no-break spaces made plain (English times, "08:00", have none)."""
    is_response = hasattr(type(node_or_response), "get_data")
    raw = node_or_response.get_data(as_text=True) if is_response else node_or_response.text
    return raw.replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def clock(monkeypatch):
    """Set the instant the patient views see as now."""
    state = {"now": LONDON_0810}
    monkeypatch.setattr("app.web.patient.routes.utcnow", lambda: state["now"])

    def set_now(instant):
        state["now"] = instant

    return set_now


@pytest.fixture
def patient(make_account, sign_in, client, clock):
    account = make_account()
    sign_in(account)
    return account.people[0]


def set_plan(client, person, times=("08:00", "20:00"), start="2026-06-01"):
    url = f"/people/{person.id}/plan"
    data = {"csrf_token": csrf_from(client, url), "medicine": "pimecrolimus", "body_areas": ["face"], "doses": "2",
            "first_time": times[0], "second_time": times[1] if len(times) > 1 else "", "start_date": start}  # fmt: skip
    if len(times) == 1:
        data["doses"] = "1"
    return client.post(url, data=data)


def apply(client, person, **fields):
    today = f"/people/{person.id}/today"
    return client.post(f"/people/{person.id}/applications", data={"csrf_token": csrf_from(client, today), "when": "now", **fields},
                       follow_redirects=True)  # fmt: skip


def test_without_a_plan_today_invites_setting_one_up(pages, patient):
    soup = pages.get(f"/people/{patient.id}/today")
    assert soup.find("a", string="Set up your plan")
    assert not soup.find("button", string="I applied it")


def test_setting_a_plan_shows_todays_doses_and_the_open_window(pages, client, patient):
    assert set_plan(client, patient).status_code == 302
    soup = pages.get(f"/people/{patient.id}/today")
    assert "Time for your 08:00 dose. You can apply it until 14:00." in text(soup.select_one(".moment-message"))
    assert [text(li.select_one(".slot-time")) for li in soup.select(".slot")] == ["08:00", "20:00"]
    assert soup.find("button", string="I applied it")


def test_applying_counts_and_a_second_tap_is_stored_as_extra_without_invitation(pages, client, patient, clock):
    set_plan(client, patient)
    first = apply(client, patient)
    assert "recorded as applied at 08:10" in text(first)
    clock(LONDON_0810 + dt.timedelta(minutes=5))
    soup = pages.get(f"/people/{patient.id}/today")
    assert "You applied this dose at 08:10" in text(soup.select_one(".moment-message"))
    assert not soup.find("button", string="I applied it"), "a taken dose must not invite another"
    second = apply(client, patient)
    assert "You had already applied this dose at 08:10" in text(second)
    assert "does not count" in text(second)


def test_undo_within_ten_minutes_withdraws_the_report_and_reopens_the_dose(pages, client, patient, clock):
    set_plan(client, patient)
    apply(client, patient)
    soup = pages.get(f"/people/{patient.id}/today")
    undo = soup.find("button", string=lambda s: s and s.startswith("Undo my report"))
    form = undo.find_parent("form")
    response = client.post(form["action"], data={"csrf_token": form.find("input")["value"]}, follow_redirects=True)
    assert "Undone" in response.get_data(as_text=True)
    assert pages.get(f"/people/{patient.id}/today").find("button", string="I applied it")


def test_undo_after_ten_minutes_is_refused(pages, client, patient, clock):
    set_plan(client, patient)
    apply(client, patient)
    action = pages.get(f"/people/{patient.id}/today").find("button", string=lambda s: s and s.startswith("Undo"))
    form = action.find_parent("form")
    clock(LONDON_0810 + dt.timedelta(minutes=11))
    response = client.post(form["action"], data={"csrf_token": form.find("input")["value"]}, follow_redirects=True)
    assert "10 minutes only" in response.get_data(as_text=True)


def test_a_report_in_the_skip_zone_says_skip_it_and_is_kept_as_extra(pages, client, patient, clock):
    set_plan(client, patient)
    clock(dt.datetime(2026, 6, 1, 14, 0, tzinfo=dt.UTC))  # 15:00 BST: the 08:00 dose was missed
    soup = pages.get(f"/people/{patient.id}/today")
    assert "too late for it: skip it" in soup.select_one(".moment-message").text
    assert not soup.find("button", string="I applied it")
    response = apply(client, patient)
    assert "do not apply extra" in response.get_data(as_text=True)


def test_applied_earlier_today_is_judged_at_the_reported_time(client, patient, clock):
    set_plan(client, patient)
    clock(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC))  # 13:00 BST
    response = apply(client, patient, when="today", at_time="07:30")
    assert "recorded as applied at 07:30" in text(response)


def test_a_report_more_than_a_day_back_or_in_the_future_is_refused(client, patient, clock):
    set_plan(client, patient)
    assert "in the future" in apply(client, patient, when="today", at_time="23:00").get_data(as_text=True)


def test_skipping_needs_a_reason_and_then_records_the_skip(pages, client, patient):
    set_plan(client, patient)
    soup = pages.get(f"/people/{patient.id}/today")
    form = soup.find("button", string="Skip this dose").find_parent("form")
    empty = client.post(
        form["action"], data={"csrf_token": csrf_from(client, f"/people/{patient.id}/today"), "reason": ""}
    )
    assert empty.status_code == 400
    done = client.post(form["action"], data={"csrf_token": csrf_from(client, f"/people/{patient.id}/today"),
                                             "reason": "skin irritated"}, follow_redirects=True)  # fmt: skip
    assert "Dose skipped" in done.get_data(as_text=True)
    assert "You skipped this dose" in pages.get(f"/people/{patient.id}/today").select_one(".moment-message").text


@pytest.mark.parametrize("times", [("08:00", "11:00"), ("08:00", "14:30"), ("08:00", "15:59"), ("20:00", "03:30")])
def test_plan_form_rejects_doses_less_than_8_hours_apart(pages, client, patient, times):
    response = set_plan(client, patient, times=times)
    assert response.status_code == 400
    assert "at least 8 hours apart" in response.get_data(as_text=True)


def test_plan_form_takes_doses_8_hours_apart(pages, client, patient):
    assert set_plan(client, patient, times=("08:00", "16:00")).status_code == 302


def missed_rows(pages, person):
    soup = pages.get(f"/people/{person.id}/missed-dose")
    return [[text(td).strip() for td in tr.find_all("td")] for tr in soup.select("tbody tr")]


def test_personal_missed_dose_page_shows_own_times_and_cut_offs(pages, client, patient):
    set_plan(client, patient)
    rows = missed_rows(pages, patient)
    assert rows[0][1:] == ["08:00", "14:00"]
    assert rows[1][1:] == ["20:00", "02:00 (2 June 2026)"]  # the evening window closes after midnight


def test_missed_dose_page_is_correct_on_the_day_clocks_go_back(pages, client, patient, clock):
    clock(dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC))  # 00:30 BST on Sunday 25 October
    set_plan(client, patient, times=("01:30", "13:30"), start="2026-10-25")
    rows = missed_rows(pages, patient)
    # 01:30 happens twice that night: the dose is the first one (BST). Its window closes 6 hours
    # before 13:30 GMT, that is at 07:30 GMT.
    assert rows[0][1:] == ["01:30", "07:30"]
    assert rows[1][1:] == ["13:30", "19:30"]


def test_pausing_the_plan_turns_today_into_paused(pages, client, patient):
    set_plan(client, patient)
    url = f"/people/{patient.id}/plan"
    client.post(f"{url}/status", data={"csrf_token": csrf_from(client, url), "status": "paused"})
    assert "Your plan is paused" in pages.get(f"/people/{patient.id}/today").select_one(".moment-message").text


def test_another_accounts_person_is_a_404_everywhere(pages, client, make_account, patient):
    other = make_account(email="other@example.org").people[0]
    for path in ("today", "plan", "missed-dose"):
        pages.get(f"/people/{other.id}/{path}", status=404)
    token = csrf_from(client, f"/people/{patient.id}/today")
    assert client.post(f"/people/{other.id}/applications", data={"csrf_token": token}).status_code == 404


def test_personal_pages_are_never_cached(client, patient):
    assert client.get(f"/people/{patient.id}/today").headers["Cache-Control"] == "no-store"


def test_signed_out_visitors_are_sent_away(app):
    response = app.test_client().get("/people/1/today")
    assert response.status_code in (302, 401)
