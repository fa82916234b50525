"""POEM scoring: seven answers of 0–4 add up to 0–28, and the total falls in one band."""

from itertools import pairwise

import pytest

from app.measures import poem


def answers(*scores):
    return dict(zip(poem.ITEMS, scores, strict=True))


def test_the_seven_items_are_in_the_questionnaires_order():
    assert poem.ITEMS == ("itchy", "sleep", "bleeding", "weeping", "cracked", "flaking", "dry")


def test_the_total_score_is_coded_with_its_loinc():
    assert poem.LOINC_TOTAL == "89870-0"


@pytest.mark.parametrize(
    ("day_choice", "expected"), [("none", 0), ("1-2", 1), ("3-4", 2), ("5-6", 3), ("every_day", 4)]
)
def test_each_day_count_scores_by_its_place(day_choice, expected):
    assert poem.item_score(day_choice) == expected


def test_an_unknown_day_count_is_refused():
    with pytest.raises(ValueError):
        poem.item_score("7")


@pytest.mark.parametrize(
    ("total", "expected"),
    [(0, "clear"), (2, "clear"), (3, "mild"), (7, "mild"), (8, "moderate"), (16, "moderate"),
     (17, "severe"), (24, "severe"), (25, "very_severe"), (28, "very_severe")],
)  # fmt: skip
def test_every_band_edge(total, expected):
    assert poem.band(total) == expected


@pytest.mark.parametrize("total", [-1, 29, 7.0, True, None, "7"])
def test_a_total_outside_0_to_28_has_no_band(total):
    with pytest.raises(ValueError):
        poem.band(total)


def test_the_bands_cover_0_to_28_without_gaps():
    ranges = poem.band_ranges()
    assert ranges[0][0] == 0 and ranges[-1][1] == poem.TOTAL_MAX == 28
    assert all(high + 1 == next_low for (_, high, _), (next_low, _, _) in pairwise(ranges))
    assert [name for _, _, name in ranges] == ["clear", "mild", "moderate", "severe", "very_severe"]


def test_scoring_adds_the_answers_and_keeps_them_in_item_order():
    result = poem.score({"dry": 4, "itchy": 3, "sleep": 0, "bleeding": 0, "weeping": 0, "cracked": 0, "flaking": 0})
    assert result == poem.PoemScore(items=(3, 0, 0, 0, 0, 0, 4), total=7, band="mild")


def test_lowest_and_highest_answers_give_0_and_28():
    assert poem.score(answers(0, 0, 0, 0, 0, 0, 0)).band == "clear"
    assert poem.score(answers(4, 4, 4, 4, 4, 4, 4)).total == 28


def test_a_missing_answer_is_refused():
    partial = answers(1, 1, 1, 1, 1, 1, 1)
    del partial["sleep"]
    with pytest.raises(ValueError, match="sleep"):
        poem.score(partial)


def test_an_unknown_item_is_refused():
    with pytest.raises(ValueError, match="mood"):
        poem.score({**answers(1, 1, 1, 1, 1, 1, 1), "mood": 2})


@pytest.mark.parametrize("bad", [5, -1, None, True, 2.0, "2"])
def test_an_answer_outside_0_to_4_is_refused(bad):
    with pytest.raises(ValueError):
        poem.score(answers(bad, 1, 1, 1, 1, 1, 1))
