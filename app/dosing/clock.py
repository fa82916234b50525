"""Local wall-clock times and the instants they name, across clock changes (pure Python).

A local time on a given day names one instant on most days. When the clocks go back, the times in
the repeated hour (or half hour) name two instants; when they go forward, the times skipped name
none. Nothing here guesses: callers see every instant a time could mean and decide with the person.
"""

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.UTC


def local_instants(day: dt.date, at: dt.time, tz: ZoneInfo) -> list[dt.datetime]:
    """Every UTC instant at which a clock in `tz` showed `at` on local date `day`, earliest first.

    Promises: each instant returned, read back in `tz`, is exactly `day` at `at`; there are none
    when that time was skipped (a spring-forward gap), two when it happened twice (the clocks went
    back: the earlier is the first time, before the change), and one otherwise. Seconds and
    microseconds of `at` are kept; any tzinfo or fold on `at` is ignored.
    """
    wall = dt.datetime.combine(day, at.replace(tzinfo=None, fold=0))
    candidates = {wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)}
    return sorted(c for c in candidates if c.astimezone(tz).replace(tzinfo=None) == wall)


def zone_abbreviation(instant: dt.datetime, tz: ZoneInfo) -> str:
    """The short name of the clock `tz` kept at `instant`: "BST", "GMT", "EDT"...

    Zones whose rules name no abbreviation (the database writes "+1030" for Lord Howe) get their
    offset from UTC instead, as "UTC+10:30"; "UTC+11" when the offset is whole hours.
    """
    local = instant.astimezone(tz)
    name = local.tzname() or ""
    if name[:1].isalpha():
        return name
    return "UTC" + _offset(local.utcoffset() or dt.timedelta())


def _offset(offset: dt.timedelta) -> str:
    sign = "-" if offset < dt.timedelta() else "+"
    hours, minutes = divmod(abs(offset) // dt.timedelta(minutes=1), 60)
    return f"{sign}{hours}" + (f":{minutes:02d}" if minutes else "")
