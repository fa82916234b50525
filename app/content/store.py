"""All content packs, loaded once at start-up: lookup with English fallback, and search."""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from app.content.loader import ContentError, Topic, load_topic

FALLBACK_LOCALE = "en"


@dataclass(frozen=True)
class Page:
    """A topic as shown to a reader of `locale`; `fallback` when it is the English text."""

    topic: Topic
    locale: str

    @property
    def fallback(self) -> bool:
        return self.topic.locale != self.locale


@dataclass(frozen=True)
class SearchHit:
    page: Page
    score: int
    snippet: str


@dataclass
class Medicine:
    slug: str
    names: dict[str, str]
    topics: dict[str, dict[str, Topic]] = field(default_factory=dict)

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names[FALLBACK_LOCALE]


class ContentStore:
    """Every medicine's topics in every language, rendered once."""

    def __init__(self, medicines: dict[str, Medicine], version: str):
        self.medicines = medicines
        self.version = version

    @classmethod
    def load(cls, content_dir: Path, locales: tuple[str, ...]) -> "ContentStore":
        """Load every pack under content_dir; a broken file raises ContentError naming it."""
        medicines, digest = {}, hashlib.sha256()
        for meta_path in sorted(Path(content_dir).glob("*/medicine.yaml")):
            medicine = _load_medicine(meta_path)
            for locale in locales:
                for path in sorted((meta_path.parent / locale).glob("*.md")):
                    digest.update(path.read_bytes())
                    medicine.topics.setdefault(locale, {})[path.stem] = load_topic(path, medicine.slug, locale)
            if FALLBACK_LOCALE not in medicine.topics:
                raise ContentError(meta_path.parent, f"no {FALLBACK_LOCALE} topics: English is the fallback")
            medicines[medicine.slug] = medicine
        return cls(medicines, digest.hexdigest()[:16])

    def medicine(self, slug: str) -> Medicine | None:
        return self.medicines.get(slug)

    def page(self, medicine: str, locale: str, slug: str) -> Page | None:
        """The topic in locale, or in English when it is not translated yet."""
        packs = self.medicines[medicine].topics
        topic = packs.get(locale, {}).get(slug) or packs[FALLBACK_LOCALE].get(slug)
        return Page(topic, locale) if topic else None

    def pages(self, medicine: str, locale: str, audience: str | None = None) -> list[Page]:
        """Every topic of a medicine for a reader of locale, in reading order."""
        slugs = self.medicines[medicine].topics[FALLBACK_LOCALE]
        pages = [self.page(medicine, locale, slug) for slug in slugs]
        return sorted(
            (p for p in pages if audience in (None, p.topic.audience)),
            key=lambda p: p.topic.order,
        )

    def search(self, medicine: str, locale: str, query: str, limit: int = 20) -> list[SearchHit]:
        """Topics holding every word of query (accents and case ignored), best first."""
        terms = [t for t in _fold(query).split() if len(t) > 1]
        if not terms:
            return []
        hits = []
        for page in self.pages(medicine, locale):
            title, summary, text = (_fold(s) for s in (page.topic.title, page.topic.summary, page.topic.text))
            if all(t in title or t in summary or t in text for t in terms):
                score = sum(5 * title.count(t) + 3 * summary.count(t) + text.count(t) for t in terms)
                hits.append(SearchHit(page, score, _snippet(page.topic.text, terms)))
        hits.sort(key=lambda h: (-h.score, h.page.topic.order))
        return hits[:limit]


def _load_medicine(path: Path) -> Medicine:
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
        names = {str(k): str(v) for k, v in meta["name"].items()}
    except (yaml.YAMLError, TypeError, KeyError, AttributeError):
        raise ContentError(path, "medicine.yaml needs 'name:' with one line per language") from None
    if FALLBACK_LOCALE not in names:
        raise ContentError(path, f"medicine.yaml needs an {FALLBACK_LOCALE} name")
    return Medicine(path.parent.name, names)


def _fold(text: str) -> str:
    """Lower case without accents, so 'medico' finds 'médico'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _snippet(text: str, terms: list[str], width: int = 180) -> str:
    """The first sentence of text that holds a search term, cut to width."""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if any(t in _fold(sentence) for t in terms):
            return sentence if len(sentence) <= width else sentence[: width - 1].rstrip() + "…"
    return text[:width]
