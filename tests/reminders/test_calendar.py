"""The dose calendar feed: what a calendar app subscribed to it shows and when it rings.

Every event is one stored dose slot that can still be applied; only English wording is checked,
the other locales for their clock times.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from app.extensions import db
from app.models import Person
from app.models.plans import PAUSED, STOPPED
from app.patients import doses
from app.patients.ledger import slots_between
from app.patients.plans import PlanInput, create_plan, current_plan, set_status
from app.reminders.calendar import calendar_feed, wall_clock

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # 10:00 in London: the 08:00 dose's window is open
TODAY_URL = "https://thinlayer.example/en/people/1/today"


def plain(text: str) -> str:
    """Babel's narrow and ordinary no-break spaces made plain spaces (English times, "08:00", have none)."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def sam(app, make_account):
    """Factory: a new person with a plan made at `now`; returns their id."""

    def make(timezone="Europe/London", times=("08:00", "20:00"), now=NOW, start=None, status=None, **rule):
        account = make_account(people=(("Sam", timezone),))
        with app.app_context():
            person = db.session.get(Person, account.people[0].id)
            start = start or now.date() - dt.timedelta(days=7)
            create_plan(
                person, PlanInput("pimecrolimus", "1%", [dt.time.fromisoformat(t) for t in times], start, **rule), now
            )
            if status:
                set_status(person, status, now)
        return account.people[0].id

    return make


@pytest.fixture
def fetch(app):
    """Factory: a person's feed at `now`, parsed back and checked against RFC 5545."""

    def get(person_id, now=NOW, locale="en"):
        with app.app_context():
            person = db.session.get(Person, person_id)
            ical = calendar_feed(person, current_plan(person), locale, TODAY_URL, now)
        calendar = Calendar.from_ical(ical)
        calendar.validate()
        return calendar

    return get


@pytest.fixture
def feed(sam, fetch):
    """Factory: a new person's feed at the `now` their plan was made."""

    def make(now=NOW, locale="en", **plan):
        return fetch(sam(now=now, **plan), now, locale)

    return make


@pytest.fixture
def open_slots(app):
    """Factory: a person's stored slots whose windows are still open or to come at `now`, in order."""

    def get(person_id, now):
        with app.app_context():
            person = db.session.get(Person, person_id)
            slots = slots_between(person, now, now + dt.timedelta(days=15))
            db.session.expunge_all()
        return [s for s in slots if s.closes > now and not s.paused]

    return get


def first_events(calendar: Calendar) -> dict[str, object]:
    """The first event at each local start time ("08:00"), in time order."""
    found = {}
    for event in sorted(calendar.events, key=lambda e: e.start):
        found.setdefault(event.start.strftime("%H:%M"), event)
    return found


def description(event) -> str:
    return plain(str(event["DESCRIPTION"]))


def cut_off(closes: dt.datetime, tz: ZoneInfo, slot_date: dt.date) -> str:
    """The cut-off words a slot closing at `closes` should have, written here independently of the app."""
    local = closes.astimezone(tz)
    when = local.strftime("%H:%M")
    return f"until {when} the next day." if local.date() > slot_date else f"until {when}."


def test_each_open_or_coming_stored_slot_is_one_event_at_its_local_time(sam, fetch, open_slots):
    person_id = sam()
    calendar = fetch(person_id)
    slots = open_slots(person_id, NOW)
    assert [event.start.astimezone(UTC) for event in calendar.events] == [s.scheduled for s in slots]
    assert calendar.events[0].start == dt.datetime(2026, 6, 1, 8, tzinfo=ZoneInfo("Europe/London"))  # open now
    assert calendar.events[-1].start.date() == dt.date(2026, 6, 15)  # two weeks ahead, as stored
    for event, slot in zip(calendar.events, slots, strict=True):
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert event.start.tzinfo.key == "Europe/London"
        assert event.start.strftime("%H:%M") == slot.local_time
        assert event.end - event.start == dt.timedelta(minutes=15)
        assert "RRULE" not in event
        assert (
            str(event["UID"])
            == f"dose-{person_id}-{slot.local_date:%Y%m%d}-{slot.local_time.replace(':', '')}@thinlayer"
        )
        assert event["SEQUENCE"] == 0
        assert str(event["URL"]) == TODAY_URL
        assert TODAY_URL in str(event["DESCRIPTION"])
        assert event.DTSTAMP == NOW
    assert len({str(event["UID"]) for event in calendar.events}) == len(slots)
    summaries = {event.start.strftime("%H:%M"): plain(str(event["SUMMARY"])) for event in calendar.events}
    assert summaries == {
        "08:00": "Apply your pimecrolimus cream (08:00)",
        "20:00": "Apply your pimecrolimus cream (20:00)",
    }


