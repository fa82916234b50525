"""Three tiers of help, and the number to call in an emergency. Plain values in and out; no Flask.

Every surface that tells a person when to get help — the get-help and side-effects pages, the banner,
the red-flag report, the API, the leaflet and the clinician's list — takes its tiers from here, so a
sign lands in the same tier, with the same words, wherever it is read.
"""

from functools import cache
from importlib.resources import files

# Most urgent first.
TIERS = ("emergency", "today", "within_24h")

# The signs of each tier, as the red flags a person can report (keys stored on a SideEffectReport).
SIGNS = {
    # A serious allergic reaction (anaphylaxis), or a child who may be seriously ill.
    "emergency": ("breathing", "face_swelling", "faint", "hives_unwell", "child_floppy"),
    # Eczema herpeticum (the cold sore virus spreading in eczema), chickenpox or shingles, or an
    # infection near the eye: seen the same day, and the cream stopped on that area.
    "today": ("spreading_sores", "fever_unwell", "near_eye", "chickenpox"),
    # Other infection and the label's other reasons to be seen.
    "within_24h": ("infection", "swollen_glands", "skin_changes", "allergic_reaction", "no_better"),
}
TIER_OF = {sign: tier for tier, signs in SIGNS.items() for sign in signs}
RED_FLAGS = tuple(sign for tier in TIERS for sign in SIGNS[tier])

# Emergency numbers where they are not 112. 112 reaches emergency services across the EU and from
# mobile phones in most other countries, so it is the fallback.
EMERGENCY_NUMBERS = {"GB": "999", "US": "911", "CA": "911", "MX": "911", "AU": "000", "NZ": "111"}
FALLBACK_NUMBER = "112"


def tier_of(flags) -> str | None:
    """The most urgent tier among the reported signs; None when there are none. KeyError for an unknown sign."""
    tiers = {TIER_OF[flag] for flag in flags}
    return next((tier for tier in TIERS if tier in tiers), None)


def emergency_number(timezone: str | None = None, territory: str | None = None) -> str:
    """The emergency number for the country of `timezone` (an IANA name), else of `territory`
    (an ISO 3166 code such as "GB" from the reader's language settings), else 112."""
    country = _zone_countries().get(timezone or "") or (territory or "").upper()
    return EMERGENCY_NUMBERS.get(country, FALLBACK_NUMBER)


@cache
def _zone_countries() -> dict[str, str]:
    """IANA zone name -> ISO 3166 country code, from the tz database's zone.tab (the tzdata package)."""
    table = files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in table.splitlines() if line and not line.startswith("#"))
    return {row[2]: row[0] for row in rows}
