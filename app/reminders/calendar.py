"""A calendar feed of a person's dose times, for the calendar app they already use (RFC 5545).

The feed is made afresh on every fetch, so it always shows the current plan: one daily event per
dose time, an alarm at the dose, and the missed-dose rule with this person's own cut-off time.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from babel.dates import format_time
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event, Timezone, vDuration

from app.dosing.schedule import make_slots
from app.models import Person, Plan
from app.models.plans import ACTIVE
from app.patients.plans import parse_times

PRODID = "-//Thinlayer//Dose reminders//EN"
DOSE_LASTS = dt.timedelta(minutes=15)
# Subscribed calendars refresh on the client's schedule; ask for a few hours, so pausing a plan
# stops the reminders the same day.
REFRESH = dt.timedelta(hours=6)
# The VTIMEZONE spells out this many years of the zone's changes; nearly every client knows the
# IANA name anyway, and the feed is remade on each fetch.
ZONE_SPAN = dt.timedelta(days=10 * 366)


def calendar_feed(person: Person, plan: Plan | None, locale: str, today_url: str, now: dt.datetime) -> bytes:
    """The person's dose calendar as iCalendar bytes, in `locale`; no events unless the plan is active."""
    tz = ZoneInfo(person.timezone)
    today = now.astimezone(tz).date()
    first_day = max(plan.start_date, today) if plan else today
    with force_locale(locale):
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", _("Doses for %(name)s – Thinlayer", name=person.name))
        cal.add("x-wr-timezone", person.timezone)
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(REFRESH))
        # Added even without events: a VCALENDAR needs at least one component (RFC 5545 §3.6).
        zone_from = first_day - dt.timedelta(days=1)
        cal.add_component(
            Timezone.from_tzinfo(tz, person.timezone, first_date=zone_from, last_date=first_day + ZONE_SPAN)
        )
        # A paused or stopped plan (or none) must not remind anyone, so it gives no events at all.
        if plan is not None and plan.status == ACTIVE:
            for event in dose_events(person, plan, locale, tz, first_day, today_url, now):
                cal.add_component(event)
    return cal.to_ical()


def dose_events(
    person: Person, plan: Plan, locale: str, tz: ZoneInfo, first_day: dt.date, today_url: str, now: dt.datetime
) -> Iterator[Event]:
    """One daily event per dose time, at local wall-clock time (TZID), so it stays put across DST.

    No UNTIL: the review date is a prompt to see the prescriber, not the end of the plan (the app
    keeps making slots after it), and a paused or stopped plan drops out of the next fetch.
    """
    cutoffs = usual_cutoffs(plan, tz, first_day)
    for at in parse_times(plan):
        start = dt.datetime.combine(first_day, at, tzinfo=tz)
        summary = _("Apply your %(medicine)s cream (%(time)s)", medicine=plan.medicine, time=clock(at, locale))
        event = Event()
        event.add("uid", f"dose-{person.id}-{at:%H%M}@thinlayer")
        event.add("dtstamp", now)
        event.add("dtstart", start)
        event.add("dtend", start + DOSE_LASTS)
        event.add("rrule", {"freq": "daily"})
        event.add("summary", summary)
        event.add("description", f"{missed_rule(*cutoffs[at], locale)}\n\n{today_url}")
        event.add("url", today_url)
        event.add("transp", "TRANSPARENT")  # a reminder, not busy time
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", dt.timedelta(0))  # at the dose time
        alarm.add("description", summary)
        event.add_component(alarm)
        yield event


def usual_cutoffs(plan: Plan, tz: ZoneInfo, first_day: dt.date) -> dict[dt.time, tuple[dt.time, bool]]:
    """Each dose time's usual local cut-off, and whether it falls on the next day.

    Taken from a week of slots, most common answer first: a DST night can move one cut-off by an
    hour, and a recurring event can only say one time.
    """
    last_day = first_day + dt.timedelta(days=6)
    slots = make_slots(parse_times(plan), tz, first_day, last_day, plan.early_minutes, plan.cutoff_minutes)
    seen: dict[dt.time, Counter] = {}
    for slot in slots:
        closes = slot.closes.astimezone(tz)
        seen.setdefault(slot.local_time, Counter())[closes.time(), closes.date() > slot.local_date] += 1
    return {at: counter.most_common(1)[0][0] for at, counter in seen.items()}


def missed_rule(cutoff: dt.time, next_day: bool, locale: str) -> str:
    """The missed-dose rule for one dose, in words, with its cut-off clock time."""
    until = clock(cutoff, locale)
    if next_day:
        catch_up = _("If you miss this dose, you can still apply it until %(cutoff)s the next day.", cutoff=until)
    else:
        catch_up = _("If you miss this dose, you can still apply it until %(cutoff)s.", cutoff=until)
    rest = _("After that, skip it: apply the next dose at its usual time and never apply extra to make up.")
    return f"{catch_up} {rest}"


def clock(at: dt.time, locale: str) -> str:
    """A local wall-clock time as the app's pages write it: "8:00 AM" in English, "08:00" in French."""
    return format_time(at, "short", locale=locale)
