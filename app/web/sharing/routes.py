"""Sharing with a clinic: join with a code (typed or from a leaflet's QR code) after a consent screen,
see who viewed the record, and leave at any time."""

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.clinics import audit, links, staff
from app.web.patient.access import person_or_404
from app.web.sharing.forms import ConsentForm, JoinCodeForm, LeaveForm

bp = Blueprint("sharing", __name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@bp.route("/join", methods=["GET", "POST"])
@login_required
def join_code():
    """Type the code printed on the clinic's leaflet."""
    form = JoinCodeForm()
    if form.validate_on_submit():
        clinic = staff.clinic_by_code(form.code.data)
        if clinic is not None:
            return redirect(url_for(".join", code=clinic.join_code))
        form.code.errors.append(_("No clinic has this code. Check it on the leaflet: it has 8 letters and numbers."))
    return render_template("sharing/join_code.html", form=form), 400 if form.errors else 200


@bp.route("/join/<code>", methods=["GET", "POST"])
@login_required
def join(code):
    """The consent screen: exactly what the clinic will see, for which person; nothing is shared before."""
    clinic = staff.clinic_by_code(code)
    if clinic is None:
        return render_template("sharing/no_clinic.html"), 404
    people = current_user.account.people
    form = ConsentForm(person=request.args.get("person", type=int) or (people[0].id if people else None))
    form.person.choices = [(p.id, p.name) for p in people]
    if not people:
        return redirect(url_for("auth.add_person"))
    if form.validate_on_submit():
        person = person_or_404(form.person.data)
        links.join(person, clinic, utcnow())
        flash(_("%(name)s now shares their record with %(clinic)s.", name=person.name, clinic=clinic.name), "info")
        return redirect(url_for(".sharing", person_id=person.id))
    return render_template("sharing/consent.html", form=form, clinic=clinic), 400 if form.errors else 200


@bp.get("/people/<int:person_id>/sharing")
@login_required
def sharing(person_id):
    """The clinics that can see this person's record, and every time a clinician looked at it."""
    person = person_or_404(person_id)
    return render_template("sharing/sharing.html", person=person, clinics=links.clinics_of(person),
                           events=audit.events_for(person), form=LeaveForm())  # fmt: skip


@bp.post("/people/<int:person_id>/sharing/<int:clinic_id>/leave")
@login_required
def leave(person_id, clinic_id):
    person = person_or_404(person_id)
    if not LeaveForm().validate_on_submit():
        abort(400)
    if not links.leave(person, clinic_id, utcnow()):
        abort(404)
    flash(_("The clinic can no longer see %(name)s's record.", name=person.name), "info")
    return redirect(url_for(".sharing", person_id=person.id))
