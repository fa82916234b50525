"""The dose calendar feed: what a calendar app subscribed to it shows and when it rings.

The feed's strings are not in the es/fr catalogs yet, so only English wording is checked; the
other locales are checked for their clock times.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from app.dosing.schedule import make_slots
from app.extensions import db
from app.models import Person
from app.models.plans import PAUSED, STOPPED
from app.patients.plans import PlanInput, create_plan, current_plan, set_status
from app.reminders.calendar import calendar_feed

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
TODAY_URL = "https://thinlayer.example/en/people/1/today"


def plain(text: str) -> str:
    """Babel's narrow no-break space ("8:00 AM") made a plain space."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def feed(app, make_account):
    """Factory: a new person with a plan made at `now`, and their feed parsed back."""

    def make(timezone="Europe/London", times=("08:00", "20:00"), now=NOW, locale="en", start=None, status=None, **rule):
        account = make_account(people=(("Sam", timezone),))
        with app.app_context():
            person = db.session.get(Person, account.people[0].id)
            start = start or now.date() - dt.timedelta(days=7)
            plan = create_plan(
                person, PlanInput("pimecrolimus", "1%", [dt.time.fromisoformat(t) for t in times], start, **rule), now
            )
            if status:
                set_status(person, status, now)
            ical = calendar_feed(person, plan, locale, TODAY_URL, now)
        calendar = Calendar.from_ical(ical)
        calendar.validate()
        calendar.person_id = account.people[0].id
        return calendar

    return make


def events(calendar: Calendar) -> dict[str, object]:
    """The dose events by their local start time, "08:00"."""
    return {event.start.strftime("%H:%M"): event for event in calendar.events}


def description(event) -> str:
    return plain(str(event["DESCRIPTION"]))


def test_each_dose_time_is_one_daily_event_at_that_local_time_in_the_persons_zone(feed):
    calendar = feed()
    assert sorted(events(calendar)) == ["08:00", "20:00"]
    for at, event in events(calendar).items():
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert event.start.tzinfo.key == "Europe/London"
        assert event.start.date() == dt.date(2026, 6, 1)  # today: the plan started a week ago
        assert event.end - event.start == dt.timedelta(minutes=15)
        assert event["RRULE"] == {"FREQ": ["DAILY"]}  # no UNTIL: the plan goes on past its review date
        assert str(event["UID"]) == f"dose-{calendar.person_id}-{at.replace(':', '')}@thinlayer"
        assert str(event["URL"]) == TODAY_URL
        assert TODAY_URL in str(event["DESCRIPTION"])
        assert event.DTSTAMP == NOW
    assert plain(str(events(calendar)["08:00"]["SUMMARY"])) == "Apply your pimecrolimus cream (8:00 AM)"
    assert plain(str(events(calendar)["20:00"]["SUMMARY"])) == "Apply your pimecrolimus cream (8:00 PM)"


def test_the_calendar_names_itself_and_carries_the_persons_time_zone(feed):
    calendar = feed(timezone="America/New_York")
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "Thinlayer" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "Doses for Sam – Thinlayer"
    assert [tz.tz_name for tz in calendar.timezones] == ["America/New_York"]
    assert calendar.get_missing_tzids() == set()


def test_a_plan_starting_later_starts_the_events_on_its_start_date(feed):
    calendar = feed(start=dt.date(2026, 6, 10))
    assert {event.start.date() for event in calendar.events} == {dt.date(2026, 6, 10)}


