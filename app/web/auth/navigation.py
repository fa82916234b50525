"""Navigation on signed-in pages: whose page this is, the same page for another person of the account,
and the account's language switch.

Signed-in pages carry no locale in their URL (they use the account's language), so their language
switch is a POST that sets the account's language and comes back to the page it was sent from.
"""

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user, login_required

from app import accounts
from app.web.auth.forms import LanguageForm
from app.web.auth.routes import bp, landing, safe_next
from app.web.i18n import native_name

# The blueprints whose pages are one person's (their URLs hold the person's id).
PERSONAL_BLUEPRINTS = frozenset({"patient", "history", "symptoms", "reminders", "sharing"})


@bp.post("/language")
@login_required
def language():
    """Save the language chosen on a signed-in page, then go back to that page (a local one only)."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    accounts.set_locale(current_user.account, form.locale.data)
    return redirect(safe_next(form.next.data) or landing(current_user.account))


@bp.app_template_global()
def page_person():
    """The signed-in account's person whose page this is, or None on any other page."""
    if not current_user.is_authenticated or request.blueprint not in PERSONAL_BLUEPRINTS:
        return None
    person_id = (request.view_args or {}).get("person_id")
    return next((person for person in current_user.account.people if person.id == person_id), None)


@bp.app_template_global()
def other_people(person) -> list:
    """The people of the signed-in account other than `person`, in the account's order."""
    if not current_user.is_authenticated:
        return []
    return [other for other in current_user.account.people if other.id != person.id]


@bp.app_template_global()
def same_page_for(person) -> str:
    """This page for another person: the same page when it needs only the person (and can be fetched),
    else that person's Today."""
    rule = request.url_rule
    if rule is not None and "GET" in rule.methods and set(request.view_args or {}) == {"person_id"}:
        return url_for(request.endpoint, person_id=person.id)
    return url_for("patient.today", person_id=person.id)


@bp.app_template_global()
def here() -> str | None:
    """This page's local address, to come back to after a POST from it; None when a GET cannot fetch it."""
    if request.url_rule is None or "GET" not in request.url_rule.methods:
        return None
    query = request.query_string.decode("latin-1")
    return request.script_root + request.path + (f"?{query}" if query else "")


@bp.app_template_global()
def languages() -> list[tuple[str, str]]:
    """(code, name in that language) of every language the site speaks."""
    return [(code, native_name(code)) for code in current_app.config["LANGUAGES"]]