def test_a_later_fetch_gives_the_same_dose_the_same_uid(sam, fetch):
    person_id = sam()
    earlier, later = fetch(person_id), fetch(person_id, NOW + dt.timedelta(hours=12))
    uids = {str(e["UID"]): e.start for e in earlier.events}
    for event in later.events:
        if str(event["UID"]) in uids:
            assert uids[str(event["UID"])] == event.start
    assert {str(e["UID"]) for e in later.events} & set(uids)
    assert str(earlier.events[0]["UID"]) not in {str(e["UID"]) for e in later.events}  # its window has closed


def test_the_calendar_names_itself_and_carries_the_persons_time_zone(feed):
    calendar = feed(timezone="America/New_York")
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "Thinlayer" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "Doses for Sam – Thinlayer"
    assert str(calendar["X-WR-TIMEZONE"]) == "America/New_York"
    assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(hours=6)
    assert [tz.tz_name for tz in calendar.timezones] == ["America/New_York"]
    assert calendar.get_missing_tzids() == set()


def test_a_plan_starting_later_starts_the_events_on_its_start_date(feed):
    calendar = feed(start=dt.date(2026, 6, 10))
    assert min(event.start for event in calendar.events) == dt.datetime(
        2026, 6, 10, 8, tzinfo=ZoneInfo("Europe/London")
    )


# Clock changes: the plan is made a few days before; the evening dose of `night` closes after midnight.
CLOCK_CHANGES = [
    # Spring forward at 02:00: the 20:00 dose closes six hours before 08:00 EDT, at 01:00 EST.
    ("America/New_York", dt.datetime(2026, 3, 5, 12, tzinfo=UTC), ("08:00", "20:00"), 360, dt.date(2026, 3, 7),
     "01:00 the next day"),
    # Spring forward at 01:00: five hours before 06:00 BST is midnight, not the usual 01:00.
    ("Europe/London", dt.datetime(2026, 3, 26, 12, tzinfo=UTC), ("06:00", "20:00"), 300, dt.date(2026, 3, 28),
     "00:00 the next day"),
    # A 30-minute shift at 02:00: six hours before 08:00 is 01:30 that night, not 02:00.
    ("Australia/Lord_Howe", dt.datetime(2026, 10, 1, tzinfo=UTC), ("08:00", "20:00"), 360, dt.date(2026, 10, 3),
     "01:30 the next day"),
    # Fall back at 02:00: eight hours before 08:00 EST is 01:00 EDT, not the usual midnight.
    ("America/New_York", dt.datetime(2026, 10, 28, 12, tzinfo=UTC), ("08:00", "20:00"), 480, dt.date(2026, 10, 31),
     "01:00 the next day"),
    ("Europe/London", dt.datetime(2026, 10, 21, 12, tzinfo=UTC), ("08:00", "20:00"), 480, dt.date(2026, 10, 24),
     "01:00 the next day"),
    ("Australia/Lord_Howe", dt.datetime(2026, 4, 2, tzinfo=UTC), ("08:00", "20:00"), 480, dt.date(2026, 4, 4),
     "00:30 the next day"),
]  # fmt: skip


