"""The personal missed-dose table: each dose today and tomorrow, and until when a missed one may be applied."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.models import Person
from app.patients.ledger import slots_between


@dataclass(frozen=True)
class MissedDoseRow:
    local_date: dt.date
    scheduled: dt.datetime
    opens: dt.datetime
    catch_up_until: dt.datetime


def missed_dose_rows(person: Person, now: dt.datetime) -> list[MissedDoseRow]:
    """The person's slots dated today and tomorrow (their local dates), from the stored schedule."""
    tz = ZoneInfo(person.timezone)
    today = now.astimezone(tz).date()
    days = {today, today + dt.timedelta(days=1)}
    slots = slots_between(person, now - dt.timedelta(days=1), now + dt.timedelta(days=3))
    return [MissedDoseRow(s.local_date, s.scheduled, s.opens, s.closes) for s in slots
            if s.local_date in days and not s.paused]  # fmt: skip
