"""A smaller sibling of tests/patients/test_rule_machine.py that drives the app only as a patient's browser
and script would: the Today page's forms (with the CSRF tokens the pages carry), the plan, status and person
forms, and the JSON API under /api/v1/, on a simulated clock (the views' `utcnow`, as in test_rule_cases.py).

From a start near a 2026 clock change it taps "I applied it", reports doses back-dated (choosing which
occurrence of a repeated fall-back time), taps through the API with an instant and its offset, skips, undoes,
changes time zone and plan, pauses and resumes, and moves the clock by minutes, days and onto window edges.
After every step:

1. Today shows "I applied it" exactly when the API's today says a dose now would count, and then a dry
   judgement at now (ledger.read(...).judge(now), as the tap judges it) counts it for the slot Today names;
   a dose that would count is invited (a skipped dose applied after all aside), and a tap counts exactly
   when Today invited it;
2. on what is stored: no two counted applications closer than the smaller min_gap of their slots, and no
   two slots of the person for the same dose (local_date, dose_index);
3. every page answers below 500, and Today and the API say the same: the sentence, the next dose time, when
   a dose can next count, and today's slots with their states.
"""

import datetime as dt
import itertools
import re
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup, SoupStrainer
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from app.dosing import windows
from app.extensions import db
from app.models import Application, DoseSlot, Person
from app.patients import ledger
from tests.conftest import check_page
from tests.databases import empty_schema

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
APPLY = "I applied it"
# The views' clocks, as test_rule_cases.py sets them.
VIEWS = ("app.web.patient.routes", "app.web.api.routes", "app.web.auth.routes", "app.web.reminders.routes",
         "app.web.clinician.routes")  # fmt: skip
ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"]
# Days just before a clock change somewhere: the US (8 Mar), Europe (29 Mar, 25 Oct), Lord Howe and
# Chatham (5 Apr), the US again (1 Nov).
DAYS = [dt.date(2026, m, d) for m, d in [(3, 7), (3, 28), (4, 4), (10, 24), (10, 31)]]
# Local times in or next to a clock change's gap or repeated hour, and any quarter hour.
dose_times = st.sampled_from([dt.time(1), dt.time(1, 30), dt.time(2), dt.time(2, 15), dt.time(2, 30), dt.time(3)]) | (
    st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
)


