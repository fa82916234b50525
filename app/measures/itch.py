"""Peak itch NRS: the worst itch in the last 24 hours, 0 (none) to 10 (worst imaginable)."""

PEAK_MIN, PEAK_MAX = 0, 10

# A fall of this many points or more is a change a person notices, not day-to-day noise.
MEANINGFUL_DROP = 4

# The highest score in each band, lowest band first. 0 is a band of its own: no itch is not mild itch.
BANDS = ((0, "none"), (3, "mild"), (6, "moderate"), (8, "severe"), (10, "very_severe"))


def check_peak(peak: int) -> int:
    """The score itself if it is a whole number from 0 to 10; a ValueError otherwise."""
    if not isinstance(peak, int) or isinstance(peak, bool) or not PEAK_MIN <= peak <= PEAK_MAX:
        raise ValueError(f"peak itch is a whole number from {PEAK_MIN} to {PEAK_MAX}, not {peak!r}")
    return peak


def band(peak: int) -> str:
    """The band of a score: none (0), mild (1–3), moderate (4–6), severe (7–8) or very_severe (9–10)."""
    check_peak(peak)
    return next(name for highest, name in BANDS if peak <= highest)


def meaningful_change(before: int, after: int) -> bool:
    """True when itch fell from `before` to `after` by 4 points or more."""
    return check_peak(before) - check_peak(after) >= MEANINGFUL_DROP
