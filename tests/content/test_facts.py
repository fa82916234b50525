"""The facts registry (content/<medicine>/facts.yaml) against every language's topic pages.

Each patient topic owes the facts the registry lists for it; each page says which section carries
which fact with a `<!-- facts: ... -->` marker; every language carries the same facts in the same
sections, and the numbers a fact needs appear in that section's text.
"""

import re

import pytest
import yaml

from app.config import Config
from app.content.loader import FACT_ID, TIERS_SLOT
from app.content.store import FALLBACK_LOCALE, ContentStore

STORE = ContentStore.load(Config.CONTENT_DIR, Config.LANGUAGES)
REGISTRIES = {
    path.parent.name: yaml.safe_load(path.read_text(encoding="utf-8"))
    for path in sorted(Config.CONTENT_DIR.glob("*/facts.yaml"))
}
TOPICS = [
    (medicine, locale, topic)
    for medicine in REGISTRIES
    for locale, topics in STORE.medicine(medicine).topics.items()
    for topic in topics.values()
]
TRANSLATED = [(m, loc, t) for m, loc, t in TOPICS if loc != FALLBACK_LOCALE]


def ids(params):
    return [f"{medicine}-{locale}-{topic.slug}" for medicine, locale, topic in params]


def carried(topic) -> list[str]:
    return [fact for section in topic.facts for fact in section]


