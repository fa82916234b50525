"""The locale that dates and times are written in, for each language the app speaks.

English is written the UK way, "3 December 2026" and "20:00", as the plan form takes a 24-hour clock;
Babel's plain "en" is US English ("December 3, 2026", "8:00 PM"). Every date or time the app writes
takes its locale from here, so one English is used everywhere.
"""

import unicodedata

FORMAT_LOCALES = {"en": "en_GB"}


def format_locale(language: str) -> str:
    """The Babel locale to write dates and times in for a UI language: "en_GB" for "en", others as they are."""
    return FORMAT_LOCALES.get(language, language)


# Line breaks and other control characters: a name has none (the forms refuse them), but one stored
# before they did may, and a calendar line or a mail subject must stay one line.
_NOT_ON_ONE_LINE = ("Cc", "Zl", "Zp")


def has_control_characters(text: str) -> bool:
    """True if text holds a line break, a tab or another control character."""
    return any(unicodedata.category(c) in _NOT_ON_ONE_LINE for c in text)


def one_line(text: str) -> str:
    """text with each run of control characters and spaces as a single space, trimmed."""
    spaced = "".join(" " if unicodedata.category(c) in _NOT_ON_ONE_LINE else c for c in text)
    return " ".join(spaced.split())