@pytest.mark.parametrize(("timezone", "now", "times", "cutoff", "night", "until"), CLOCK_CHANGES)
def test_on_a_clock_change_night_the_evening_dose_gives_that_nights_own_cut_off(
    feed, timezone, now, times, cutoff, night, until
):
    calendar = feed(timezone=timezone, now=now, times=times, cutoff_minutes=cutoff)
    [evening] = [e for e in calendar.events if e.start.date() == night and e.start.strftime("%H:%M") == "20:00"]
    assert description(evening).startswith(f"If you miss this dose, you can still apply it until {until}.")
    usual = [e for e in calendar.events if e.start.date() == night - dt.timedelta(days=1) and e.start.hour == 20]
    assert f"until {until}." not in description(usual[0])  # the night before had another cut-off


@pytest.mark.parametrize(
    ("timezone", "now", "times", "cutoff"),
    [case[:4] for case in CLOCK_CHANGES]
    + [
        # A dose in the repeated hour is its first occurrence; one in the skipped hour comes an hour later.
        ("America/New_York", dt.datetime(2026, 10, 29, 12, tzinfo=UTC), ("01:30", "13:30"), 360),
        ("America/New_York", dt.datetime(2026, 3, 5, 12, tzinfo=UTC), ("02:30", "14:30"), 360),
        ("Australia/Lord_Howe", dt.datetime(2026, 10, 1, tzinfo=UTC), ("02:15", "14:15"), 360),
    ],
)
def test_every_event_is_exactly_its_stored_slot_and_gives_that_slots_own_cut_off(
    sam, fetch, open_slots, timezone, now, times, cutoff
):
    person_id = sam(timezone=timezone, now=now, times=times, cutoff_minutes=cutoff)
    calendar, slots = fetch(person_id, now), open_slots(person_id, now)
    tz = ZoneInfo(timezone)
    assert [e.start.astimezone(UTC) for e in calendar.events] == [s.scheduled for s in slots]
    # Read through the feed's own VTIMEZONE too, as a calendar app without the IANA rules would.
    feed_zone = calendar.timezones[0].to_tz(lookup_tzid=False)
    read_back = [e.start.replace(tzinfo=None).replace(tzinfo=feed_zone).astimezone(UTC) for e in calendar.events]
    assert read_back == [s.scheduled for s in slots]
    for event, slot in zip(calendar.events, slots, strict=True):
        assert cut_off(slot.closes, tz, slot.local_date) in description(event)


def test_each_event_rings_once_at_the_dose_time(feed):
    for event in feed().events:
        [alarm] = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert str(alarm["DESCRIPTION"]) == str(event["SUMMARY"])
        assert [a.trigger for a in event.alarms.times] == [event.start]


def test_a_dose_applied_or_skipped_is_no_longer_in_the_feed(app, sam, fetch):
    person_id = sam()
    with app.app_context():
        person = db.session.get(Person, person_id)
        doses.record_application(person, NOW - dt.timedelta(minutes=110), NOW)  # 08:10 in London
        evening = slots_between(person, NOW + dt.timedelta(hours=10), NOW + dt.timedelta(hours=11))[0]
        doses.skip_dose(person, evening.id, "out tonight", NOW)
    calendar = fetch(person_id)
    today = [e for e in calendar.events if e.start.date() == dt.date(2026, 6, 1)]
    assert today == []  # nothing invites the 08:00 dose again, nor the skipped 20:00 one
    tomorrow = first_events(calendar)
    assert tomorrow["08:00"].start.date() == dt.date(2026, 6, 2)
    assert all(event.alarms.times for event in calendar.events)  # what is left still rings


