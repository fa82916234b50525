"""POEM, the Patient-Oriented Eczema Measure: seven questions about the last 7 days, scored 0–28."""

from collections.abc import Mapping
from dataclasses import dataclass

LOINC_TOTAL = "89870-0"

# Shown wherever the questions or their scores are: the POEM page, its result page and every export.
# Kept in English, as published: it names the copyright holder and the paper that validated POEM.
ATTRIBUTION = (
    "POEM © University of Nottingham. Charman CR, Venn AJ, Williams HC. The Patient-Oriented Eczema Measure: "
    "development and initial validation of a new tool for measuring atopic eczema severity from the patients' "
    "perspective. Arch Dermatol. 2004;140(12):1513–1519."
)

# The seven questions, in the questionnaire's order: itchy skin, sleep disturbed, bleeding,
# weeping or oozing, cracked, flaking, dry or rough.
ITEMS = ("itchy", "sleep", "bleeding", "weeping", "cracked", "flaking", "dry")

# Each answer is a count of days; its score is its place in this list: none 0 ... every day 4.
DAY_CHOICES = ("none", "1-2", "3-4", "5-6", "every_day")
ITEM_MAX = len(DAY_CHOICES) - 1
TOTAL_MAX = ITEM_MAX * len(ITEMS)

# The highest total in each band, lowest band first.
BANDS = ((2, "clear"), (7, "mild"), (16, "moderate"), (24, "severe"), (28, "very_severe"))


@dataclass(frozen=True)
class PoemScore:
    """The seven item scores in ITEMS order, their total and its band."""

    items: tuple[int, ...]
    total: int
    band: str


def item_score(day_choice: str) -> int:
    """The score (0–4) of one day-count choice such as "3-4"."""
    try:
        return DAY_CHOICES.index(day_choice)
    except ValueError:
        raise ValueError(f"not a POEM day choice: {day_choice!r}") from None


def band(total: int) -> str:
    """The severity band of a total: clear, mild, moderate, severe or very_severe."""
    if not _is_int(total) or not 0 <= total <= TOTAL_MAX:
        raise ValueError(f"a POEM total is a whole number from 0 to {TOTAL_MAX}, not {total!r}")
    return next(name for highest, name in BANDS if total <= highest)


def score(answers: Mapping[str, int]) -> PoemScore:
    """Score a complete POEM: every item of ITEMS answered with 0–4; anything else is a ValueError."""
    if set(answers) != set(ITEMS):
        missing, unknown = set(ITEMS) - set(answers), set(answers) - set(ITEMS)
        raise ValueError(f"POEM needs exactly its seven answers (missing {sorted(missing)}, unknown {sorted(unknown)})")
    items = tuple(answers[item] for item in ITEMS)
    if not all(_is_int(value) and 0 <= value <= ITEM_MAX for value in items):
        raise ValueError(f"each POEM answer scores 0 to {ITEM_MAX}: {items}")
    total = sum(items)
    return PoemScore(items, total, band(total))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def band_ranges() -> list[tuple[int, int, str]]:
    """Each band as (lowest total, highest total, name), lowest band first."""
    lows = [0] + [highest + 1 for highest, _ in BANDS[:-1]]
    return [(low, highest, name) for low, (highest, name) in zip(lows, BANDS, strict=True)]
