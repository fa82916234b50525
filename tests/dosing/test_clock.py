"""Local wall-clock times and the instants they name: examples, then properties across DST changes.

The properties need no list of clock changes: each zone's changes are found by scanning its offsets,
and the strategies draw times around them (both ways, 30 and 60 minutes) as well as anywhere.
"""

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.dosing.clock import local_instants, zone_abbreviation

PROPERTY = settings(max_examples=300, deadline=None, database=None)
UTC = dt.UTC
ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns"]
YEARS = (dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2028, 1, 1, tzinfo=UTC))
ONE_DAY = dt.timedelta(days=1)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def offset(instant: dt.datetime, tz: ZoneInfo) -> dt.timedelta:
    return instant.astimezone(tz).utcoffset()


def wall(instant: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """What a clock in tz showed at instant, as a naive local date and time."""
    return instant.astimezone(tz).replace(tzinfo=None)


@cache
def changes(zone: str) -> list[dt.datetime]:
    """Every instant in YEARS at which the zone's offset changes, to the minute (found by scanning)."""
    tz, found, at = ZoneInfo(zone), [], YEARS[0]
    while at < YEARS[1]:
        later = at + dt.timedelta(hours=1)
        if offset(at, tz) != offset(later, tz):
            low, high = at, later  # the change lies in (low, high]
            while high - low > dt.timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle, tz) == offset(at, tz) else (low, middle)
            found.append(high)
        at = later
    return found


@pytest.mark.parametrize("zone", ZONES)
def test_every_zone_changes_its_clocks_both_ways_each_year(zone):
    tz = ZoneInfo(zone)
    steps = [offset(c, tz) - offset(c - dt.timedelta(minutes=1), tz) for c in changes(zone)]
    assert len(steps) == 6 and {s > dt.timedelta() for s in steps} == {True, False}


# Examples.


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected", "names"),
    [
        ("Europe/London", (2026, 10, 25), (1, 20), [utc(2026, 10, 25, 0, 20), utc(2026, 10, 25, 1, 20)], ["BST", "GMT"]),
        ("America/New_York", (2026, 11, 1), (1, 30), [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)], ["EDT", "EST"]),
        ("America/St_Johns", (2026, 11, 1), (1, 0), [utc(2026, 11, 1, 3, 30), utc(2026, 11, 1, 4, 30)], ["NDT", "NST"]),
        ("Australia/Lord_Howe", (2026, 4, 5), (1, 45), [utc(2026, 4, 4, 14, 45), utc(2026, 4, 4, 15, 15)],
         ["UTC+11", "UTC+10:30"]),
        ("Pacific/Chatham", (2026, 4, 5), (2, 50), [utc(2026, 4, 4, 13, 5), utc(2026, 4, 4, 14, 5)],
         ["UTC+13:45", "UTC+12:45"]),
        ("Europe/London", (2026, 10, 25), (2, 0), [utc(2026, 10, 25, 2, 0)], ["GMT"]),
        ("Europe/London", (2026, 7, 15), (8, 0), [utc(2026, 7, 15, 7, 0)], ["BST"]),
        ("Europe/London", (2026, 3, 29), (1, 30), [], []),
        ("America/New_York", (2026, 3, 8), (2, 0), [], []),
        ("Australia/Lord_Howe", (2026, 10, 4), (2, 15), [], []),
    ],
)  # fmt: skip
def test_examples_repeated_and_skipped_times_and_their_zone_names(zone, day, at, expected, names):
    tz = ZoneInfo(zone)
    instants = local_instants(dt.date(*day), dt.time(*at), tz)
    assert instants == expected
    assert [zone_abbreviation(i, tz) for i in instants] == names


def test_negative_offsets_without_a_name_are_written_from_utc():
    assert zone_abbreviation(utc(2026, 1, 1), ZoneInfo("America/Noronha")) == "UTC-2"
    assert zone_abbreviation(utc(2026, 1, 1), ZoneInfo("Asia/Kathmandu")) == "UTC+5:45"


