"""Leaflets: the builder page for clinic staff and the PDF it produces."""

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import weasyprint
from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import BadRequest

from app.clinics.staff import normalise_join_code
from app.config import ROOT
from app.leaflets.pdf import LeafletRequest, PdfCache, cache_key, group_by_section, html_to_pdf, qr_data_uri
from app.web.clinician.access import signed_in_clinician
from app.web.i18n import add_locale, pull_locale
from app.web.leaflets.forms import LeafletBuilderForm, LeafletOptionsForm
from app.web.triage import emergency_number

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
    number = emergency_number()  # of the clinic's place: its staff's zone or language settings
    key = cache_key(leaflet, content().version, _template_fingerprint(), current_app.config["PUBLIC_BASE_URL"], number)
    config = current_app.config
    cache = PdfCache(
        Path(current_app.instance_path) / "cache" / "leaflets",
        config["LEAFLET_CACHE_MAX_FILES"],
        config["LEAFLET_CACHE_MAX_BYTES"],
    )
    body, cached = cache.get_or_build(key, lambda: _build(leaflet, med, number))
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


def _build(leaflet: LeafletRequest, medicine, number: str) -> bytes:
    public_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    topics_url = f"{public_url}/{leaflet.locale}/medicines/{leaflet.medicine}/"
    chosen = [p for p in leaflet_pages(leaflet.medicine, leaflet.locale) if p.topic.slug in leaflet.topics]
    sections = group_by_section(chosen)
    numbers = {page.topic.slug: n for n, (_, pages) in enumerate(sections, 1) for page in pages}
    with force_locale(leaflet.locale):
        html = render_template(
            "leaflets/leaflet.html",
            leaflet=leaflet,
            medicine=medicine,
            sections=sections,
            on_paper=lambda html: on_paper(html, numbers, topics_url),
            qr=qr_data_uri(topics_url),
            topics_url=topics_url,
            reviewed=max(p.topic.last_reviewed for p in chosen),
            number=number,
            join_url=f"{public_url}/join/{leaflet.join_code}" if leaflet.join_code else None,
            join_qr=qr_data_uri(f"{public_url}/join/{leaflet.join_code}") if leaflet.join_code else None,
        )
    return html_to_pdf(html, base_url=topics_url, css=_stylesheet())


TOPIC_LINK = re.compile(r'<a href="([a-z0-9-]+)"[^>]*>(.*?)</a>')


def on_paper(html: Markup, numbers: dict[str, int], topics_url: str) -> Markup:
    """Content links as a reader of paper can follow them: a topic in this leaflet by its section number,
    any other by its web address."""

    def say(link: re.Match) -> str:
        slug, text = link[1], link[2]
        if slug in numbers:
            return str(Markup("{} ({})").format(Markup(text), _("see section %(number)d", number=numbers[slug])))
        return str(Markup("{} ({})").format(Markup(text), f"{topics_url}{slug}"))

    return Markup(TOPIC_LINK.sub(say, str(html)))


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