@pytest.mark.parametrize(
    ("timezone", "now", "change", "before", "after"),
    [
        # The clocks go back: 08:00 is 07:00 UTC in summer time, 08:00 UTC after.
        ("Europe/London", dt.datetime(2026, 10, 20, 12, tzinfo=UTC), dt.date(2026, 10, 25), 7, 8),
        # The clocks go forward: 08:00 is 13:00 UTC in winter, 12:00 UTC after.
        ("America/New_York", dt.datetime(2027, 3, 9, 12, tzinfo=UTC), dt.date(2027, 3, 14), 13, 12),
        ("America/New_York", dt.datetime(2026, 10, 28, 12, tzinfo=UTC), dt.date(2026, 11, 1), 12, 13),
        ("Europe/London", dt.datetime(2027, 3, 24, 12, tzinfo=UTC), dt.date(2027, 3, 28), 8, 7),
    ],
)
def test_the_morning_dose_stays_at_eight_local_across_a_clock_change(feed, timezone, now, change, before, after):
    calendar = feed(timezone=timezone, now=now)
    morning = events(calendar)["08:00"]
    days = rrulestr(morning["RRULE"].to_ical().decode(), dtstart=morning.start)
    occurrences = days.between(morning.start, morning.start + dt.timedelta(days=10), inc=True)
    assert {o.strftime("%H:%M") for o in occurrences} == {"08:00"}
    # Read through the feed's own VTIMEZONE, as a calendar app without the IANA rules would.
    feed_zone = calendar.timezones[0].to_tz(lookup_tzid=False)
    instants = {o.date(): o.replace(tzinfo=feed_zone).astimezone(UTC) for o in occurrences}
    assert instants[change - dt.timedelta(days=1)] == dt.datetime.combine(
        change - dt.timedelta(days=1), dt.time(before), UTC
    )
    assert instants[change] == dt.datetime.combine(change, dt.time(after), UTC)
    # Every occurrence is exactly one of the app's own dose slots.
    slots = make_slots([dt.time(8), dt.time(20)], ZoneInfo(timezone), min(instants), max(instants), 120, 360)
    assert sorted(instants.values()) == [s.scheduled for s in slots if s.local_time == dt.time(8)]


def test_each_event_rings_once_at_the_dose_time(feed):
    for event in feed().events:
        [alarm] = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert str(alarm["DESCRIPTION"]) == str(event["SUMMARY"])
        assert [a.trigger for a in event.alarms.times] == [event.start]


def test_the_description_gives_each_doses_own_cut_off_clock_time(feed):
    by_time = events(feed())
    assert description(by_time["08:00"]).startswith(
        "If you miss this dose, you can still apply it until 2:00 PM. After that, skip it:"
    )
    # The evening window closes after midnight.
    assert description(by_time["20:00"]).startswith(
        "If you miss this dose, you can still apply it until 2:00 AM the next day."
    )
    for event in by_time.values():
        assert "apply the next dose at its usual time and never apply extra to make up." in description(event)


@pytest.mark.parametrize(("locale", "morning", "evening"), [("fr", "08:00", "20:00"), ("es", "8:00", "20:00")])
def test_the_feed_writes_times_in_the_readers_locale(feed, locale, morning, evening):
    by_time = events(feed(locale=locale))
    assert str(by_time["08:00"]["SUMMARY"]).endswith(f"({morning})")
    assert str(by_time["20:00"]["SUMMARY"]).endswith(f"({evening})")
    assert "14:00" in str(by_time["08:00"]["DESCRIPTION"])
    assert ("02:00" if locale == "fr" else "2:00") in str(by_time["20:00"]["DESCRIPTION"])


def test_a_once_a_day_plan_gives_one_event_whose_window_closes_the_same_evening(feed):
    by_time = events(feed(times=("08:00",)))
    assert list(by_time) == ["08:00"]
    assert "until 8:00 PM. After that" in description(by_time["08:00"])  # default cut-off: 12 hours before the next


def test_the_cut_off_follows_the_plans_own_rule(feed):
    by_time = events(feed(times=("09:00", "21:00"), early_minutes=60, cutoff_minutes=180))
    assert "until 6:00 PM." in description(by_time["09:00"])
    assert "until 6:00 AM the next day." in description(by_time["21:00"])


def test_a_feed_made_on_a_clock_change_day_still_gives_the_usual_cut_off(feed):
    # 20:00 and 06:00 with a 5-hour cut-off: 01:00 on most nights, but midnight on the night the
    # clocks go forward. The recurring event says what holds every other night.
    now = dt.datetime(2027, 3, 27, 12, tzinfo=UTC)
    by_time = events(feed(times=("06:00", "20:00"), now=now, cutoff_minutes=300))
    assert "until 1:00 AM the next day." in description(by_time["20:00"])
    assert "until 3:00 PM." in description(by_time["06:00"])


@pytest.mark.parametrize("status", [PAUSED, STOPPED])
def test_a_paused_or_stopped_plan_gives_a_valid_calendar_with_no_doses(feed, status):
    calendar = feed(status=status)
    assert calendar.events == []
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    assert str(calendar["X-WR-CALNAME"]) == "Doses for Sam – Thinlayer"


def test_no_plan_gives_a_valid_calendar_with_no_doses(app, make_account):
    account = make_account()
    with app.app_context():
        person = db.session.get(Person, account.people[0].id)
        calendar = Calendar.from_ical(calendar_feed(person, current_plan(person), "en", TODAY_URL, NOW))
    calendar.validate()
    assert calendar.events == []
