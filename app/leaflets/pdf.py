"""Leaflet PDFs: what goes in them, how they are cached, and the WeasyPrint call."""

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import segno
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

PAPER_SIZES = ("a4", "letter")
# The order patients know from package leaflets.
SECTIONS = ("about", "before", "use", "side-effects", "storage", "more")


@dataclass(frozen=True)
class LeafletRequest:
    """Everything that makes one leaflet different from another."""

    medicine: str
    locale: str
    paper: str
    topics: tuple[str, ...]
    clinic_name: str = ""
    clinic_phone: str = ""
    join_code: str = ""  # a clinic's code: the leaflet gets a QR code that opens /join/<code>


def group_by_section(pages) -> list[tuple[str, list]]:
    """Pages in leaflet order, grouped by their `leaflet_section`; empty sections left out."""
    groups = [(s, [p for p in pages if p.topic.leaflet_section == s]) for s in SECTIONS]
    return [(section, members) for section, members in groups if members]


def qr_data_uri(url: str) -> str:
    """A QR code for url as an SVG data URI, big enough to scan from paper."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2)


def cache_key(request: LeafletRequest, *versions: str) -> str:
    """A name for the PDF that changes whenever an input or a version changes."""
    payload = json.dumps([asdict(request), versions], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def html_to_pdf(html: str, base_url: str, css: str) -> bytes:
    """A tagged PDF (PDF/UA-1) from leaflet HTML; title and language come from the HTML.

    base_url only makes relative links absolute: nothing is fetched but data: URIs.
    """
    document = HTML(string=html, base_url=base_url, url_fetcher=URLFetcher(allowed_protocols={"data"}))
    return document.write_pdf(stylesheets=[CSS(string=css)], pdf_variant="pdf/ua-1")


class PdfCache:
    """PDFs on disk keyed by cache_key, shared by every server worker."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def get_or_build(self, key: str, build: Callable[[], bytes]) -> tuple[bytes, bool]:
        """The cached PDF and True, or a newly built (and now cached) one and False."""
        path = self.directory / f"{key}.pdf"
        if path.exists():
            return path.read_bytes(), True
        pdf = build()
        self.directory.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(pdf)
        os.replace(tmp, path)
        return pdf, False