def _plan_times(first: dt.time, spacing: int | None) -> list[dt.time]:
    if spacing is None:
        return [first]
    minutes = (first.hour * 60 + first.minute + spacing) % (24 * 60)
    return sorted([first, dt.time(minutes // 60, minutes % 60)])


# What the patient's form takes: once a day, or twice with both intervals at least 8 hours.
plan_times = st.builds(_plan_times, dose_times, st.none() | st.integers(32, 64).map(lambda q: q * 15))
durations = st.sampled_from([1, 59, 60, 61, 119, 120, 121, 360, 480, 720, 1439, 1440]) | st.integers(1, 24 * 60)
offsets = st.sampled_from([-1, 0, 1])  # minutes either side of an instant
edges = st.sampled_from(["opens_at", "scheduled_at", "closes_at"])
NEXT_DOSE = re.compile(r"next dose (?:is at|at its usual time,) (\d{1,2}:\d{2} [AP]M|—)\.")
NEXT_ONE_FROM = re.compile(r"You can apply (?:the next one|it) from (\d{1,2}:\d{2} [AP]M)\.")


def plain(value: str) -> str:
    """Babel's narrow and ordinary no-break spaces made plain (English times, "08:00", have none)."""
    return value.replace("\u202f", " ").replace("\xa0", " ")


def label(instant: str | dt.datetime, zone: str) -> str:
    """An instant (or the API's ISO text for one) as the English pages show it in `zone`: "20:00"."""
    if isinstance(instant, str):
        instant = dt.datetime.fromisoformat(instant)
    return instant.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def next_clock_change(after: dt.datetime, zone: str, within=dt.timedelta(days=40)) -> dt.datetime | None:
    """The first instant after `after` at which the clocks in `zone` go forward or back, if one comes soon."""
    tz, hour = ZoneInfo(zone), dt.timedelta(hours=1)
    start = after.replace(second=0, microsecond=0)
    for hours in range(1, int(within / hour) + 1):
        at = start + hours * hour
        if at.astimezone(tz).utcoffset() != (at - hour).astimezone(tz).utcoffset():
            return next(t for m in range(61) if (t := at - hour + m * MINUTE).astimezone(tz).utcoffset()
                        == at.astimezone(tz).utcoffset())  # fmt: skip
    return None


def hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def counts_said(flash: str) -> bool:
    """Whether the sentence after a report says it counts (verdict_message's counted and late)."""
    return flash.startswith(("Done:", "Recorded:"))


class HttpDoseMachine(RuleBasedStateMachine):
    # Set by the test: the app, its test client, conftest's make_account and sign_in, and the views' clock.
    app = client = make_account = sign_in = clock = None

    def __init__(self):
        super().__init__()
        empty_schema(self.app)  # a fresh database for every example
        with self.client.session_transaction() as session:
            session.clear()
        self.person_id = None
        self.zone = None
        self.api_application = None  # the id of the last application reported through the API
        # Today and the API's today as the last invariant saw them, and Today as the last form's redirect
        # showed it: nothing changes between a look and the next step, so a step starts from what was seen.
        self.seen: tuple[BeautifulSoup, dict] | None = None
        self.shown: BeautifulSoup | None = None

    # --- the clock and HTTP ----------------------------------------------------------------------

    @property
    def now(self) -> dt.datetime:
        return self.clock["now"]

    @now.setter
    def now(self, instant: dt.datetime) -> None:
        self.clock["now"] = instant

    def request(self, method: str, url: str, expect: tuple[int, ...] | None = None, **kwargs):
        response = self.client.open(url, method=method, **kwargs)
        assert response.status_code < 500, f"{method} {url} at {self.now}: {response.status_code}"
        if expect is not None:
            assert response.status_code in expect, f"{method} {url}: {response.status_code} {response.get_data()}"
        return response

    def page(self, url: str) -> BeautifulSoup:
        response = self.request("GET", url, expect=(200,))
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        check_page(soup, url)
        return soup

    @property
    def today_url(self) -> str:
        return f"/people/{self.person_id}/today"

    def today_page(self) -> BeautifulSoup:
        return self.page(self.today_url)

    def look(self) -> tuple[BeautifulSoup, dict]:
        """Today and the API's today now: as the invariant just fetched them, or fetched afresh."""
        seen, self.seen = self.seen, None
        return seen or (self.today_page(), self.api_today())

    def api_today(self) -> dict:
        return self.request("GET", f"/api/v1/people/{self.person_id}/today", expect=(200,)).get_json()

    def api_headers(self) -> dict:
        token = self.request("GET", "/api/v1/csrf-token", expect=(200,)).get_json()["csrf_token"]
        return {"X-CSRFToken": token}

    @staticmethod
    def csrf(soup: BeautifulSoup) -> str:
        return soup.find("input", attrs={"name": "csrf_token"})["value"]

    def form_token(self, url: str) -> str:
        """The CSRF token of the form on the page at url, read from that page alone (the person form's
        list of zones is long to parse whole)."""
        html = self.request("GET", url, expect=(200,)).get_data(as_text=True)
        return self.csrf(BeautifulSoup(html, "html.parser", parse_only=SoupStrainer("input")))

    def flash_after(self, response) -> str:
        """Follow a form's redirect to Today and read the sentence it shows."""
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.location.endswith(self.today_url), response.location
        self.shown = self.page(response.location)
        return " ".join(plain(p.get_text(" ", strip=True)) for p in self.shown.select(".flashes .flash"))

    # --- what is stored, read in an app context of the test's own --------------------------------

    def applications(self) -> list[Application]:
        with self.app.app_context():
            query = select(Application).where(Application.person_id == self.person_id)
            found = list(db.session.scalars(query.order_by(Application.id)))
            db.session.expunge_all()
            return found

    def newest_application(self) -> Application | None:
        with self.app.app_context():
            query = select(Application).where(Application.person_id == self.person_id)
            found = db.session.scalar(query.order_by(Application.id.desc()).limit(1))
            db.session.expunge_all()
            return found

    def dry_judgement(self) -> windows.Judgement:
        """What a tap now would be judged, as doses._judge_and_store judges it, storing nothing."""
        with self.app.app_context():
            person = db.session.get(Person, self.person_id)
            return ledger.read(person, self.now - ledger.CONTEXT, self.now + ledger.CONTEXT).judge(self.now)

    def repeated(self, at: dt.datetime) -> bool:
        """Whether the person's clock showed the same time twice, at `at` and an hour (or half) apart."""
        local = at.astimezone(ZoneInfo(self.zone))
        return local.replace(fold=1 - local.fold).astimezone(UTC) != at

    def check_tap(self, before: dict, application: Application, at: dt.datetime) -> None:
        """A report made at `now` for `now` counts exactly when Today invited it, and for the slot it named."""
        assert application is not None and application.applied_at == at
        if at != self.now:
            return
        current = (before["current_slot"] or {}).get("id")
        if before["invites"]:
            assert application.counts_for_slot_id == current, (
                f"Today invited a dose for slot {current} at {self.now}; the tap was judged {application.verdict}"
            )
        elif application.counts_for_slot_id is not None:
            # A skipped dose still counts when applied after all (windows.recorded_state).
            assert before["moment"] == "skipped" and application.counts_for_slot_id == current, (
                f"a tap at {self.now} counted for slot {application.counts_for_slot_id}; Today said {before['moment']}"
            )

    # --- setup -----------------------------------------------------------------------------------

    @initialize(zone=st.sampled_from(ZONES), day=st.sampled_from(DAYS), hour=st.integers(0, 23), times=plan_times)
    def start(self, zone, day, hour, times):
        """A signed-in patient in `zone` who makes their plan with the plan form."""
        self.now = dt.datetime.combine(day, dt.time(hour), ZoneInfo(zone)).astimezone(UTC)
        account = self.make_account(people=(("Me", zone),))
        self.sign_in(account)
        self.person_id, self.zone = account.people[0].id, zone
        self.post_plan(times)

    def post_plan(self, times: list[dt.time]) -> None:
        url = f"/people/{self.person_id}/plan"
        data = {"csrf_token": self.form_token(url), "medicine": "pimecrolimus", "body_areas": ["face"],
                "doses": str(len(times)), "first_time": hhmm(times[0]),
                "second_time": hhmm(times[1]) if len(times) > 1 else "",
                "start_date": self.now.astimezone(ZoneInfo(self.zone)).date().isoformat()}  # fmt: skip
        self.request("POST", url, data=data, expect=(302,))

    # --- the clock -------------------------------------------------------------------------------

    @rule(minutes=durations)
    def advance(self, minutes):
        self.now += minutes * MINUTE

    @rule(edge=edges, nth=st.integers(0, 2), offset=offsets)
    def advance_to_a_window_edge(self, edge, nth, offset):
        """To a minute either side of, or onto, an opening, a dose time or a close ahead."""
        with self.app.app_context():
            slots = db.session.scalars(select(DoseSlot).where(DoseSlot.person_id == self.person_id))
            ahead = sorted(t for s in slots if (t := getattr(s, edge) + offset * MINUTE) > self.now)
        if ahead:
            self.now = ahead[min(nth, len(ahead) - 1)]

    @rule(offset=offsets)
    def advance_to_the_next_chance(self, offset):
        """To a minute either side of, or onto, the instant the API says a dose can next count."""
        opens_from = self.look()[1]["opens_from"]
        if opens_from is not None and (then := dt.datetime.fromisoformat(opens_from) + offset * MINUTE) > self.now:
            self.now = then

    @rule(minutes=st.sampled_from([0, 1, 30, 59, 60, 61, 90, 120, 600, 1439]))
    def advance_past_a_clock_change(self, minutes):
        """To just after the person's clocks next go forward or back (within 40 days)."""
        change = next_clock_change(self.now, self.zone)
        if change is not None:
            self.now = change + minutes * MINUTE

    # --- the patient's reports -------------------------------------------------------------------

    @rule()
    def tap_i_applied_it(self):
        """Today's "I applied it" (or, when Today does not show it, the same form from a page left open)."""
        soup, before = self.look()
        response = self.request("POST", f"/people/{self.person_id}/applications",
                                data={"csrf_token": self.csrf(soup), "when": "now"})  # fmt: skip
        flash = self.flash_after(response)
        application = self.newest_application()
        assert counts_said(flash) == (application.counts_for_slot_id is not None), (flash, application.verdict)
        self.check_tap(before, application, self.now)

    @rule(
        minutes_back=st.sampled_from([1, 60, 61, 120, 600, 1439]) | st.integers(1, 24 * 60) | st.none(),
        nth=st.integers(0, 119),
        pick=st.booleans(),
    )
    def report_i_applied_it_earlier(self, minutes_back, nth, pick):
        """The "I applied it earlier" form: a local time today or yesterday (None: the nth minute of a repeated
        hour in the last 24, if the clocks went back). In a repeated hour the form asks which of the two times
        it was, and the patient answers (or, when `pick` is false, leaves it)."""
        if minutes_back is None:
            repeated = [m for m in range(1, 24 * 60 + 1) if self.repeated(self.now - m * MINUTE)]
            if not repeated:
                return
            minutes_back = repeated[nth % len(repeated)]
        at = self.now - minutes_back * MINUTE
        local = at.astimezone(ZoneInfo(self.zone))
        days_back = (self.now.astimezone(ZoneInfo(self.zone)).date() - local.date()).days
        if days_back > 1:
            return  # 24 hours back across a spring-forward night can be two dates back: the form cannot say it
        soup, _ = self.look()
        data = {"csrf_token": self.csrf(soup), "when": ["today", "yesterday"][days_back], "at_time": hhmm(local)}
        before = len(self.applications())
        response = self.request("POST", f"/people/{self.person_id}/applications", data=data)
        if response.status_code == 400:
            asked = BeautifulSoup(response.get_data(as_text=True), "html.parser")
            check_page(asked, self.today_url)
            assert asked.find("input", attrs={"name": "occurrence"}), "a report refused without a choice to make"
            assert len(self.applications()) == before, "a report the form refused was stored"
            if not pick:
                return
            data["occurrence"] = ["first", "second"][local.fold]
            response = self.request("POST", f"/people/{self.person_id}/applications", data=data)
        flash = self.flash_after(response)
        application = self.newest_application()
        assert application is not None and application.applied_at == at, (at, flash)
        assert counts_said(flash) == (application.counts_for_slot_id is not None), (flash, application.verdict)

    @rule(minutes_back=st.sampled_from([0, 0, 0, 1, 30, 90]))
    def tap_through_the_api(self, minutes_back):
        """POST /applications with the instant and the person's UTC offset, as a script sends it."""
        _, before = self.look()
        at = self.now - minutes_back * MINUTE
        body = {"applied_at": at.astimezone(ZoneInfo(self.zone)).isoformat()}
        response = self.request("POST", f"/api/v1/people/{self.person_id}/applications", json=body,
                                headers=self.api_headers(), expect=(201,))  # fmt: skip
        answer = response.get_json()
        self.api_application = answer["application"]["id"]
        application = self.newest_application()
        assert application.id == self.api_application
        assert answer["application"]["counts"] == (application.counts_for_slot_id is not None)
        assert answer["verdict"] == application.verdict
        assert counts_said(plain(answer["message"])) == answer["application"]["counts"], answer["message"]
        self.check_tap(before, application, at)

    @rule()
    def skip_with_the_form(self):
        """Today's "Skip this dose" form, shown while a window is open."""
        soup, _ = self.look()
        form = next((f for f in soup.find_all("form") if f["action"].endswith("/skip")), None)
        if form is not None:
            data = {"csrf_token": self.csrf(soup), "reason": "skin sore"}
            self.flash_after(self.request("POST", form["action"], data=data))

    @rule(through_the_api=st.booleans())
    def undo_the_last_tap(self, through_the_api):
        """Today's undo button (shown for 10 minutes), or DELETE on the last report made through the API."""
        if through_the_api:
            if self.api_application is not None:
                url = f"/api/v1/people/{self.person_id}/applications/{self.api_application}"
                self.request("DELETE", url, headers=self.api_headers())
            return
        soup, _ = self.look()
        form = next((f for f in soup.find_all("form") if f["action"].endswith("/undo")), None)
        if form is not None:
            self.flash_after(self.request("POST", form["action"], data={"csrf_token": self.csrf(soup)}))

    # --- zone, plan and status -------------------------------------------------------------------

    @rule(zone=st.sampled_from(ZONES))
    def change_time_zone(self, zone):
        url = f"/account/people/{self.person_id}/edit"
        data = {"csrf_token": self.form_token(url), "name": "Me", "timezone": zone, "detected_timezone": ""}
        self.request("POST", url, data=data, expect=(302,))
        self.zone = zone

    @rule(times=plan_times)
    def change_the_plan(self, times):
        self.post_plan(times)

    @rule(status=st.sampled_from(["paused", "active"]))
    def pause_or_resume(self, status):
        data = {"csrf_token": self.form_token(f"/people/{self.person_id}/plan"), "status": status}
        self.request("POST", f"/people/{self.person_id}/plan/status", data=data, expect=(302,))

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def today_invites_exactly_what_would_count_and_says_what_the_api_says(self):
        soup, self.shown = self.shown or self.today_page(), None
        api = self.api_today()
        self.seen = soup, api
        zone = api["person"]["timezone"]
        assert zone == self.zone
        invites = soup.find("button", string=APPLY) is not None
        assert invites == api["invites"], f"Today shows the button: {invites}; the API says invites: {api['invites']}"

        judgement = self.dry_judgement()
        counts_for = judgement.slot.id if judgement.verdict.counts else None
        current = (api["current_slot"] or {}).get("id")
        if invites:
            assert counts_for == current, f"Today invites a dose for slot {current} at {self.now}: {judgement}"
        if counts_for is not None:
            skipped = api["moment"] == "skipped" and current == counts_for
            assert invites or skipped, f"a tap at {self.now} would count for slot {counts_for}; Today: {api['moment']}"

        message = plain(soup.select_one(".moment-message").get_text(" ", strip=True))
        assert message == plain(api["message"])
        if said := NEXT_DOSE.search(message):
            expected = label(api["next_slot"]["scheduled_at"], zone) if api["next_slot"] else "—"
            assert said[1] == expected, f"Today says the next dose is at {said[1]}; the API, {expected}"
        if said := NEXT_ONE_FROM.search(message):
            usual = api["current_slot"] if api["moment"] == "spaced" else api["next_slot"]
            expected = label(api["opens_from"] or usual["opens_at"], zone)
            assert said[1] == expected, f"Today says a dose can count from {said[1]}; the API, {expected}"
        shown = [
            (plain(li.select_one(".slot-time").get_text(strip=True)), li["class"][1].removeprefix("slot-"))
            for li in soup.select(".slot-list li.slot")
        ]
        assert shown == [(label(s["scheduled_at"], zone), s["state"]) for s in api["slots"]]

    @invariant()
    def stored_doses_keep_their_spacing_and_identity(self):
        with self.app.app_context():
            slots = {s.id: s for s in db.session.scalars(select(DoseSlot).where(DoseSlot.person_id == self.person_id))}
            query = select(Application).where(
                Application.person_id == self.person_id,
                Application.counts_for_slot_id.is_not(None),
                Application.voided_at.is_(None),
            )
            counted = [(a.applied_at, slots[a.counts_for_slot_id]) for a in db.session.scalars(query)]
            close = [
                sorted([a.isoformat(), b.isoformat()])
                for (a, sa), (b, sb) in itertools.combinations(counted, 2)
                if abs(b - a) < min(sa.min_gap, sb.min_gap)
            ]
            assert not close, f"counted doses closer than the smaller min_gap of their slots: {close}"
            doses = [(s.local_date, s.dose_index) for s in slots.values()]
            twice = sorted({d for d in doses if doses.count(d) > 1})
            assert not twice, f"two slots for the same dose: {twice}"


SETTINGS = settings(max_examples=25, stateful_step_count=25, deadline=None, database=None)


def test_what_the_patient_sees_over_http_keeps_the_rule_whatever_happens_over_time(
    app, client, make_account, sign_in, monkeypatch
):
    clock = {"now": dt.datetime(2026, 3, 7, tzinfo=UTC)}
    for module in VIEWS:
        monkeypatch.setattr(f"{module}.utcnow", lambda: clock["now"])
    HttpDoseMachine.app, HttpDoseMachine.client, HttpDoseMachine.clock = app, client, clock
    HttpDoseMachine.make_account, HttpDoseMachine.sign_in = staticmethod(make_account), staticmethod(sign_in)
    run_state_machine_as_test(HttpDoseMachine, settings=SETTINGS)
