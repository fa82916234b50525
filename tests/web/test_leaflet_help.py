"""The printed leaflet: the three tiers of help with the clinic's emergency number, and links a reader of
paper can follow."""

import shutil
import subprocess

import pytest

PDF_URL = "/{locale}/medicines/pimecrolimus/leaflet.pdf?paper=a4"
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="install poppler-utils")


def text_of(client, locale: str, accept: str, tmp_path, query: str = "") -> str:
    response = client.get(PDF_URL.format(locale=locale) + query, headers={"Accept-Language": accept})
    assert response.status_code == 200
    pdf = tmp_path / f"{locale}-{accept}.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())


@needs_poppler
@pytest.mark.parametrize(("accept", "number"), [("en-GB", "999"), ("en-US", "911"), ("en", "112")])
def test_the_leaflet_carries_the_tiers_with_the_number_of_the_clinics_country(client, tmp_path, accept, number):
    text = text_of(client, "en", accept, tmp_path)
    assert f"Emergency: call {number} now" in text  # the tiers, in the side effects section
    assert "Get medical help today" in text and "Contact your prescriber within 24 hours" in text
    assert f"Trouble breathing, a swollen face or throat, or fainting: call {number} now." in text  # back page


@needs_poppler
def test_the_same_options_from_another_country_are_not_served_from_the_first_ones_cache(client, tmp_path):
    assert "call 999 now" in text_of(client, "en", "en-GB", tmp_path)
    assert "call 911 now" in text_of(client, "en", "en-US", tmp_path)


@needs_poppler
def test_links_name_the_section_on_paper_or_the_web_address(app, client, tmp_path):
    text = text_of(client, "en", "en-GB", tmp_path)
    assert "(see section " in text
    for topic in ("how-much-cream",):
        assert f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}/en/medicines/pimecrolimus/{topic}" in text.replace(" ", "")
    only_storage = text_of(client, "en", "en-GB", tmp_path, "&topics=side-effects")
    assert "(see section " not in only_storage  # side effects points to get help, which is not on paper here
