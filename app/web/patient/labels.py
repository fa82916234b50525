"""Words for states and statuses, and the plan's rule in words."""

import datetime as dt

from babel.dates import format_timedelta
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.dosing.windows import SlotState
from app.web.i18n import formatting_locale

STATE_LABELS = {
    SlotState.UPCOMING: _l("coming up"),
    SlotState.OPEN: _l("due now"),
    SlotState.ON_TIME: _l("applied on time"),
    SlotState.LATE: _l("applied late"),
    SlotState.SKIPPED: _l("skipped"),
    SlotState.MISSED: _l("missed"),
    SlotState.PAUSED: _l("paused"),
}
AUDIT_LABELS = {
    "read": _l("Looked at the record"),
    "export": _l("Downloaded the record"),
    "plan-change": _l("Changed the plan"),
    "review": _l("Reviewed a symptom report"),
    "remove": _l("Stopped the clinic's access"),
}
PLAN_STATUS_LABELS = {"active": _l("Active"), "paused": _l("Paused"), "stopped": _l("Stopped")}


def state_label(state: SlotState) -> str:
    return str(STATE_LABELS[state])


def audit_label(action: str) -> str:
    return str(AUDIT_LABELS.get(action, action))


def plan_status_label(status: str) -> str:
    return str(PLAN_STATUS_LABELS.get(status, status))


def rule_in_words(plan) -> str:
    """The two rule parameters as a patient reads them."""
    return _(
        "A dose counts if you apply it from %(early)s before its time. If you miss it, you can still apply "
        "it until %(cutoff)s before your next dose; after that, skip it.",
        early=_minutes(plan.early_minutes),
        cutoff=_minutes(plan.cutoff_minutes),
    )


def _minutes(minutes: int) -> str:
    return format_timedelta(dt.timedelta(minutes=minutes), threshold=2, locale=formatting_locale())


def endpoint_exists(endpoint: str) -> bool:
    return endpoint in current_app.view_functions
