"""Accounts: sign up, sign in and out, password reset, people in the account, preferences."""

import datetime as dt
import smtplib
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from app import accounts, mail
from app.clinics import staff
from app.patients import doses, plans
from app.web.auth.forms import (
    LoginForm,
    NewPasswordForm,
    PersonForm,
    ResetRequestForm,
    SettingsForm,
    SignUpForm,
)
from app.web.auth.sessions import sign_in, sign_out
from app.web.patient.access import person_or_404
from app.web.patient.messages import moment_message

bp = Blueprint("auth", __name__, url_prefix="/account")

LOGIN_FAILED = _l("Email or password is wrong, or too many attempts. Try again in 15 minutes.")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@bp.after_request
def private(response):
    """Account pages hold CSRF tokens, reset links and personal details: never cache or refer them."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- sign up, log in, log out -----------------------------------------------------------------


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create an account and its first person, then sign in."""
    form = SignUpForm(locale=str(get_locale()))
    if form.validate_on_submit():
        try:
            account = accounts.create_account(
                form.email.data, form.password.data, form.name.data, form.timezone.data, form.locale.data, utcnow()
            )
        except accounts.EmailTaken:
            form.email.errors.append(_("An account with this email address already exists. Sign in instead."))
        else:
            return start_session(account, remember=False)
    next_url = safe_next(request.args.get("next"))
    return render_template("auth/signup.html", form=form, next=next_url), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in; the same message for a wrong password, an unknown email and too many attempts."""
    form = LoginForm()
    if form.validate_on_submit():
        account = accounts.authenticate(form.email.data, form.password.data, request.remote_addr, utcnow())
        if account is not None:
            return start_session(account, remember=form.remember.data)
        form.form_errors.append(LOGIN_FAILED)
    elif current_user.is_authenticated and request.method == "GET":
        return redirect(landing(current_user.account))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/login.html", form=form, next=safe_next(request.args.get("next"))), status


@bp.post("/logout")
def logout():
    """End the session on the server and drop the cookies (CSRFProtect has checked the token)."""
    if current_user.is_authenticated:
        sign_out(current_user._get_current_object(), utcnow())
    return redirect(url_for("public.root"))


def start_session(account, remember: bool):
    """A fresh server-side session (any current one ends), then on to `next` or the first person."""
    now = utcnow()
    if current_user.is_authenticated:
        sign_out(current_user._get_current_object(), now)
    clinician = staff.clinician_for(account.id)
    # A clinic's desktop is shared: a clinician is never remembered, and always passes the second step.
    sign_in(account, remember and clinician is None, now)
    if clinician is not None:
        return redirect(url_for("clinician.verify" if clinician.totp_enrolled_at else "clinician.enrol"))
    return redirect(safe_next(request.args.get("next")) or landing(account))


def landing(account) -> str:
    """A clinician's patient list; else the first person's Today page, or the people page."""
    if staff.clinician_for(account.id) is not None:
        return url_for("clinician.dashboard_page")
    return next((today_url(person) for person in account.people[:1]), None) or url_for("auth.people")


def today_url(person) -> str | None:
    """The person's Today page, while the patient pages are there to link to."""
    try:
        return url_for("patient.today", person_id=person.id)
    except BuildError:
        return None


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site; a full URL, //host or /\\host could send people elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target) or urlsplit(target).netloc:
        return None
    return target


# --- password reset ---------------------------------------------------------------------------


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    """Ask for a reset link; the answer is the same whether or not the account exists."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        link = accounts.start_reset(form.email.data, utcnow())
        if link is not None:
            send_reset_link(link)
        return redirect(url_for(".reset_sent"))
    return render_template("auth/reset_request.html", form=form), 400 if form.errors else 200


@bp.get("/reset/sent")
def reset_sent():
    return render_template("auth/reset_sent.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password through a link from the email; every session of the account ends."""
    account = accounts.reset_account(token, utcnow())
    if account is None:
        return render_template("auth/reset_invalid.html"), 404
    form = NewPasswordForm(email=account.email)
    if form.validate_on_submit():
        if accounts.finish_reset(token, form.password.data, utcnow()) is None:
            return render_template("auth/reset_invalid.html"), 404
        flash(_("Your password has changed. Sign in with your new password."), "info")
        return redirect(url_for(".login"))
    return render_template("auth/reset_password.html", form=form, token=token), 400 if form.errors else 200


def send_reset_link(link: accounts.ResetLink) -> None:
    """Mail the link in the account's language. A mail failure is logged, never shown: the page must not differ."""
    # Built from PUBLIC_BASE_URL, not the request's Host header, which an attacker can set.
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(".reset_password", token=link.token)
    subject, minutes = _l("Reset your Thinlayer password"), accounts.RESET_LIFETIME // dt.timedelta(minutes=1)
    try:
        mail.send_email(link.account.email, subject, "reset_password", link.account.locale, url=url, minutes=minutes)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("password reset email not sent (account %s)", link.account.id)


# --- people and settings ----------------------------------------------------------------------


@bp.get("/people")
@login_required
def people():
    return render_template("auth/people.html", people=current_user.account.people, today_url=today_url)


@bp.route("/people/new", methods=["GET", "POST"])
@login_required
def add_person():
    home_zone = next((p.timezone for p in current_user.account.people), accounts.DEFAULT_TIMEZONE)
    form = PersonForm(timezone=home_zone)
    if form.validate_on_submit():
        person = accounts.add_person(current_user.account, form.name.data, form.timezone.data, utcnow())
        flash(_("%(name)s is added.", name=person.name), "info")
        return redirect(url_for(".people"))
    return render_template("auth/person_form.html", form=form, person=None), 400 if form.errors else 200


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
def edit_person(person_id):
    person = person_or_404(person_id)
    form = PersonForm(obj=person)
    if form.validate_on_submit():
        moved, now = form.timezone.data != person.timezone, utcnow()
        accounts.update_person(person, form.name.data, form.timezone.data, now)
        flash(_("Changes to %(name)s are saved.", name=person.name), "info")
        if moved and plans.current_plan(person) is not None:
            # Say what the move did to the doses, in the new local time (the rule over time, promise 5).
            said = moment_message(doses.today_view(person, now).status, person.timezone)
            flash(_("You changed time zone. All times are now your new local time.") + " " + said, "info")
        return redirect(url_for(".people"))
    return render_template("auth/person_form.html", form=form, person=person), 400 if form.errors else 200


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = SettingsForm(obj=current_user.account)
    if form.validate_on_submit():
        account = accounts.set_locale(current_user.account, form.locale.data)
        with force_locale(account.locale):
            flash(_("Your settings are saved."), "info")
        return redirect(url_for(".settings"))
    return render_template("auth/settings.html", form=form), 400 if form.errors else 200


# The language switch and the navigation of signed-in pages add themselves to bp.
from app.web.auth import navigation  # noqa: E402, F401
