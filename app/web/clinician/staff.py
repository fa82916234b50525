"""Clinician sign-in's second step (TOTP enrolment and codes) and invitations by email."""

import smtplib

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import accounts, mail
from app.clinics import staff
from app.extensions import db
from app.leaflets.pdf import qr_data_uri
from app.models import Clinic
from app.web.auth.sessions import sign_out
from app.web.clinician.access import bp, clinician_required, signed_in_clinician, utcnow
from app.web.clinician.forms import AcceptInviteForm, CodeForm, InviteForm

TOO_MANY_CODES = _l("Too many wrong codes. You are signed out: sign in again in 15 minutes.")
WRONG_CODE = _l("That code did not work. Enter the code your app shows now (codes change every 30 seconds).")


def _password_done():
    """The clinician whose password step is done, or a redirect (sign in) / 404 (not a clinician)."""
    clinician = signed_in_clinician()
    if clinician is None:
        return None, redirect(url_for("auth.login")) if not current_user.is_authenticated else ("", 404)
    return clinician, None


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    """The second step of a clinician's sign-in: a code from the authenticator app."""
    clinician, stop = _password_done()
    if stop:
        return stop
    if clinician.totp_enrolled_at is None:
        return redirect(url_for(".enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        if staff.check_code(clinician, form.code.data, utcnow()):
            return _verified()
        if staff.record_wrong_code(clinician, request.remote_addr, utcnow()):
            return _too_many_codes()
        form.code.errors.append(WRONG_CODE)
    return render_template("clinician/verify.html", form=form), 400 if form.errors else 200


@bp.route("/enrol", methods=["GET", "POST"])
def enrol():
    """First sign-in: scan the QR code into an authenticator app, then confirm with its first code."""
    clinician, stop = _password_done()
    if stop:
        return stop
    if clinician.totp_enrolled_at is not None:
        return redirect(url_for(".verify"))
    form = CodeForm()
    if form.validate_on_submit():
        if staff.confirm_enrolment(clinician, form.code.data, utcnow()):
            flash(_("Your authenticator app is set up. You will need it each time you sign in."), "info")
            return _verified()
        if staff.record_wrong_code(clinician, request.remote_addr, utcnow()):
            return _too_many_codes()
        form.code.errors.append(WRONG_CODE)
    uri = staff.start_enrolment(clinician)
    return render_template("clinician/enrol.html", form=form, qr=qr_data_uri(uri), secret=clinician.totp_secret,
                           uri=uri), 400 if form.errors else 200  # fmt: skip


def _too_many_codes():
    """Wrong codes count with wrong passwords: at the limit the session ends and sign-in waits 15 minutes."""
    sign_out(current_user._get_current_object(), utcnow())
    flash(TOO_MANY_CODES, "error")
    return redirect(url_for("auth.login"))


def _verified():
    login = current_user.login
    login.verified_at = login.seen_at = utcnow()
    db.session.commit()
    return redirect(url_for(".dashboard_page"))


@bp.route("/invite", methods=["GET", "POST"])
@clinician_required
def invite(clinician):
    """A clinic admin invites a colleague by email; others are told to ask their admin."""
    if not clinician.is_admin:
        abort(403)
    form = InviteForm()
    if form.validate_on_submit():
        link = staff.invite_clinician(clinician, form.email.data, form.is_admin.data, utcnow())
        if send_invite(link, clinician):
            flash(_("Invitation sent to %(email)s. The link works for 7 days.", email=link.invite.email), "info")
            return redirect(url_for(".invite"))
        form.form_errors.append(_("The invitation email could not be sent. Try again in a few minutes."))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("clinician/invite.html", form=form, clinician=clinician), status


def send_invite(link: staff.Invite, by) -> bool:
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(".accept_invite", token=link.token)
    try:
        mail.send_email(link.invite.email, _l("You are invited to %(clinic)s on Thinlayer", clinic=by.clinic.name),
                        "clinic_invite", by.account.locale, url=url, clinic=by.clinic.name, by=by.name)  # fmt: skip
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("clinic invitation not sent (clinic %s)", by.clinic_id)
        return False
    return True


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token):
    """Someone invited by email sets their name and password; then they sign in and enrol TOTP."""
    invite = staff.open_invite(token, utcnow())
    if invite is None:
        return render_template("clinician/invite_invalid.html"), 404
    form = AcceptInviteForm(email=invite.email)
    if form.validate_on_submit():
        try:
            clinician = staff.accept_invite(token, form.name.data, form.password.data, utcnow())
        except accounts.EmailTaken:
            form.form_errors.append(_("An account with this email address already exists. Ask your clinic admin."))
        else:
            if clinician is None:
                return render_template("clinician/invite_invalid.html"), 404
            flash(_("Your clinician account is ready. Sign in to set up your authenticator app."), "info")
            return redirect(url_for("auth.login"))
    status = 400 if form.errors or form.form_errors else 200
    clinic = db.session.get(Clinic, invite.clinic_id)
    return render_template("clinician/accept_invite.html", form=form, invite=invite, invite_clinic_name=clinic.name,
                           token=token), status  # fmt: skip
