"""What the rule's answers mean in words, in the reader's language and the person's local time.

Pages and the API both take their sentences from here, so they never disagree, and no sentence
for a dose that is taken or missed invites another one.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from flask_babel import get_locale
from flask_babel import gettext as _

from app.dosing.windows import Judgement, Moment, Status, Verdict


def clock(instant: dt.datetime, timezone: str) -> str:
    """A UTC instant as a short local time in the reader's locale: "08:10" or "8:10 AM"."""
    return format_time(instant.astimezone(ZoneInfo(timezone)), "short", locale=str(get_locale()))


def local_datetime(instant: dt.datetime, timezone: str) -> str:
    """A UTC instant as a local date and time in the reader's locale."""
    return format_datetime(instant.astimezone(ZoneInfo(timezone)), "medium", locale=str(get_locale()))


def day(instant: dt.datetime, timezone: str) -> str:
    return format_date(instant.astimezone(ZoneInfo(timezone)).date(), "full", locale=str(get_locale()))


def verdict_message(judgement: Judgement, timezone: str) -> str:
    """The sentence shown after an application is reported."""
    at = clock(judgement.at, timezone)
    match judgement.verdict:
        case Verdict.COUNTED:
            return _(
                "Done: your %(dose)s dose is recorded as applied at %(at)s.",
                dose=clock(judgement.slot.scheduled, timezone),
                at=at,
            )
        case Verdict.LATE:
            return _(
                "Recorded: your %(dose)s dose was applied late, at %(at)s. It still counts.",
                dose=clock(judgement.slot.scheduled, timezone),
                at=at,
            )
        case Verdict.EXTRA:
            return _(
                "You had already applied this dose at %(first)s. This one is kept as an extra and does not "
                "count. Do not apply more cream to make up for anything.",
                first=clock(judgement.counted_at, timezone),
            )
        case Verdict.SKIP_ZONE:
            return _(
                "It was too late for the missed dose, so it is skipped. This report is kept as an extra. "
                "Apply your next dose at its usual time, and do not apply extra."
            )
        case _:
            return _("No dose was planned at %(at)s, so this report is kept but does not count.", at=at)


def moment_message(status: Status, timezone: str) -> str:
    """What the Today page says now; only an open window invites an application."""
    next_at = clock(status.next_slot.scheduled, timezone) if status.next_slot else None
    match status.moment:
        case Moment.OPEN:
            return _(
                "Time for your %(dose)s dose. You can apply it until %(until)s.",
                dose=clock(status.slot.scheduled, timezone),
                until=clock(status.slot.closes, timezone),
            )
        case Moment.TAKEN:
            return _(
                "You applied this dose at %(at)s. Your next dose is at %(next)s.",
                at=clock(status.taken_at, timezone),
                next=next_at or "—",
            )
        case Moment.SKIPPED:
            return _("You skipped this dose. Your next dose is at %(next)s.", next=next_at or "—")
        case Moment.SKIP_ZONE:
            return _(
                "You missed your %(dose)s dose and it is now too late for it: skip it. Apply your next dose "
                "at its usual time, %(next)s. Do not apply extra to make up for it.",
                dose=clock(status.slot.scheduled, timezone),
                next=next_at,
            )
        case Moment.WAITING:
            return _(
                "Your next dose is at %(next)s. You can apply it from %(opens)s.",
                next=next_at,
                opens=clock(status.next_slot.opens, timezone),
            )
        case Moment.PAUSED:
            return _("Your plan is paused. No doses are due until you resume it.")
        case _:
            return _("No doses are planned. Set up your plan to see your times here.")
