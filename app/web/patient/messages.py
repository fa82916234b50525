"""What the rule's answers mean in words, in the reader's language and the person's local time.

Pages and the API both take their sentences from here, so they never disagree, and no sentence
for a dose that is taken or missed invites another one.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from flask_babel import gettext as _

from app.dosing.windows import Judgement, Moment, Status, Verdict
from app.web.i18n import formatting_locale


def clock(instant: dt.datetime, timezone: str) -> str:
    """A UTC instant as a short local time in the reader's locale: "08:10" or "8:10 AM"."""
    return format_time(instant.astimezone(ZoneInfo(timezone)), "short", locale=formatting_locale())


def local_datetime(instant: dt.datetime, timezone: str) -> str:
    """A UTC instant as a local date and time in the reader's locale."""
    return format_datetime(instant.astimezone(ZoneInfo(timezone)), "medium", locale=formatting_locale())


def day(instant: dt.datetime, timezone: str) -> str:
    return format_date(instant.astimezone(ZoneInfo(timezone)).date(), "full", locale=formatting_locale())


def verdict_message(judgement: Judgement, timezone: str) -> str:
    """The sentence shown after an application is reported; none invites another application."""
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
        case Verdict.TOO_SOON:
            return _(
                "Your last dose was at %(last)s, too close to this one. This report is kept as an extra and "
                "does not count. Do not apply more cream to make up for anything.",
                last=clock(judgement.counted_at, timezone),
            )
        case Verdict.EARLY:
            return _(
                "It was too early for your %(dose)s dose, which opens at %(opens)s. This report is kept as an "
                "extra and does not count.",
                dose=clock(judgement.next_slot.scheduled, timezone),
                opens=clock(judgement.opens_from or judgement.next_slot.opens, timezone),
            )
        case Verdict.SKIP_ZONE:
            return _(
                "It was too late for the missed dose, so it is skipped. This report is kept as an extra. "
                "Apply your next dose at its usual time, and do not apply extra."
            )
        case _ if judgement.slot is not None and judgement.slot.paused:
            return _("Your plan was paused then, so no dose was due. This report is kept but does not count.")
        case _:
            return _("No dose was planned at %(at)s, so this report is kept but does not count.", at=at)


def moment_message(status: Status, timezone: str) -> str:
    """What the Today page says now; only an open window, where a dose now would count, invites one."""
    next_at = clock(status.next_slot.scheduled, timezone) if status.next_slot else "—"
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
                next=next_at,
            )
        case Moment.SKIPPED:
            return _("You skipped this dose. Your next dose is at %(next)s.", next=next_at)
        case Moment.SPACED | Moment.WAITING:
            return _next_opening(status, timezone, next_at)
        case Moment.SKIP_ZONE:
            return _(
                "You missed your %(dose)s dose and it is now too late for it: skip it. Apply your next dose "
                "at its usual time, %(next)s. Do not apply extra to make up for it.",
                dose=clock(status.slot.scheduled, timezone),
                next=next_at,
            )
        case Moment.PAUSED:
            return _("Your plan is paused. No doses are due until you resume it.")
        case _:
            return _("No doses are planned. Set up your plan to see your times here.")


def _next_opening(status: Status, timezone: str, next_at: str) -> str:
    """Between windows, or in one the last dose keeps shut for now: from when the next dose counts."""
    if status.moment is Moment.SPACED and status.opens_from is None:
        return _(
            "Your last dose was at %(last)s. This dose would come too close to it, so skip it. Your next "
            "dose is at %(next)s. Do not apply extra to make up for it.",
            last=clock(status.last_dose, timezone),
            next=next_at,
        )
    usual = status.slot.opens if status.moment is Moment.SPACED else status.next_slot.opens
    if status.opens_from is not None and status.opens_from > usual:
        return _(
            "Your last dose was at %(last)s. You can apply the next one from %(from)s.",
            last=clock(status.last_dose, timezone),
            **{"from": clock(status.opens_from, timezone)},
        )
    return _(
        "Your next dose is at %(next)s. You can apply it from %(opens)s.",
        next=next_at,
        opens=clock(status.opens_from or usual, timezone),
    )
