"""UI catalogs: every Spanish and French string is translated, and the catalogs match the code."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.config import ROOT, Config

CATALOGS = ROOT / "app" / "translations"
LOCALES = [locale for locale in Config.LANGUAGES if locale != "en"]


def catalog(locale):
    with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_ui_string_is_translated(locale):
    untranslated = [
        m.id for m in catalog(locale)
        if m.id and (m.fuzzy or not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]  # fmt: skip
    assert not untranslated, f"{locale}: untranslated or fuzzy: {untranslated}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_holds_every_string_the_code_uses(locale, tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).with_name("pybabel")), "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        used = {m.id for m in read_po(f) if m.id}
    known = {m.id for m in catalog(locale) if m.id}
    assert not used - known, f"run `make translations` and translate: {sorted(map(str, used - known))}"


def test_spanish_and_french_pages_use_their_catalogs(pages):
    assert pages.get("/es/").select_one(".help-link").get_text(strip=True) == "Pida ayuda ahora"
    assert pages.get("/fr/").select_one(".help-link").get_text(strip=True) != "Get help now"
