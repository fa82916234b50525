"""SQLAlchemy models, one module per aggregate. Import them all here so Alembic sees them."""

from app.models.accounts import Account, LoginFailure, LoginSession, PasswordReset, Person
from app.models.audit import AuditEvent
from app.models.clinics import Clinic, Clinician, ClinicInvite, ClinicLink
from app.models.doses import Application, DoseSlot, RecordEdit, Skip, WindowNames
from app.models.ops import SchedulerHeartbeat
from app.models.plans import Plan, PlanEvent
from app.models.reminders import InboxMessage, PushSubscription, Reminder, ReminderSettings
from app.models.symptoms import ItchEntry, PoemResponse, SideEffectReport

__all__ = [
    "Account", "Application", "AuditEvent", "Clinic", "ClinicInvite", "ClinicLink", "Clinician", "DoseSlot",
    "InboxMessage", "ItchEntry", "LoginFailure", "LoginSession", "PasswordReset", "Person", "Plan", "PlanEvent",
    "PoemResponse", "PushSubscription", "RecordEdit", "Reminder", "ReminderSettings", "SchedulerHeartbeat",
    "SideEffectReport", "Skip", "WindowNames",
]  # fmt: skip
