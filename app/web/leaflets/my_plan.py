"""The personal "my plan" leaflet: one person's times, missed-dose cut-offs and amounts, in their language.

The patient prints their own; a clinician prints a patient's with the clinic's name. Both come from here.
"""

import datetime as dt

from flask import Response, current_app, render_template
from flask_babel import force_locale

from app.leaflets.pdf import html_to_pdf, qr_data_uri
from app.patients import history
from app.web.leaflets.routes import _stylesheet
from app.web.patient.missed import missed_dose_rows


def my_plan_pdf(person, plan, clinic, paper: str, now: dt.datetime) -> Response:
    """The leaflet as a PDF response; `clinic` is None when the person prints it."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    locale = person.account.locale
    today = history.local_today(person, now)
    # One ordinary day's times; tomorrow's, since today's first dose may already be past.
    rows = [row for row in missed_dose_rows(person, now) if row.local_date == today + dt.timedelta(days=1)]
    medicine = current_app.extensions["content"].medicine(plan.medicine)
    with force_locale(locale):
        html = render_template(
            "leaflets/my_plan.html",
            medicine_name=medicine.name(locale) if medicine else plan.medicine,
            person=person,
            plan=plan,
            clinic=clinic,
            rows=rows,
            paper=paper,
            locale=locale,
            qr=qr_data_uri(f"{base}/{locale}/"),
            printed=today,
        )
    body = html_to_pdf(html, base_url=base + "/", css=_stylesheet())
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": 'inline; filename="my-plan.pdf"'})
