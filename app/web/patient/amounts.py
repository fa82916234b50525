"""The fingertip-unit guide in words: area names, amounts and the tube estimate, in the reader's language.

The numbers come from app.measures.ftu; this module only names and formats them. Every amount is "up to",
for a thin layer over the part of an area that has eczema.
"""

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.formatting import format_locale
from app.measures import ftu
from app.measures.ftu import TubeEstimate

ADULT_LABELS = {
    ftu.FACE_NECK: _l("Face and neck"),
    ftu.ARM: _l("One arm"),
    ftu.HAND: _l("One hand, both sides"),
    ftu.LEG: _l("One leg"),
    ftu.FOOT: _l("One foot"),
    ftu.TRUNK_FRONT: _l("Front of the body (chest and belly)"),
    ftu.TRUNK_BACK: _l("Back, including the buttocks"),
}
BOTH_LABELS = {ftu.ARM: _l("Both arms"), ftu.HAND: _l("Both hands, both sides"), ftu.LEG: _l("Both legs")}
CHILD_LABELS = {
    ftu.FACE_NECK: _l("Face and neck"),
    ftu.ARM_HAND: _l("One arm and hand"),
    ftu.LEG_FOOT: _l("One leg and foot"),
    ftu.TRUNK_FRONT: _l("Front of the body (chest and belly)"),
    ftu.TRUNK_BACK: _l("Back, including the buttocks"),
}
AGE_LABELS = {
    "3-6m": _l("3 to 6 months"),
    "1-2y": _l("1 to 2 years"),
    "3-5y": _l("3 to 5 years"),
    "6-10y": _l("6 to 10 years"),
}
# The numbers on the body picture (templates/components/ftu_guide.html).
PICTURE_NUMBERS = {
    ftu.FACE_NECK: "1",
    ftu.ARM: "2",
    ftu.HAND: "3",
    ftu.LEG: "4",
    ftu.FOOT: "5",
    ftu.TRUNK_FRONT: "6",
    ftu.TRUNK_BACK: "7",
    ftu.ARM_HAND: "2, 3",
    ftu.LEG_FOOT: "4, 5",
}


@dataclass(frozen=True)
class GuideRow:
    number: str
    area: str
    units: list[str]  # one for adults, one per age for children
    grams: str = ""


def grams_text(grams: Fraction) -> str:
    """Grams in the reader's locale: "1.25" or "1,25"."""
    return format_decimal(float(grams), format="#,##0.##", locale=str(get_locale()))


def guide_tables() -> dict:
    """The two tables of the guide, for the ftu_guide component: adult rows, child rows and age headings."""
    adults = [
        GuideRow(
            PICTURE_NUMBERS[a], str(label), [ftu.units_text(ftu.ADULT[a])], grams_text(ftu.ADULT[a] * ftu.GRAMS_PER_FTU)
        )
        for a, label in ADULT_LABELS.items()
    ]
    children = [
        GuideRow(PICTURE_NUMBERS[a], str(label), [ftu.units_text(u) for u in ftu.CHILD[a]])
        for a, label in CHILD_LABELS.items()
    ]
    return {
        "adults": adults,
        "children": children,
        "ages": [str(AGE_LABELS[age]) for age in ftu.AGES],
        "grams": grams_text(ftu.GRAMS_PER_FTU),
        "smaller_grams": grams_text(ftu.SMALLER_HAND_GRAMS_PER_FTU),
    }


def amount_line(amount: ftu.AreaAmount) -> str:
    """ "Face and neck: up to 2½ fingertip units, about 1.25 g, each time"."""
    label = BOTH_LABELS[amount.area] if amount.count == 2 else ADULT_LABELS[amount.area]
    units = amount.units
    return ngettext(
        "%(area)s: up to %(units)s fingertip unit, about %(grams)s g, each time",
        "%(area)s: up to %(units)s fingertip units, about %(grams)s g, each time",
        int(units) if units.denominator == 1 else 2,  # a half is read as plural: "2½ units"
        area=label,
        units=ftu.units_text(units),
        grams=grams_text(amount.grams),
    )


def plan_amount_lines(plan) -> list[str]:
    """Each of the plan's areas with the most it takes each time; areas the guide has no row for say so."""
    if plan is None:
        return []
    lines = [amount_line(a) for a in ftu.plan_amounts(plan.body_areas or [])]
    if "folds" in (plan.body_areas or []):
        lines.append(
            _(
                "Skin folds: a thin layer; a fold is a small part of an arm, leg or the neck, so it needs "
                "much less than the whole area."
            )
        )
    if plan.other_area:
        lines.append(_("%(area)s: ask your prescriber or pharmacist how much.", area=plan.other_area))
    return lines


def tube_lines(plan, tube: TubeEstimate | None, today: dt.date) -> list[str]:
    """What the plan page says of the tube: how long it may last, and when to ask for a new prescription."""
    if tube is None:
        return []
    locale = format_locale(str(get_locale()))
    lines = [
        ngettext(
            "Your %(grams)d g tube, opened on %(opened)s, may last about %(num)d day, to about %(until)s, if every "
            "area took the most the guide gives. Most people need less, so it may last longer.",
            "Your %(grams)d g tube, opened on %(opened)s, may last about %(num)d days, to about %(until)s, if "
            "every area took the most the guide gives. Most people need less, so it may last longer.",
            tube.days,
            grams=tube.grams,
            opened=format_date(tube.opened, "long", locale=locale),
            until=format_date(tube.runs_out, "long", locale=locale),
        )
    ]
    left = tube.days_left(today)
    if left < 1:
        lines.append(_("It may have run out by now. Ask for a new prescription if you need one."))
    elif left <= ftu.NOTICE_DAYS:
        lines.append(
            ngettext(
                "Your tube may run out in about %(num)d day: ask for a new prescription.",
                "Your tube may run out in about %(num)d days: ask for a new prescription.",
                left,
            )
        )
    if ftu.areas_without_amount(plan.body_areas or []) or plan.other_area:
        lines.append(_("Skin folds and other areas are not in this estimate, so the tube may run out sooner."))
    return lines
