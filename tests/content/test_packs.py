"""The real content packs: they load, read easily in English, and match across languages."""

import re

import pytest

from app.config import Config
from app.content.loader import read_sections, split_front_matter
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
    # len(parts) is 2 on a page with the `::: help-tiers` slot, 1 without it.
    return (topic.order, topic.audience, topic.leaflet_section, len(topic.headings), topic.blocks, len(topic.parts))


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
def test_english_patient_pages_read_at_grade_6_or_below(topic):
    path = Config.CONTENT_DIR / topic.medicine / "en" / f"{topic.slug}.md"
    _meta, body = split_front_matter(path, path.read_text(encoding="utf-8"))
    sections, _facts = read_sections(path, body)  # the body without its `<!-- facts: -->` markers
    assert flesch_kincaid_grade("".join(sections)) <= 6


def test_the_tiers_of_help_have_a_slot_on_side_effects_get_help_and_children():
    for slug in ("side-effects", "get-help", "children"):
        assert len(STORE.medicine("pimecrolimus").topics["en"][slug].parts) == 2, slug


def test_side_effects_and_get_help_carry_an_urgent_block_in_every_language():
    for locale, topics in STORE.medicine("pimecrolimus").topics.items():
        for slug in ("side-effects", "get-help"):
            assert "urgent" in topics[slug].blocks, f"{locale}/{slug}"


def test_missed_dose_page_never_invites_a_double_dose():
    text = STORE.medicine("pimecrolimus").topics["en"]["missed-dose"].text.lower()
    assert "do not use extra cream" in text
    assert "skip the one you missed" in text


def test_get_help_and_side_effects_say_stop_using_the_cream():
    for slug in ("side-effects", "get-help"):
        assert "stop using the cream" in STORE.medicine("pimecrolimus").topics["en"][slug].text.lower(), slug


US_FORMS = re.compile(
    r"\b\w+(?:iz(?:e|es|ed|er|ers|ing|ation)|yz(?:e|ed|ing))\b|\b(?:color|flavor|behavior|center|program|defense|"
    r"tanning beds?|checkups?|shots?|pediatric|leukemia)\b|\b\d{1,2} ?(?:am|pm)\b|"
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2},",
    re.I,
)
ALLOWED_US_FORMS = {"size", "sizes", "seize", "prize"}  # -ize words that are the same in UK English


@pytest.mark.parametrize("topic", STORE.medicine("pimecrolimus").topics["en"].values(), ids=lambda t: t.slug)
def test_english_pages_use_uk_english(topic):
    found = [m for m in US_FORMS.findall(topic.text + " " + topic.title + " " + topic.summary)]
    assert not [w for w in found if w.lower() not in ALLOWED_US_FORMS], f"{topic.slug}: {found}"
