"""What a clinician changes in a patient's care: the plan (within safe bounds) and red-flag reviews.

Every change is written to the audit log, and a plan change is told to the patient in their inbox,
in their language.
"""

import datetime as dt

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.clinics import audit
from app.extensions import db
from app.models import Clinician, InboxMessage, Person, Plan, SideEffectReport
from app.patients import plans

# A clinician may widen or narrow the windows, but never so far that a late catch-up dose sits
# close to the next one: the cut-off keeps at least an hour before the next dose (check_rule adds DST).
EARLY_BOUNDS = (30, 180)
CUTOFF_BOUNDS = (60, 720)
# Two counted doses never closer than this; app.dosing.schedule.check_min_gap also keeps it under the
# shortest interval between the plan's doses.
MIN_GAP_BOUNDS = (240, 1440)
PLAN_NOTICE = "plan"


def edit_plan(
    clinician: Clinician, person: Person, plan: Plan, change: plans.RuleChange, now: dt.datetime
) -> list[str]:
    """Change the plan's times, rule and review date; audit it and tell the patient. Returns the changes."""
    changes = plans.change_plan(plan, change, now)
    if changes:
        audit.record(clinician, person, audit.PLAN_CHANGE, "; ".join(changes), now, commit=False)
        db.session.add(plan_notice(person, plan, clinician, now))
    db.session.commit()
    return changes


def plan_notice(person: Person, plan: Plan, clinician: Clinician, now: dt.datetime) -> InboxMessage:
    with force_locale(person.account.locale):
        title = _("Your clinic changed your plan")
        body = _("%(clinician)s at %(clinic)s changed your treatment plan. Your dose times are now %(times)s. "
                 "Open your plan to see when each missed dose may still be applied.",
                 clinician=clinician.name, clinic=clinician.clinic.name, times=", ".join(plan.times))  # fmt: skip
    return InboxMessage(person_id=person.id, kind=PLAN_NOTICE, title=title, body=body, created_at=now)


def review_report(clinician: Clinician, person: Person, report_id: int, note: str,
                  now: dt.datetime) -> SideEffectReport | None:  # fmt: skip
    """Mark a side-effect or red-flag report as reviewed, with a note; None if it is not this person's."""
    report = db.session.scalar(select(SideEffectReport).where(SideEffectReport.id == report_id,
                                                              SideEffectReport.person_id == person.id))  # fmt: skip
    if report is None:
        return None
    report.reviewed_at, report.review_note = now, note.strip()[:2000]
    audit.record(clinician, person, audit.REVIEW, f"report {report.id}", now, commit=False)
    db.session.commit()
    return report
