"""What each reminder says, in the person's language and local time.

No reminder invites a second dose: a dose reminder goes out only while its window is open and
nothing counts for it yet, and when the previous dose was missed the next reminder says to skip
it and not to apply extra.
"""

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from babel.dates import format_time
from flask_babel import force_locale
from flask_babel import gettext as _

from app.formatting import format_locale, one_line
from app.models import DoseSlot, Person
from app.models.reminders import DUE, MISSED, POEM, REVIEW, SNOOZE
from app.reminders.message import ReminderMessage

# link(endpoint, person_id) -> absolute URL; the caller builds it from the web layer's routes.
Links = Callable[[str, int], str]


def clock(instant: dt.datetime, person: Person, locale: str) -> str:
    """The instant on the person's own clock, written as `locale` writes times ("20:00" in English)."""
    return format_time(instant.astimezone(ZoneInfo(person.timezone)), "short", locale=format_locale(locale))


def dose_words(kind: str, person: Person, slot: DoseSlot, missed_before: DoseSlot | None) -> tuple[str, list[str]]:
    """The title and lines of a `due`, `missed` or `snooze` reminder for a slot the rule invites a dose
    for now, in the person's language and current zone."""
    locale = person.account.locale
    with force_locale(locale):
        dose, until = clock(slot.scheduled_at, person, locale), clock(slot.closes_at, person, locale)
        if kind == MISSED:
            title = _("Did you apply your %(dose)s dose?", dose=dose)
            lines = [
                _("If not, you can still apply it until %(until)s.", until=until),
                _("If you did, do not apply it again: record it as applied."),
            ]
        elif kind == SNOOZE:
            title = _("Reminder: your %(dose)s dose", dose=dose)
            lines = [_("You can apply it until %(until)s.", until=until)]
        else:
            title = _("Time for your %(dose)s dose", dose=dose)
            lines = [_("Apply a thin layer of your cream to the affected skin.")]
        if missed_before is not None and kind == DUE:
            missed = clock(missed_before.scheduled_at, person, locale)
            lines.append(
                _(
                    "Your %(missed)s dose was missed and is skipped. Do not apply extra to make up for it.",
                    missed=missed,
                )
            )
        return named(title, person), lines


def out_of_date_words(person: Person, slot: DoseSlot | None) -> tuple[str, list[str]]:
    """A dose reminder read once the rule no longer invites its dose (taken, skipped, closed, or moved)."""
    locale = person.account.locale
    with force_locale(locale):
        title = _("Your %(dose)s dose", dose=clock(slot.scheduled_at, person, locale)) if slot else _("A dose reminder")
        return named(title, person), [_("This reminder is out of date: see Today for your next dose.")]


def dose_message(
    kind: str, person: Person, slot: DoseSlot, missed_before: DoseSlot | None, links: Links, token: str
) -> ReminderMessage:
    """A `due`, `missed` or `snooze` reminder for an open slot the rule invites a dose for now."""
    title, lines = dose_words(kind, person, slot, missed_before)
    with force_locale(person.account.locale):
        actions = [{"action": "applied", "title": _("Applied")}, {"action": "skip", "title": _("Skip this dose")}]
    return ReminderMessage(
        kind=kind,
        title=title,
        lines=lines,
        url=links("patient.today", person.id),
        topic=f"dose-{slot.id}",
        locale=person.account.locale,
        actions=actions,
        act_url=links("reminders.act", person.id),
        token=token,
    )


def prompt_message(kind: str, person: Person, links: Links) -> ReminderMessage:
    """The review-date reminder or the weekly POEM prompt."""
    locale = person.account.locale
    with force_locale(locale):
        if kind == REVIEW:
            title = _("Time to review your treatment")
            lines = [_("Your plan is due for a review with your prescriber. If you have no appointment yet, "
                       "contact your clinic.")]  # fmt: skip
            url = links("patient.plan", person.id)
        else:
            assert kind == POEM
            title = _("Your weekly eczema check")
            lines = [_("Answer 7 short questions about your skin this week. It takes about a minute.")]
            url = links("symptoms.poem", person.id)
        return ReminderMessage(kind=kind, title=named(title, person), lines=lines, url=url, topic=kind, locale=locale)


def named(title: str, person: Person) -> str:
    """In an account with more than one person, say whose dose it is."""
    return f"{one_line(person.name)}: {title}" if len(person.account.people) > 1 else title
