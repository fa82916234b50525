"""Fingertip units (FTU): how much cream covers a body area, and about how long a tube lasts.

One fingertip unit is the cream squeezed from the tip of an adult's index finger to the first crease:
about 0.5 g (about 0.4 g for a smaller adult hand). The tables say how many units cover the WHOLE of an
area; only the part of an area that has eczema gets cream, in a thin layer, so a table amount is the
most that area takes, never a dose, and never more than the plan. The plan decides how often.

Sources: Long CC, Finlay AY. The finger-tip unit: a new practical measure. Clin Exp Dermatol
1991;16:444-7 (adults); Long CC, Mills CM, Finlay AY. A practical guide to topical therapy in children.
Br J Dermatol 1998;138:293-6 (children, in units of an adult's fingertip).
"""

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction

GRAMS_PER_FTU = Fraction(1, 2)
SMALLER_HAND_GRAMS_PER_FTU = Fraction(2, 5)
TUBE_SIZES = (30, 60, 100)  # grams
NOTICE_DAYS = 7  # a tube that may run out within this many days gets a note in the inbox

# Areas of the two tables.
FACE_NECK, ARM, HAND, LEG, FOOT = "face_neck", "arm", "hand", "leg", "foot"
TRUNK_FRONT, TRUNK_BACK = "trunk_front", "trunk_back"
ARM_HAND, LEG_FOOT = "arm_hand", "leg_foot"

# Long & Finlay 1991: one of each area (one arm, one hand on both sides, ...).
ADULT = {
    FACE_NECK: Fraction(5, 2),
    ARM: Fraction(3),
    HAND: Fraction(1),
    LEG: Fraction(6),
    FOOT: Fraction(2),
    TRUNK_FRONT: Fraction(7),
    TRUNK_BACK: Fraction(7),  # including the buttocks
}

AGES = ("3-6m", "1-2y", "3-5y", "6-10y")
# Long, Mills & Finlay 1998: units for one area at each age in AGES.
CHILD = {
    FACE_NECK: (Fraction(1), Fraction(3, 2), Fraction(3, 2), Fraction(2)),
    ARM_HAND: (Fraction(1), Fraction(3, 2), Fraction(2), Fraction(5, 2)),
    LEG_FOOT: (Fraction(3, 2), Fraction(2), Fraction(3), Fraction(9, 2)),
    TRUNK_FRONT: (Fraction(1), Fraction(2), Fraction(3), Fraction(7, 2)),
    TRUNK_BACK: (Fraction(3, 2), Fraction(3), Fraction(7, 2), Fraction(5)),  # including the buttocks
}

# The plan's body areas (app.web.patient.forms.BODY_AREAS) as (table area, how many of it): "hands" is
# both hands. Face and neck share one row. Skin folds and "other" have no row of their own.
PLAN_AREAS = {
    "face": ((FACE_NECK, 1),),
    "neck": ((FACE_NECK, 1),),
    "hands": ((HAND, 2),),
    "arms": ((ARM, 2),),
    "legs": ((LEG, 2),),
    "trunk": ((TRUNK_FRONT, 1), (TRUNK_BACK, 1)),
    "folds": (),
}


@dataclass(frozen=True)
class AreaAmount:
    """The most a plan's area takes each time: `count` of the adult table's `area`."""

    area: str
    count: int
    units: Fraction

    @property
    def grams(self) -> Fraction:
        return self.units * GRAMS_PER_FTU


def plan_amounts(body_areas: list[str]) -> list[AreaAmount]:
    """The adult amounts for a plan's body areas, in table order, each table row once."""
    wanted = {pair for area in body_areas for pair in PLAN_AREAS.get(area, ())}
    return [
        AreaAmount(area, count, ADULT[area] * count) for area in ADULT for count in (1, 2) if (area, count) in wanted
    ]


def areas_without_amount(body_areas: list[str]) -> list[str]:
    """The plan's areas the tables have no row for (skin folds, or an area not in the tables)."""
    return [area for area in body_areas if not PLAN_AREAS.get(area)]


def units_text(units: Fraction) -> str:
    """Units as a person reads them: "3", "2½", "½"."""
    whole, rest = divmod(units, 1)
    if rest not in (0, Fraction(1, 2)):
        raise ValueError(f"the tables use whole and half units, not {units}")
    half = "½" if rest else ""
    return f"{whole}{half}" if whole or not half else half


@dataclass(frozen=True)
class TubeEstimate:
    """How long a tube may last if each area took the most the guide gives, every dose of the plan."""

    grams: int
    opened: dt.date
    grams_per_day: Fraction
    days: int  # whole days a full tube lasts, rounded down: the estimate errs on running out early

    @property
    def runs_out(self) -> dt.date:
        return self.opened + dt.timedelta(days=self.days)

    @property
    def notice_on(self) -> dt.date:
        """The day the inbox note is due: NOTICE_DAYS before the tube may run out (not before it opened)."""
        return max(self.opened, self.runs_out - dt.timedelta(days=NOTICE_DAYS))

    def days_left(self, today: dt.date) -> int:
        return (self.runs_out - today).days


def estimate_tube(body_areas: list[str], doses_per_day: int, grams: int | None, opened: dt.date | None):
    """The TubeEstimate for a plan's areas and doses a day, or None without a tube or any area in the tables."""
    units = sum((amount.units for amount in plan_amounts(body_areas)), Fraction(0))
    if not grams or opened is None or not units or doses_per_day < 1:
        return None
    per_day = units * GRAMS_PER_FTU * doses_per_day
    return TubeEstimate(grams, opened, per_day, math.floor(grams / per_day))
