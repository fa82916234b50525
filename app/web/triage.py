"""The words of the three tiers of help, and the reader's emergency number, for every template.

The tiers and their signs are app.patients.triage; this module only says them. The get-help and
side-effects pages, the banner, the side-effects form, the report page, the API and the leaflet all
use these words, so a sign reads the same wherever it appears.
"""

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.patients import triage

SIGN_LABELS = {
    "breathing": _l("Trouble breathing, wheezing or a tight throat"),
    "face_swelling": _l("Swelling of the face, lips, tongue or throat"),
    "faint": _l("Feeling faint, or collapsing"),
    "hives_unwell": _l("Hives or a rash all over the body, and feeling unwell"),
    "child_floppy": _l("A child who is floppy, very pale or hard to wake"),
    "spreading_sores": _l("Painful blisters or small punched-out sores that spread fast"),
    "fever_unwell": _l("A fever or feeling unwell, with eczema that suddenly gets worse"),
    "near_eye": _l("Sores or signs of infection near the eye"),
    "chickenpox": _l("Chickenpox or shingles"),
    "infection": _l("Other signs of infection: weeping, crusts, pus, or hot and painful skin"),
    "swollen_glands": _l("Swollen glands in the neck, armpits or groin"),
    "skin_changes": _l("Skin changes that do not go away"),
    "allergic_reaction": _l("A new rash or swelling of the skin"),
    "no_better": _l("Eczema that is no better after 6 weeks of treatment"),
}

# Each tier: its heading (emergency: with the number), why these signs matter, and what to do.
TIER_WORDS = {
    "emergency": {
        "heading": _l("Emergency: call %(number)s now"),
        "intro": _l(
            "Call at once if you, or the child you care for, have any of these. They can be signs of a "
            "serious allergic reaction or a serious illness."
        ),
        "action": _l("Stop using the cream. Take the tube or box with you."),
    },
    "today": {
        "heading": _l("Get medical help today"),
        "intro": _l(
            "See a doctor today if you have any of these. They can be signs of a serious skin infection, "
            "such as the cold sore virus spreading through eczema (eczema herpeticum)."
        ),
        "action": _l(
            "Stop the cream on that area, and do not use it there again until a doctor says you can. "
            "If you cannot see your own doctor today, go to an urgent care service."
        ),
    },
    "within_24h": {
        "heading": _l("Contact your prescriber within 24 hours"),
        "intro": _l("Call your prescriber or doctor within 24 hours if you have any of these."),
        "action": _l("Do not put the cream on skin that looks infected until you have spoken to them."),
    },
}

# A clinician's short name for each tier, beside a patient's unreviewed warning signs.
TIER_SHORT = {"emergency": _l("emergency"), "today": _l("help today"), "within_24h": _l("within 24 hours")}

# The banner on every patient page says each tier in one line.
BANNER_WORDS = {
    "emergency": _l("Trouble breathing, a swollen face or throat, or fainting: call %(number)s now."),
    "today": _l(
        "Painful sores or blisters that spread, a fever with worse eczema, sores near the eye, chickenpox "
        "or shingles: stop the cream there and get medical help today."
    ),
    "within_24h": _l(
        "Other signs of infection, swollen glands, skin changes that last, or no better after 6 "
        "weeks: contact your prescriber within 24 hours."
    ),
}


def emergency_number(person=None) -> str:
    """The emergency number for the person's time zone; else the signed-in account's own; else the
    country in the reader's language settings (en-GB, es-MX, ...); else 112."""
    if person is None and current_user.is_authenticated and current_user.account.people:
        person = current_user.account.people[0]
    return triage.emergency_number(person.timezone if person else None, _territory())


def _territory() -> str | None:
    """The first country named in the browser's Accept-Language header ("en-GB" -> "GB")."""
    for tag in request.accept_languages.values():
        _, _, region = tag.replace("_", "-").partition("-")
        if len(region) == 2 and region.isalpha():
            return region
    return None


def register(app: Flask) -> None:
    """Globals, not a context processor: the component macros are imported without the page's context."""
    app.add_template_global(emergency_number)
    names = {"tiers": triage.TIERS, "tier_signs": triage.SIGNS, "sign_labels": SIGN_LABELS, "tier_words": TIER_WORDS,
             "banner_words": BANNER_WORDS, "tier_short": TIER_SHORT, "tier_of": triage.tier_of}  # fmt: skip
    for name, value in names.items():
        app.add_template_global(value, name)
