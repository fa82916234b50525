"""Leaflets: the builder page for clinic staff and the PDF it produces."""

import hashlib
from functools import lru_cache
from pathlib import Path

import weasyprint
from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from app.clinics.staff import normalise_join_code
from app.config import ROOT
from app.leaflets.pdf import LeafletRequest, PdfCache, cache_key, group_by_section, html_to_pdf, qr_data_uri
from app.web.clinician.access import signed_in_clinician
from app.web.i18n import add_locale, pull_locale
from app.web.leaflets.forms import LeafletBuilderForm, LeafletOptionsForm

bp = Blueprint("leaflets", __name__)
bp.url_value_preprocessor(pull_locale)
bp.url_defaults(add_locale)


def content():
    return current_app.extensions["content"]


def leaflet_pages(medicine, locale):
    return [p for p in content().pages(medicine, locale, "patient") if p.topic.leaflet_section]


@bp.get("/<locale>/medicines/<medicine>/leaflet")
def builder(medicine):
    """Clinic staff choose language, paper, topics and a clinic block."""
    med = content().medicine(medicine) or abort(404)
    submitted = "paper" in request.args
    form = LeafletBuilderForm(request.args if submitted else None, language=g.locale, **_clinic_defaults())
    form.set_language_choices()
    form.set_topic_choices(leaflet_pages(medicine, g.locale), default_all=not submitted)
    if submitted and form.validate():
        return redirect(url_for(".pdf", locale=form.language.data, medicine=medicine, **form.query()))
    status = 400 if submitted else 200
    return render_template("leaflets/builder.html", medicine=med, form=form), status


def _clinic_defaults() -> dict:
    """A signed-in clinician's clinic fills the clinic block and its join QR code."""
    clinician = signed_in_clinician()
    if clinician is None or current_user.login.verified_at is None:
        return {}
    clinic = clinician.clinic
    return {"clinic_name": clinic.name[:80], "clinic_phone": clinic.phone, "join_code": clinic.join_code}


@bp.get("/<locale>/medicines/<medicine>/leaflet.pdf")
def pdf(medicine):
    """The leaflet as a tagged PDF, built once per set of inputs and then served from cache."""
    med = content().medicine(medicine) or abort(404)
    form = LeafletOptionsForm(request.args)
    form.set_topic_choices(leaflet_pages(medicine, g.locale), default_all=True)
    if not form.validate():
        messages = [m for errors in form.errors.values() for m in errors]
        return render_template("errors/error.html", error=BadRequest(), messages=messages), 400
    leaflet = LeafletRequest(
        medicine,
        g.locale,
        form.paper.data,
        tuple(form.topics.data),
        form.clinic_name.data or "",
        form.clinic_phone.data or "",
        normalise_join_code(form.join_code.data or ""),
    )
    key = cache_key(leaflet, content().version, _template_fingerprint(), current_app.config["PUBLIC_BASE_URL"])
    cache = PdfCache(Path(current_app.instance_path) / "cache" / "leaflets")
    body, cached = cache.get_or_build(key, lambda: _build(leaflet, med))
    filename = f"{medicine}-{leaflet.locale}-{leaflet.paper}.pdf"
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "public, max-age=3600",
            "X-Leaflet-Cache": "hit" if cached else "miss",
        },
    )


def _build(leaflet: LeafletRequest, medicine) -> bytes:
    public_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    topics_url = f"{public_url}/{leaflet.locale}/medicines/{leaflet.medicine}/"
    chosen = [p for p in leaflet_pages(leaflet.medicine, leaflet.locale) if p.topic.slug in leaflet.topics]
    with force_locale(leaflet.locale):
        html = render_template(
            "leaflets/leaflet.html",
            leaflet=leaflet,
            medicine=medicine,
            sections=group_by_section(chosen),
            qr=qr_data_uri(topics_url),
            topics_url=topics_url,
            reviewed=max(p.topic.last_reviewed for p in chosen),
            join_url=f"{public_url}/join/{leaflet.join_code}" if leaflet.join_code else None,
            join_qr=qr_data_uri(f"{public_url}/join/{leaflet.join_code}") if leaflet.join_code else None,
        )
    return html_to_pdf(html, base_url=topics_url, css=_stylesheet())


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    return (ROOT / "static" / "css" / "leaflet.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _template_fingerprint() -> str:
    """Changes whenever the leaflet's template, its stylesheet or WeasyPrint changes."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    for path in sorted((ROOT / "templates" / "leaflets").glob("*.html")):
        digest.update(path.read_bytes())
    digest.update(_stylesheet().encode())
    return digest.hexdigest()[:16]