def has_number(text: str, number: str) -> bool:
    """Whether text holds number as a whole numeral (so "25" is not found in "250")."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)", text) is not None


def test_pimecrolimus_has_a_facts_registry():
    assert "pimecrolimus" in REGISTRIES


# (5) The registry's own shape.


@pytest.mark.parametrize("medicine", REGISTRIES)
def test_the_registry_has_only_facts_and_topics(medicine):
    assert set(REGISTRIES[medicine]) == {"facts", "topics"}


@pytest.mark.parametrize("medicine", REGISTRIES)
def test_every_fact_has_a_source_and_a_statement(medicine):
    for fact_id, fact in REGISTRIES[medicine]["facts"].items():
        assert FACT_ID.fullmatch(fact_id), f"{fact_id}: not a valid fact id"
        assert isinstance(fact, dict), f"{fact_id}: must be a set of 'key: value' lines"
        assert set(fact) <= {"source", "says", "numbers"}, (
            f"{fact_id}: unknown keys {set(fact) - {'source', 'says', 'numbers'}}"
        )
        for key in ("source", "says"):
            assert isinstance(fact.get(key), str) and fact[key].strip(), f"{fact_id}: needs '{key}'"
        numbers = fact.get("numbers", [])
        assert isinstance(numbers, list) and all(isinstance(n, str) and n.isdigit() for n in numbers), (
            f"{fact_id}: numbers must be a list of quoted numerals"
        )


@pytest.mark.parametrize("medicine", REGISTRIES)
def test_the_registry_names_real_topics_and_known_facts(medicine):
    registry, english = REGISTRIES[medicine], STORE.medicine(medicine).topics[FALLBACK_LOCALE]
    for slug, owed in registry["topics"].items():
        assert slug in english, f"topics: {slug} is not a topic of {medicine}"
        assert isinstance(owed, list) and owed, f"topics: {slug} must list the fact ids it owes"
        assert len(set(owed)) == len(owed), f"topics: {slug} lists a fact twice"
        assert not (unknown := [f for f in owed if f not in registry["facts"]]), (
            f"topics: {slug} owes unknown {unknown}"
        )


@pytest.mark.parametrize("medicine", REGISTRIES)
def test_every_fact_is_owed_by_some_topic(medicine):
    registry = REGISTRIES[medicine]
    owed = {fact for facts in registry["topics"].values() for fact in facts}
    assert not (orphans := sorted(registry["facts"].keys() - owed)), f"facts owed by no topic: {orphans}"


@pytest.mark.parametrize("medicine", REGISTRIES)
def test_every_patient_topic_owes_facts(medicine):
    english = STORE.medicine(medicine).topics[FALLBACK_LOCALE].values()
    patient = {t.slug for t in english if t.audience == "patient"}
    assert not (missing := sorted(patient - REGISTRIES[medicine]["topics"].keys())), f"no facts listed for {missing}"


# (1) Every fact id used on a page is in the registry.


@pytest.mark.parametrize(("medicine", "locale", "topic"), TOPICS, ids=ids(TOPICS))
def test_every_fact_a_page_names_is_in_the_registry(medicine, locale, topic):
    unknown = [fact for fact in carried(topic) if fact not in REGISTRIES[medicine]["facts"]]
    assert not unknown, f"{locale}/{topic.slug}.md names facts not in facts.yaml: {unknown}"


# (2) Every page carries exactly the facts its topic owes.


@pytest.mark.parametrize(("medicine", "locale", "topic"), TOPICS, ids=ids(TOPICS))
def test_every_page_carries_exactly_the_facts_its_topic_owes(medicine, locale, topic):
    owed = REGISTRIES[medicine]["topics"].get(topic.slug, [])
    facts = carried(topic)
    missing = [f for f in owed if f not in facts]
    extra = [f for f in facts if f not in owed]
    twice = sorted({f for f in facts if facts.count(f) > 1})
    assert not missing, f"{locale}/{topic.slug}.md does not carry {missing}"
    assert not extra, f"{locale}/{topic.slug}.md carries facts its topic does not owe: {extra}"
    assert not twice, f"{locale}/{topic.slug}.md marks a fact in more than one section: {twice}"


# (3) Every language puts each fact in the same section as English.


@pytest.mark.parametrize(("medicine", "locale", "topic"), TRANSLATED, ids=ids(TRANSLATED))
def test_every_language_carries_the_same_facts_in_the_same_sections(medicine, locale, topic):
    english = STORE.medicine(medicine).topics[FALLBACK_LOCALE][topic.slug]
    assert len(topic.facts) == len(english.facts), f"{locale}/{topic.slug}.md has a different number of sections"
    for index, (theirs, ours) in enumerate(zip(topic.facts, english.facts, strict=True)):
        where = "the opening text" if index == 0 else f"section {index} ({english.headings[index - 1]!r} in English)"
        assert set(theirs) == set(ours), (
            f"{locale}/{topic.slug}.md, {where}: carries {sorted(theirs)}, English carries {sorted(ours)}"
        )


# (4) A fact's numbers appear in the section that carries it.


@pytest.mark.parametrize(("medicine", "locale", "topic"), TOPICS, ids=ids(TOPICS))
def test_every_fact_has_its_numbers_in_the_section_that_carries_it(medicine, locale, topic):
    facts = REGISTRIES[medicine]["facts"]
    for index, (section, carried_here) in enumerate(zip(topic.sections, topic.facts, strict=True)):
        for fact in carried_here:
            for number in facts.get(fact, {}).get("numbers", []):
                assert has_number(section, number), (
                    f"{locale}/{topic.slug}.md, section {index}: {fact} needs the number {number} in its text"
                )


# The tiers of help are a fact carried by the slot that shows them.


@pytest.mark.parametrize(("medicine", "locale", "topic"), TOPICS, ids=ids(TOPICS))
def test_the_tiers_of_help_fact_sits_on_the_section_with_the_slot(medicine, locale, topic):
    slot = re.compile(rf"^:::\s*{TIERS_SLOT}\s*$", re.M)
    with_slot = [i for i, section in enumerate(topic.sections) if slot.search(section)]
    with_fact = [i for i, facts in enumerate(topic.facts) if "help.tiers" in facts]
    assert with_slot == with_fact, (
        f"{locale}/{topic.slug}.md: 'help.tiers' must mark the section with '::: {TIERS_SLOT}'"
    )


@pytest.mark.parametrize(
    ("number", "text", "found"),
    [("25", "at 25 °C", True), ("25", "at 250 °C", False), ("2", "from 2 years", True), ("2", "2.5 g", False),
     ("3", "3–23 months", True), ("23", "3–23 months", True), ("1", "1%", True), ("1", "1,5", False)],
)  # fmt: skip
def test_numbers_are_matched_as_whole_numerals(number, text, found):
    assert has_number(text, number) is found
