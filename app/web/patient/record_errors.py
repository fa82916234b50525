"""Messages for the reports the rule cannot take (doses.RecordError codes)."""

from flask_babel import lazy_gettext as _l

MESSAGES = {
    "future": _l("That time is in the future. Report a dose once you have applied it."),
    "too_old": _l("You can report a dose up to 24 hours back. For older doses, tell your prescriber."),
    "not_found": _l("We could not find that record. It may already have been changed."),
    "undo_too_late": _l("A report can be undone for 10 minutes only. It stays in your record."),
    "slot_closed": _l("This dose can no longer be skipped: its time has passed."),
    "already_recorded": _l("This dose is already recorded as applied or skipped."),
    # A tap kept on the phone, sent more than a day later.
    "tap_too_old": _l(
        "This tap is more than 24 hours old, so it was not saved. You can report a dose up to 24 hours back. "
        "For older doses, tell your prescriber."
    ),
    "skip_tap_too_old": _l("This tap is more than 24 hours old, so the dose was not skipped."),
}


def record_error_message(code: str) -> str:
    return str(MESSAGES.get(code, MESSAGES["not_found"]))
