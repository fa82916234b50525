"""Leaflet PDFs: what goes in them, how they are cached, and the WeasyPrint call."""

import contextlib
import hashlib
import json
import os
import tempfile
import time
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
    """A name for the PDF that changes whenever an input or a version changes.

    Topics are a set: the leaflet prints them in its own section order (group_by_section), so a
    reordered or repeated list makes the same PDF and has the same name.
    """
    inputs = asdict(request) | {"topics": sorted(set(request.topics))}
    payload = json.dumps([inputs, versions], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def html_to_pdf(html: str, base_url: str, css: str) -> bytes:
    """A tagged PDF (PDF/UA-1) from leaflet HTML; title and language come from the HTML.

    base_url only makes relative links absolute: nothing is fetched but data: URIs.
    """
    document = HTML(string=html, base_url=base_url, url_fetcher=URLFetcher(allowed_protocols={"data"}))
    return document.write_pdf(stylesheets=[CSS(string=css)], pdf_variant="pdf/ua-1")


class PdfCache:
    """PDFs on disk keyed by cache_key, shared by every server worker, and bounded.

    A file's modification time is when it was last used (written or served), so every process sees the
    same order; after each write, the least recently used files go until at most max_files files of at
    most max_bytes in all are left. Files vanish under a reader when another process evicts them: a read
    that finds none builds the PDF again.
    """

    def __init__(self, directory: Path, max_files: int, max_bytes: int):
        self.directory = Path(directory)
        self.max_files, self.max_bytes = max_files, max_bytes

    def get_or_build(self, key: str, build: Callable[[], bytes]) -> tuple[bytes, bool]:
        """The cached PDF and True, or a newly built (and now cached) one and False."""
        path = self.directory / f"{key}.pdf"
        try:
            pdf = path.read_bytes()
        except FileNotFoundError:
            pass
        else:
            _mark_used(path)
            return pdf, True
        pdf = build()
        if len(pdf) > self.max_bytes:
            return pdf, False  # not kept: it would push every other leaflet out
        self.directory.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(pdf)
        _mark_used(Path(tmp))
        os.replace(tmp, path)
        self.evict()
        return pdf, False

    def evict(self) -> None:
        """Remove the least recently used PDFs until the cache is within both limits."""
        entries = []
        for path in self.directory.glob("*.pdf"):
            try:
                stat = path.stat()
            except FileNotFoundError:  # evicted by another process meanwhile
                continue
            entries.append((stat.st_mtime_ns, path.name, stat.st_size, path))
        entries.sort(reverse=True)  # most recently used first
        kept, kept_bytes = 0, 0
        for _used, _name, size, _path in entries:
            if kept == self.max_files or kept_bytes + size > self.max_bytes:
                break
            kept, kept_bytes = kept + 1, kept_bytes + size
        for *_, path in entries[kept:]:
            path.unlink(missing_ok=True)


def _mark_used(path: Path) -> None:
    """Record now as the file's last use; the clock at full resolution, so uses in one tick keep their order."""
    now = time.time_ns()
    with contextlib.suppress(FileNotFoundError):
        os.utime(path, ns=(now, now))
