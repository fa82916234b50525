import shutil

import pytest

from app.config import Config
from app.content.loader import ContentError
from app.content.store import ContentStore


@pytest.fixture
def packs(tmp_path):
    """A copy of the real content, to break or trim."""
    shutil.copytree(Config.CONTENT_DIR, tmp_path / "content")
    return tmp_path / "content"


def test_a_missing_translation_falls_back_to_english(packs):
    (packs / "pimecrolimus" / "fr" / "sun.md").unlink()
    store = ContentStore.load(packs, Config.LANGUAGES)
    page = store.page("pimecrolimus", "fr", "sun")
    assert page.fallback
    assert page.topic.locale == "en"
    assert not store.page("pimecrolimus", "fr", "storage").fallback


def test_listing_includes_untranslated_topics_in_order(packs):
    (packs / "pimecrolimus" / "es" / "sun.md").unlink()
    store = ContentStore.load(packs, Config.LANGUAGES)
    pages = store.pages("pimecrolimus", "es")
    assert [p.topic.order for p in pages] == sorted(p.topic.order for p in pages)
    assert [p.topic.slug for p in pages if p.fallback] == ["sun"]


def test_unknown_topic_is_none(packs):
    assert ContentStore.load(packs, Config.LANGUAGES).page("pimecrolimus", "en", "nope") is None


def test_a_broken_file_stops_loading_with_its_name(packs):
    broken = packs / "pimecrolimus" / "es" / "sun.md"
    broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    with pytest.raises(ContentError) as error:
        ContentStore.load(packs, Config.LANGUAGES)
    assert str(broken) in str(error.value)


def test_search_ignores_accents_and_case(packs):
    store = ContentStore.load(packs, Config.LANGUAGES)
    hits = store.search("pimecrolimus", "es", "EMBARAZO")
    assert hits and hits[0].page.topic.slug == "pregnancy"
    assert store.search("pimecrolimus", "fr", "grossesse")[0].page.topic.slug == "pregnancy"
    assert store.search("pimecrolimus", "fr", "medecin")  # finds "médecin"


def test_search_needs_every_word(packs):
    store = ContentStore.load(packs, Config.LANGUAGES)
    assert store.search("pimecrolimus", "en", "sun zzzzqqq") == []
    assert store.search("pimecrolimus", "en", "") == []


def test_content_version_changes_when_a_file_changes(packs):
    before = ContentStore.load(packs, Config.LANGUAGES).version
    path = packs / "pimecrolimus" / "en" / "sun.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert ContentStore.load(packs, Config.LANGUAGES).version != before
