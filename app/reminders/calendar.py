"""A calendar feed of a person's dose times, for the calendar app they already use (RFC 5545).

The feed is made afresh on every fetch from the stored dose slots, the rule's own source of truth:
one event per dose still to apply in the next two weeks, at the slot's instant, with an alarm at the
dose and the missed-dose rule with that slot's own cut-off time (DST nights included).
"""

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from babel.dates import format_time
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event, Timezone, vDuration

from app.dosing.windows import SlotState
from app.formatting import format_locale, one_line
from app.models import Person, Plan
from app.models.plans import ACTIVE
from app.patients import ledger
from app.patients.ledger import SlotTimes

PRODID = "-//Thinlayer//Dose reminders//EN"
DOSE_LASTS = dt.timedelta(minutes=15)
# The slots read around now: back far enough to catch a window still open, ahead past the horizon.
LOOK_BACK = dt.timedelta(days=1)
LOOK_AHEAD = dt.timedelta(days=15)
# Only a dose that can still be applied invites an application; one already applied or skipped
# drops out of the feed, so the calendar app removes its event (and its alarm) on the next fetch.
INVITING = frozenset({SlotState.UPCOMING, SlotState.OPEN})
# Subscribed calendars refresh on the client's schedule; ask for a few hours, so pausing a plan
# or applying a dose stops the reminders the same day.
REFRESH = dt.timedelta(hours=6)
# The VTIMEZONE spells out a year of the zone's changes, more than the events span; nearly every
# client knows the IANA name anyway, and the feed is remade on each fetch.
ZONE_SPAN = dt.timedelta(days=366)


def calendar_feed(person: Person, plan: Plan | None, locale: str, today_url: str, now: dt.datetime) -> bytes:
    """The person's dose calendar as iCalendar bytes, in `locale`; no events unless the plan is active."""
    tz = ZoneInfo(person.timezone)
    zone_from = (now - LOOK_BACK).astimezone(tz).date() - dt.timedelta(days=1)
    with force_locale(locale):
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", _("Doses for %(name)s – Thinlayer", name=one_line(person.name)))
        cal.add("x-wr-timezone", person.timezone)
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(REFRESH))
        # Added even without events: a VCALENDAR needs at least one component (RFC 5545 §3.6).
        cal.add_component(
            Timezone.from_tzinfo(tz, person.timezone, first_date=zone_from, last_date=zone_from + ZONE_SPAN)
        )
        # A paused or stopped plan (or none) must not remind anyone, so it gives no events at all.
        if plan is not None and plan.status == ACTIVE:
            for slot, starts in doses_to_apply(person, now):
                cal.add_component(dose_event(person, plan, slot, starts, locale, tz, today_url, now))
    return cal.to_ical()


def doses_to_apply(person: Person, now: dt.datetime) -> Iterator[tuple[SlotTimes, dt.datetime]]:
    """The stored slots from now to past the horizon that the rule would still count a dose for, each with
    the first instant at which it would (its dose time, or later when a recent dose keeps its window shut
    until then: windows.openings): upcoming or open now, not paused, not already applied or skipped on
    purpose, and not kept shut for their whole window."""
    reading = ledger.read(person, now - ledger.CONTEXT, now + LOOK_AHEAD)
    states, opens = reading.states(now), reading.openings(now)
    for slot, state, at in zip(reading.slots, states, opens, strict=True):
        if state in INVITING and at is not None:
            yield slot, max(slot.scheduled, at)


def dose_event(
    person: Person,
    plan: Plan,
    slot: SlotTimes,
    starts: dt.datetime,
    locale: str,
    tz: ZoneInfo,
    today_url: str,
    now: dt.datetime,
) -> Event:
    """One slot as a single event, written as local wall-clock time (TZID), that rings when a dose for it
    would count (`starts`: its dose time, or later after a recent dose) and says until when that very
    slot may still be applied.

    The UID names the person's dose by local date and time, so each fetch updates the same event
    rather than adding another; the feed is published afresh, so SEQUENCE stays 0 and DTSTAMP is now.
    """
    start = wall_clock(starts, tz)
    closes = slot.closes.astimezone(tz)
    at = dt.time.fromisoformat(slot.local_time)
    summary = _("Apply your %(medicine)s cream (%(time)s)", medicine=plan.medicine, time=clock(at, locale))
    event = Event()
    event.add("uid", f"dose-{person.id}-{slot.local_date:%Y%m%d}-{at:%H%M}@thinlayer")
    event.add("sequence", 0)
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("duration", DOSE_LASTS)  # exact minutes, even across a clock change
    event.add("summary", summary)
    rule = missed_rule(closes.time(), closes.date() > slot.local_date, locale)
    event.add("description", f"{rule}\n\n{today_url}")
    event.add("url", today_url)
    event.add("transp", "TRANSPARENT")  # a reminder, not busy time
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", dt.timedelta(0))  # at the dose time
    alarm.add("description", summary)
    event.add_component(alarm)
    return event


def wall_clock(instant: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """`instant` as local time in `tz` when a calendar app reads that local time back as the same
    instant (RFC 5545 takes the first of a repeated hour); else the instant itself, in UTC."""
    local, utc = instant.astimezone(tz), instant.astimezone(dt.UTC)
    # Compared in UTC: Python never finds an instant in a repeated hour equal to one in another zone.
    return local if local.replace(fold=0).astimezone(dt.UTC) == utc else utc


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
    """A local wall-clock time as the app's pages write it: "20:00" (English is written the UK way)."""
    return format_time(at, "short", locale=format_locale(locale))
