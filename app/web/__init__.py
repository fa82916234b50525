"""The web layer: blueprints, error pages, security headers and template helpers."""

import re
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request, url_for
from flask_login import current_user
from markupsafe import Markup

from app.reminders.preferences import unread_counts as count_unread
from app.web import errors, i18n, input_checks, request_log, security, triage
from app.web.api.routes import bp as api_bp
from app.web.auth import sessions  # noqa: F401  (registers the login session loader)
from app.web.auth.routes import bp as auth_bp
from app.web.clinician import bp as clinician_bp
from app.web.history.routes import bp as history_bp
from app.web.leaflets.routes import bp as leaflets_bp
from app.web.offline.routes import bp as offline_bp
from app.web.ops.routes import bp as ops_bp
from app.web.patient import labels, messages
from app.web.patient.routes import bp as patient_bp
from app.web.public.meta import bp as meta_bp
from app.web.public.routes import bp as public_bp
from app.web.reminders.routes import bp as reminders_bp
from app.web.sharing.routes import bp as sharing_bp
from app.web.symptoms.routes import bp as symptoms_bp


def register_web(app: Flask) -> None:
    """Attach every blueprint and the app-wide request hooks."""
    for blueprint in (
        ops_bp,
        meta_bp,
        public_bp,
        offline_bp,
        leaflets_bp,
        auth_bp,
        patient_bp,
        symptoms_bp,
        history_bp,
        reminders_bp,
        sharing_bp,
        clinician_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)
    errors.register(app)
    input_checks.register(app)
    security.register(app)
    request_log.register(app)
    i18n.register(app)
    triage.register(app)
    app.context_processor(lambda: {"help_url": help_url()})
    app.add_template_filter(demote_headings)
    app.add_template_filter(messages.clock)
    app.add_template_filter(messages.local_datetime)
    app.add_template_filter(local_date)
    app.add_template_global(unread_counts)
    for helper in (
        labels.state_label,
        labels.plan_status_label,
        labels.audit_label,
        labels.rule_in_words,
        labels.endpoint_exists,
    ):
        app.add_template_global(helper)


def help_url() -> str:
    """The "get help now" page of the medicine being read (or of the first medicine)."""
    medicines = current_app.extensions["content"].medicines
    medicine = (request.view_args or {}).get("medicine")
    if medicine not in medicines:
        medicine = next(iter(medicines))
    return url_for("public.topic", medicine=medicine, topic="get-help")


def unread_counts() -> dict[int, int]:
    """Unread inbox messages per person of the signed-in account, counted once per request."""
    if "unread" not in g:
        g.unread = count_unread(current_user.account.id) if current_user.is_authenticated else {}
    return g.unread


def local_date(instant, timezone: str):
    """The local calendar date of a UTC instant in a time zone."""
    return instant.astimezone(ZoneInfo(timezone)).date()


def demote_headings(html: Markup, levels: int = 2) -> Markup:
    """Content headings moved down a level or two, to sit under a leaflet's section headings."""
    return Markup(re.sub(r"<(/?)h([2-4])>", lambda m: f"<{m[1]}h{int(m[2]) + levels}>", str(html)))
