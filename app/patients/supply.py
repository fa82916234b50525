"""Tube supply: about when a plan's tube may run out, and the one inbox note that says so ahead of time.

The estimate takes the most the fingertip-unit guide gives for each of the plan's areas at every dose
(app.measures.ftu), so it errs on running out early. The note asks for a new prescription; it never
asks for more cream, nor for a dose to be made up.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import force_locale, gettext, ngettext

from app.formatting import format_locale
from app.measures.ftu import TubeEstimate, estimate_tube
from app.models import Person, Plan
from app.models.plans import ACTIVE

SUPPLY = "supply"  # the outbox and inbox kind of the note
NOTE_AT = dt.time(9, 0)  # local time the note is sent on its day, as the review reminder


def estimate(plan: Plan | None) -> TubeEstimate | None:
    """The plan's tube estimate, or None without a plan, a tube or an area in the guide."""
    if plan is None:
        return None
    return estimate_tube(plan.body_areas or [], len(plan.times), plan.tube_grams, plan.tube_opened)


def occasion(tube: TubeEstimate) -> str:
    """Names the tube (opened on a day, of a size), so it gets one note whatever else of the plan changes."""
    return f"{SUPPLY}:{tube.opened.isoformat()}:{tube.grams}"


def note_times(tube: TubeEstimate | None, timezone: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """(send, expiry) of the tube's note: on its notice day at NOTE_AT (or now, if that has passed), until
    the day it may run out begins. None when the tube may already have run out."""
    if tube is None:
        return None
    tz = ZoneInfo(timezone)
    if tube.days_left(now.astimezone(tz).date()) < 1:
        return None
    send_at = max(dt.datetime.combine(tube.notice_on, NOTE_AT, tz).astimezone(dt.UTC), now)
    return send_at, dt.datetime.combine(tube.runs_out, dt.time(0, 0), tz).astimezone(dt.UTC)


def still_due(plan: Plan | None, timezone: str, note_occasion: str, now: dt.datetime) -> bool:
    """At send time: the plan is active, its tube is the one the note is for, and its notice day has come."""
    tube = estimate(plan) if plan is not None and plan.status == ACTIVE else None
    if tube is None or occasion(tube) != note_occasion:
        return False
    return tube.notice_on <= now.astimezone(ZoneInfo(timezone)).date() < tube.runs_out


def note_words(person: Person, plan: Plan, now: dt.datetime) -> tuple[str, list[str]]:
    """The note's title and lines in the person's language: how many days the tube may have left."""
    tube = estimate(plan)
    locale = person.account.locale
    days = tube.days_left(now.astimezone(ZoneInfo(person.timezone)).date())
    with force_locale(locale):
        title = ngettext(
            "Your tube may run out in about %(num)d day: ask for a new prescription.",
            "Your tube may run out in about %(num)d days: ask for a new prescription.",
            days,
        )
        lines = [
            gettext(
                "This is an estimate for the %(grams)d g tube you opened on %(date)s and the areas in your plan.",
                grams=tube.grams,
                date=format_date(tube.opened, "long", locale=format_locale(locale)),
            ),
            ngettext(
                "Keep to your plan: a thin layer on the affected skin only, once a day.",
                "Keep to your plan: a thin layer on the affected skin only, %(num)d times a day.",
                len(plan.times),
            ),
        ]
    return title, lines