def test_after_a_late_dose_the_next_event_rings_when_a_dose_would_count_not_at_its_usual_time(app, sam, fetch):
    """A clinician's spacing of 12 hours: after a dose at 13:50, the 20:00 dose counts only from 01:50, so its
    event starts then (a dose at 20:00 would be too soon and kept as an extra), and still gives its cut-off."""
    person_id = sam(min_gap_minutes=720)
    london = ZoneInfo("Europe/London")
    late = dt.datetime(2026, 6, 1, 13, 50, tzinfo=london)
    with app.app_context():
        doses.record_application(db.session.get(Person, person_id), late, late)
    calendar = fetch(person_id, late + dt.timedelta(minutes=5))
    evening = min(calendar.events, key=lambda event: event.start)
    assert plain(str(evening["SUMMARY"])) == "Apply your pimecrolimus cream (20:00)"
    assert evening.start == dt.datetime(2026, 6, 2, 1, 50, tzinfo=london)
    assert [a.trigger for a in evening.alarms.times] == [evening.start]
    assert "until 02:00 the next day" in plain(str(evening["DESCRIPTION"]))
    with app.app_context():  # the rule agrees: at 20:00 too soon, at 01:50 counted
        person = db.session.get(Person, person_id)
        at_usual_time = dt.datetime(2026, 6, 1, 20, tzinfo=london)
        assert doses.record_application(person, at_usual_time, at_usual_time)[1].verdict.value == "too_soon"
        assert doses.record_application(person, evening.start, evening.start)[1].verdict.counts


def test_an_undone_application_brings_the_dose_back(app, sam, fetch):
    person_id = sam()
    with app.app_context():
        person = db.session.get(Person, person_id)
        application_id, _ = doses.record_application(person, NOW, NOW)
        doses.undo_application(person, application_id, NOW + dt.timedelta(minutes=1))
    morning = first_events(fetch(person_id, NOW + dt.timedelta(minutes=2)))["08:00"]
    assert morning.start.date() == dt.date(2026, 6, 1)


def test_a_dose_whose_window_has_closed_is_not_in_the_feed(sam, fetch):
    person_id = sam()
    calendar = fetch(person_id, dt.datetime(2026, 6, 1, 13, 30, tzinfo=UTC))  # 14:30: the 08:00 window closed at 14:00
    assert min(e.start for e in calendar.events) == dt.datetime(2026, 6, 1, 20, tzinfo=ZoneInfo("Europe/London"))


def test_the_description_gives_each_doses_own_cut_off_clock_time(feed):
    by_time = first_events(feed())
    assert description(by_time["08:00"]).startswith(
        "If you miss this dose, you can still apply it until 14:00. After that, skip it:"
    )
    # The evening window closes after midnight.
    assert description(by_time["20:00"]).startswith(
        "If you miss this dose, you can still apply it until 02:00 the next day."
    )
    for event in by_time.values():
        assert "apply the next dose at its usual time and never apply extra to make up." in description(event)


@pytest.mark.parametrize(("locale", "morning", "evening"), [("fr", "08:00", "20:00"), ("es", "8:00", "20:00")])
def test_the_feed_writes_times_in_the_readers_locale(feed, locale, morning, evening):
    by_time = first_events(feed(locale=locale))
    assert str(by_time["08:00"]["SUMMARY"]).endswith(f"({morning})")
    assert str(by_time["20:00"]["SUMMARY"]).endswith(f"({evening})")
    assert "14:00" in str(by_time["08:00"]["DESCRIPTION"])
    assert ("02:00" if locale == "fr" else "2:00") in str(by_time["20:00"]["DESCRIPTION"])


def test_a_once_a_day_plan_gives_one_event_a_day_whose_window_closes_the_same_evening(feed):
    calendar = feed(times=("08:00",))
    assert {e.start.strftime("%H:%M") for e in calendar.events} == {"08:00"}
    assert len(calendar.events) == 15  # today's, still open, and the next fourteen days'
    assert "until 20:00. After that" in description(calendar.events[0])  # default: 12 hours before the next


def test_the_cut_off_follows_the_plans_own_rule(feed):
    by_time = first_events(feed(times=("09:00", "21:00"), early_minutes=60, cutoff_minutes=180))
    assert "until 18:00." in description(by_time["09:00"])
    assert "until 06:00 the next day." in description(by_time["21:00"])


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


def test_an_instant_a_local_time_cannot_name_is_written_in_utc():
    tz = ZoneInfo("America/New_York")
    first, second = dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC), dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert wall_clock(first, tz).strftime("%H:%M %Z") == "01:30 EDT"  # RFC 5545 reads 01:30 as the first
    assert wall_clock(second, tz) == second and wall_clock(second, tz).tzinfo is UTC
