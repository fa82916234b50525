"""The fingertip-unit guide: the published tables, the plan's areas, and how long a tube lasts."""

import datetime as dt
from fractions import Fraction

import pytest

from app.measures import ftu

JUNE_1 = dt.date(2026, 6, 1)


def test_the_adult_table_is_long_and_finlay_1991():
    assert {area: str(units) for area, units in ftu.ADULT.items()} == {
        "face_neck": "5/2",
        "arm": "3",
        "hand": "1",
        "leg": "6",
        "foot": "2",
        "trunk_front": "7",
        "trunk_back": "7",
    }


def test_the_childrens_table_is_long_mills_and_finlay_1998_by_age():
    assert ftu.AGES == ("3-6m", "1-2y", "3-5y", "6-10y")
    assert {area: [ftu.units_text(u) for u in units] for area, units in ftu.CHILD.items()} == {
        "face_neck": ["1", "1½", "1½", "2"],
        "arm_hand": ["1", "1½", "2", "2½"],
        "leg_foot": ["1½", "2", "3", "4½"],
        "trunk_front": ["1", "2", "3", "3½"],
        "trunk_back": ["1½", "3", "3½", "5"],
    }


def test_one_unit_is_half_a_gram_and_less_for_a_smaller_hand():
    assert Fraction(1, 2) == ftu.GRAMS_PER_FTU
    assert Fraction(2, 5) == ftu.SMALLER_HAND_GRAMS_PER_FTU


@pytest.mark.parametrize(
    ("units", "text"), [(Fraction(5, 2), "2½"), (Fraction(1, 2), "½"), (Fraction(3), "3"), (Fraction(12), "12")]
)
def test_units_read_as_whole_and_half_units(units, text):
    assert ftu.units_text(units) == text


def test_a_unit_the_tables_never_use_is_refused():
    with pytest.raises(ValueError):
        ftu.units_text(Fraction(1, 3))


def test_face_and_neck_share_one_row_taken_once():
    amounts = ftu.plan_amounts(["face", "neck"])
    assert [(a.area, a.count, a.units, a.grams) for a in amounts] == [("face_neck", 1, Fraction(5, 2), Fraction(5, 4))]


def test_hands_arms_and_legs_are_both_of_them():
    amounts = {a.area: (a.count, a.units) for a in ftu.plan_amounts(["legs", "hands", "arms"])}
    assert amounts == {"hand": (2, 2), "arm": (2, 6), "leg": (2, 12)}


def test_chest_belly_or_back_gives_the_front_and_the_back_in_table_order():
    assert [(a.area, a.units) for a in ftu.plan_amounts(["trunk", "face"])] == [
        ("face_neck", Fraction(5, 2)),
        ("trunk_front", 7),
        ("trunk_back", 7),
    ]


def test_skin_folds_have_no_row_and_are_named_as_such():
    assert ftu.plan_amounts(["folds"]) == []
    assert ftu.areas_without_amount(["face", "folds"]) == ["folds"]


def test_face_and_neck_twice_a_day_uses_at_most_2_5_g_so_a_30_g_tube_lasts_12_days():
    tube = ftu.estimate_tube(["face", "neck"], 2, 30, JUNE_1)
    assert tube.grams_per_day == Fraction(5, 2)
    assert tube.days == 12
    assert tube.runs_out == dt.date(2026, 6, 13)
    assert tube.notice_on == dt.date(2026, 6, 6)  # 7 days before
    assert tube.days_left(dt.date(2026, 6, 6)) == 7


@pytest.mark.parametrize(
    ("areas", "doses", "grams", "days"),
    [
        (["face"], 1, 30, 24),  # 1.25 g a day
        (["face"], 2, 100, 40),  # 2.5 g a day
        (["hands"], 2, 60, 30),  # 2 units x 0.5 g x 2 = 2 g a day
        (["trunk"], 2, 100, 7),  # 14 g a day: 7.1 days, rounded down
        (["face", "arms"], 2, 60, 7),  # (2.5 + 6) x 0.5 x 2 = 8.5 g a day: 7.06 days
    ],
)
def test_a_tube_lasts_its_grams_over_the_most_used_a_day_rounded_down(areas, doses, grams, days):
    assert ftu.estimate_tube(areas, doses, grams, JUNE_1).days == days


def test_a_tube_that_may_run_out_within_a_week_is_noticed_the_day_it_is_opened():
    tube = ftu.estimate_tube(["trunk", "legs"], 2, 30, JUNE_1)  # 26 g a day: 1 day
    assert (tube.days, tube.notice_on) == (1, JUNE_1)


@pytest.mark.parametrize(
    ("areas", "doses", "grams", "opened"),
    [
        (["face"], 2, None, JUNE_1),
        (["face"], 2, 30, None),
        (["folds"], 2, 30, JUNE_1),
        ([], 2, 30, JUNE_1),
        (["face"], 0, 30, JUNE_1),
    ],
)
def test_no_estimate_without_a_tube_an_area_in_the_tables_or_a_dose(areas, doses, grams, opened):
    assert ftu.estimate_tube(areas, doses, grams, opened) is None
