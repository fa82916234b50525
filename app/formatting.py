"""The locale that dates and times are written in, for each language the app speaks.

English is written the UK way, "3 December 2026" and "20:00", as the plan form takes a 24-hour clock;
Babel's plain "en" is US English ("December 3, 2026", "8:00 PM"). Every date or time the app writes
takes its locale from here, so one English is used everywhere.
"""

FORMAT_LOCALES = {"en": "en_GB"}


def format_locale(language: str) -> str:
    """The Babel locale to write dates and times in for a UI language: "en_GB" for "en", others as they are."""
    return FORMAT_LOCALES.get(language, language)
