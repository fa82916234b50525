"""The real content packs: they load, read easily in English, and match across languages."""

import pytest

from app.config import Config
from app.content.readability import flesch_kincaid_grade
from app.content.store import ContentStore

STORE = ContentStore.load(Config.CONTENT_DIR, Config.LANGUAGES)
PACKS = [(m.slug, locale, topics) for m in STORE.medicines.values() for locale, topics in m.topics.items()]
REQUIRED_PATIENT_TOPICS = {
    "what-it-is", "how-it-works", "how-to-use", "missed-dose", "side-effects", "sun", "safety", "pregnancy",
    "children", "other-medicines", "alternatives", "storage", "buying", "get-help",
}  # fmt: skip
REQUIRED_PROFESSIONAL_TOPICS = {"mechanism", "potency", "assays"}


def shape(topic):
    return (topic.order, topic.audience, topic.leaflet_section, len(topic.headings), topic.blocks)


def test_pimecrolimus_is_published_in_english_spanish_and_french():
    assert set(STORE.medicine("pimecrolimus").topics) == {"en", "es", "fr"}


@pytest.mark.parametrize(("medicine", "locale", "topics"), PACKS, ids=[f"{m}-{loc}" for m, loc, _ in PACKS])
def test_every_language_has_the_same_topics_with_the_same_structure(medicine, locale, topics):
    english = STORE.medicine(medicine).topics["en"]
    assert topics.keys() == english.keys()
    for slug, topic in topics.items():
        assert shape(topic) == shape(english[slug]), f"{medicine}/{locale}/{slug}.md differs from English"


def test_the_pack_has_every_required_topic():
    topics = STORE.medicine("pimecrolimus").topics["en"].values()
    assert {t.slug for t in topics if t.audience == "patient"} >= REQUIRED_PATIENT_TOPICS
    assert {t.slug for t in topics if t.audience == "professional"} >= REQUIRED_PROFESSIONAL_TOPICS


ENGLISH_PATIENT_PAGES = [
    t for m in STORE.medicines.values() for t in m.topics["en"].values() if t.audience == "patient"
]


@pytest.mark.parametrize("topic", ENGLISH_PATIENT_PAGES, ids=lambda t: f"{t.medicine}-{t.slug}")
def test_english_patient_pages_read_at_grade_8_or_below(topic):
    source = (Config.CONTENT_DIR / topic.medicine / "en" / f"{topic.slug}.md").read_text(encoding="utf-8")
    body = source.split("\n---\n", 1)[1]
    assert flesch_kincaid_grade(body) <= 8


def test_side_effects_and_get_help_carry_an_urgent_block_in_every_language():
    for locale, topics in STORE.medicine("pimecrolimus").topics.items():
        for slug in ("side-effects", "get-help"):
            assert "urgent" in topics[slug].blocks, f"{locale}/{slug}"


def test_missed_dose_page_never_invites_a_double_dose():
    text = STORE.medicine("pimecrolimus").topics["en"]["missed-dose"].text.lower()
    assert "do not use extra cream" in text
    assert "skip the one you missed" in text
