"""Peak itch NRS: 0–10, five bands (none, mild, moderate, severe, very severe), and a drop of 4 points that matters."""

import pytest

from app.measures import itch


@pytest.mark.parametrize(
    ("peak", "expected"),
    [
        (0, "none"),
        (1, "mild"),
        (3, "mild"),
        (4, "moderate"),
        (6, "moderate"),
        (7, "severe"),
        (8, "severe"),
        (9, "very_severe"),
        (10, "very_severe"),
    ],
)
def test_every_band_edge(peak, expected):
    assert itch.band(peak) == expected


def test_no_itch_is_not_mild_itch():
    assert itch.band(0) == "none"
    assert itch.band(1) == "mild"


def test_every_score_from_0_to_10_has_exactly_one_band_in_order():
    names = [name for _, name in itch.BANDS]
    bands = [itch.band(peak) for peak in range(itch.PEAK_MIN, itch.PEAK_MAX + 1)]
    assert names == ["none", "mild", "moderate", "severe", "very_severe"]
    assert [names.index(b) for b in bands] == sorted(names.index(b) for b in bands)
    assert set(bands) == set(names)


@pytest.mark.parametrize("peak", [-1, 11, 3.5, True, None, "5"])
def test_a_score_outside_0_to_10_has_no_band(peak):
    with pytest.raises(ValueError):
        itch.band(peak)


@pytest.mark.parametrize(
    ("before", "after", "meaningful"),
    [(8, 4, True), (10, 0, True), (8, 5, False), (4, 4, False), (2, 8, False), (4, 0, True)],
)
def test_a_drop_of_four_points_or_more_is_meaningful(before, after, meaningful):
    assert itch.meaningful_change(before, after) is meaningful


def test_a_rise_is_never_a_meaningful_improvement():
    assert itch.meaningful_change(0, 10) is False


def test_meaningful_change_refuses_scores_outside_the_scale():
    with pytest.raises(ValueError):
        itch.meaningful_change(12, 4)