# Properties.

zones = st.sampled_from(ZONES).map(ZoneInfo)
minutes_around_a_change = st.integers(-180, 180).map(lambda m: dt.timedelta(minutes=m))


@st.composite
def instants(draw, tz: ZoneInfo) -> dt.datetime:
    """A whole-minute UTC instant, most often within three hours of one of the zone's clock changes."""
    anywhere = st.integers(0, (YEARS[1] - YEARS[0]) // dt.timedelta(minutes=1) - 1)
    near = st.tuples(st.sampled_from(changes(tz.key)), minutes_around_a_change).map(lambda t: t[0] + t[1])
    return draw(st.one_of(near, anywhere.map(lambda m: YEARS[0] + dt.timedelta(minutes=m))))


@st.composite
def zone_and_wall_time(draw) -> tuple[ZoneInfo, dt.datetime]:
    """A zone and a local date and time, often one near a clock change (in its gap or repeat too)."""
    tz = draw(zones)
    change = draw(st.sampled_from(changes(tz.key)))
    near = wall(change - dt.timedelta(minutes=1), tz) + draw(minutes_around_a_change)
    return tz, draw(st.one_of(st.just(near), instants(tz).map(lambda i: wall(i, tz))))


@PROPERTY
@given(zone_and_wall_time())
def test_every_instant_returned_shows_that_wall_clock_time_and_they_come_earliest_first(case):
    tz, local = case
    found = local_instants(local.date(), local.time(), tz)
    assert all(wall(i, tz) == local for i in found)
    assert found == sorted(set(found)) and len(found) <= 2
    assert all(i.tzinfo is UTC for i in found)


@PROPERTY
@given(zones.flatmap(lambda tz: st.tuples(st.just(tz), instants(tz))))
def test_every_instant_is_found_from_the_time_a_clock_showed_then(case):
    tz, instant = case
    local = wall(instant, tz)
    assert instant in local_instants(local.date(), local.time(), tz)


@PROPERTY
@given(zone_and_wall_time())
def test_two_instants_only_when_the_clocks_went_back_between_them_by_their_distance(case):
    tz, local = case
    found = local_instants(local.date(), local.time(), tz)
    if len(found) == 2:
        first, second = found
        assert offset(first, tz) > offset(second, tz)
        assert second - first == offset(first, tz) - offset(second, tz)
        assert any(first < c <= second for c in changes(tz.key))


@PROPERTY
@given(zone_and_wall_time())
def test_no_instant_only_in_a_gap_where_the_clocks_went_forward(case):
    tz, local = case
    found = local_instants(local.date(), local.time(), tz)
    # Read with the offset of a day before, the time lands where the clocks had already moved on.
    before = tz.utcoffset(local - ONE_DAY)
    read = (local - before).replace(tzinfo=UTC)
    if not found:
        assert offset(read, tz) > before
        assert wall(read, tz) > local, "the clocks jumped over that time"


@PROPERTY
@given(zone_and_wall_time())
def test_a_day_without_a_clock_change_names_exactly_one_instant(case):
    tz, local = case
    around = (local - ONE_DAY - dt.timedelta(hours=14)).replace(tzinfo=UTC)
    unchanged = not any(around <= c <= around + 2 * ONE_DAY + dt.timedelta(hours=28) for c in changes(tz.key))
    if unchanged:
        assert local_instants(local.date(), local.time(), tz) == [(local - tz.utcoffset(local)).replace(tzinfo=UTC)]


def test_seconds_are_kept_and_a_tzinfo_or_fold_on_the_time_is_ignored():
    london = ZoneInfo("Europe/London")
    at = dt.time(1, 20, 30, tzinfo=ZoneInfo("Asia/Tokyo"), fold=1)
    assert local_instants(dt.date(2026, 10, 25), at, london) == [
        utc(2026, 10, 25, 0, 20, 30),
        utc(2026, 10, 25, 1, 20, 30),
    ]
