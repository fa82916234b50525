"""Leaflet builder and PDFs: sizes, text, QR code, tagging, cache and bad input."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

PDF_URL = "/{locale}/medicines/pimecrolimus/leaflet.pdf"
POPPLER = shutil.which("pdfinfo") and shutil.which("pdftotext") and shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="install poppler-utils (apt-get install poppler-utils)")
needs_zbar = pytest.mark.skipif(not shutil.which("zbarimg"), reason="install zbar-tools (apt-get install zbar-tools)")


@pytest.fixture(scope="module")
def leaflets(tmp_path_factory):
    """Two leaflets made once for the module: English A4 with a clinic, Spanish Letter."""
    from app import create_app
    from app.config import TestingConfig
    from app.extensions import db

    app = create_app(TestingConfig)
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    client = app.test_client()
    folder = tmp_path_factory.mktemp("pdf")
    made = {}
    for name, url in {
        "en-a4": PDF_URL.format(locale="en")
        + "?paper=a4&clinic_name=Green+Street+Clinic&clinic_phone=%2B44+20+7946+0000",
        "es-letter": PDF_URL.format(locale="es") + "?paper=letter",
    }.items():
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "application/pdf"
        made[name] = folder / f"{name}.pdf"
        made[name].write_bytes(response.data)
    with app.app_context():
        db.engine.dispose()
    return made


def run(*command) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@needs_poppler
@pytest.mark.parametrize(
    ("name", "size"), [("en-a4", "595.276 x 841.89 pts (A4)"), ("es-letter", "612 x 792 pts (letter)")]
)
def test_paper_size_is_a4_or_letter(leaflets, name, size):
    assert size in run("pdfinfo", str(leaflets[name]))


@needs_poppler
def test_leaflet_follows_the_package_leaflet_structure(leaflets):
    text = " ".join(run("pdftotext", str(leaflets["en-a4"]), "-").split())
    headings = [
        "1. What it is and what it is for",
        "2. Before you use it",
        "3. How to use it",
        "4. Possible side effects",
        "5. How to store it",
        "6. More information",
    ]
    positions = [text.find(h) for h in headings]
    assert -1 not in positions, positions
    assert positions == sorted(positions)
    for topic_title in ("Missed a dose?", "Side effects", "Storing the cream", "Sun and your skin"):
        assert topic_title in text
    assert "Green Street Clinic" in text and "+44 20 7946 0000" in text


@needs_poppler
def test_spanish_leaflet_is_in_spanish(leaflets):
    text = " ".join(run("pdftotext", str(leaflets["es-letter"]), "-").split())
    assert "1. Qué es y para qué se utiliza" in text or "1. Qué es" in text
    assert "Efectos secundarios" in text


def test_pdf_is_tagged_with_language_and_title(leaflets):
    reader = PdfReader(io.BytesIO(leaflets["es-letter"].read_bytes()))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "es"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert reader.metadata.title.startswith("Pimecrolimus crema al 1 %")


@needs_poppler
@needs_zbar
@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("en-a4", "http://127.0.0.1:8000/en/medicines/pimecrolimus/"),
        ("es-letter", "http://127.0.0.1:8000/es/medicines/pimecrolimus/"),
    ],
)
def test_qr_code_decodes_to_the_patient_pages(leaflets, name, url, tmp_path):
    run("pdftoppm", "-r", "150", "-png", str(leaflets[name]), str(tmp_path / "page"))
    images = sorted(str(p) for p in Path(tmp_path).glob("page*.png"))
    # zbarimg exits 4 when a page has no code; only the decoded text matters.
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", *images], capture_output=True, text=True).stdout
    assert decoded.split() == [url]


def test_qr_code_uses_the_configured_public_base_url(app, client, tmp_path):
    app.config["PUBLIC_BASE_URL"] = "https://thinlayer.example/"
    response = client.get(PDF_URL.format(locale="fr") + "?topics=storage")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    links = [a.get_object()["/A"]["/URI"] for page in reader.pages for a in page.get("/Annots", [])]
    assert "https://thinlayer.example/fr/medicines/pimecrolimus/" in links


def test_second_request_is_served_from_cache(client):
    url = PDF_URL.format(locale="en") + "?paper=letter&topics=storage"
    first, second = client.get(url), client.get(url)
    assert (first.headers["X-Leaflet-Cache"], second.headers["X-Leaflet-Cache"]) == ("miss", "hit")
    assert first.data == second.data
    other = client.get(url + "&clinic_name=Other")
    assert other.headers["X-Leaflet-Cache"] == "miss"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("paper=b5", "Choose A4 or US Letter."),
        ("clinic_name=" + "x" * 81, "Use 80 characters or fewer."),
        ("clinic_phone=call+me", "Use digits, spaces and + ( ) - . only."),
        ("topics=nonsense", "One of the topics does not exist."),
    ],
)
def test_bad_options_get_a_400_with_a_clear_message(pages, query, message):
    soup = pages.get(PDF_URL.format(locale="en") + "?" + query, status=400)
    assert message in soup.select_one(".error-summary").get_text()


def test_bad_options_are_explained_in_the_readers_language(pages):
    soup = pages.get(PDF_URL.format(locale="fr") + "?paper=b5", status=400)
    assert soup.html["lang"] == "fr"
    assert "A4" in soup.select_one(".error-summary").get_text()
    assert "Choose A4" not in soup.get_text()


def test_builder_page_offers_language_paper_topics_and_clinic(pages):
    soup = pages.get("/en/medicines/pimecrolimus/leaflet")
    assert {o["value"] for o in soup.select("#language option")} == {"en", "es", "fr"}
    assert {i["value"] for i in soup.select("input[name=paper]")} == {"a4", "letter"}
    assert len(soup.select("input[name=topics][checked]")) == 13
    assert soup.select_one("#clinic_name") and soup.select_one("#clinic_phone")


def test_builder_redirects_to_the_pdf_in_the_chosen_language(client):
    response = client.get(
        "/en/medicines/pimecrolimus/leaflet?language=fr&paper=letter&topics=sun&topics=storage"
        "&clinic_name=Clinique+du+Parc"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "/fr/medicines/pimecrolimus/leaflet.pdf?paper=letter&topics=sun&topics=storage&clinic_name=Clinique+du+Parc"
    )


def test_builder_shows_errors_next_to_the_fields_and_keeps_what_was_typed(pages):
    soup = pages.get("/es/medicines/pimecrolimus/leaflet?language=es&paper=a4&clinic_name=" + "y" * 90, status=400)
    assert "#clinic_name" in [a["href"] for a in soup.select(".error-summary a")]
    assert soup.select_one("#clinic_name")["aria-invalid"] == "true"
    assert soup.select_one("#clinic_name")["value"] == "y" * 90
    assert soup.select_one("#topics-error"), "no topics chosen is an error too"
