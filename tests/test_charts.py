"""Charts: inline SVG drawn on the server, labelled for screen readers, with no inline styles."""

import datetime as dt

from bs4 import BeautifulSoup

from app.charts import HEIGHT, WIDTH, Band, LineChart, line_chart

START, END = dt.date(2026, 5, 3), dt.date(2026, 6, 1)
# The itch bands as the history page draws them: stripes halfway between whole scores.
ITCH_BANDS = (
    Band(0, 0.5, "none", "chart-band-none"),
    Band(0.5, 3.5, "mild", "chart-band-mild"),
    Band(3.5, 6.5, "moderate", "chart-band-moderate"),
    Band(6.5, 8.5, "severe", "chart-band-severe"),
    Band(8.5, 10, "very severe", "chart-band-very_severe"),
)


def chart(**changes) -> LineChart:
    values = dict(
        id="itch-chart", title="Peak itch, last 30 days", description="3 scores. Latest: 3 (mild).",
        x_label="Date", y_label="Peak itch (0 to 10)", start=START, end=END, y_max=10, y_ticks=(0, 5, 10),
        bands=ITCH_BANDS,
    )  # fmt: skip
    return LineChart(**(values | changes))


def draw(points, **changes) -> BeautifulSoup:
    svg = line_chart(chart(**changes), points, lambda day: day.strftime("%d %b"))
    return BeautifulSoup(str(svg), "html.parser")


POINTS = [(dt.date(2026, 5, 20), 8), (dt.date(2026, 5, 21), 6), (dt.date(2026, 5, 31), 3)]


def test_the_chart_is_one_labelled_image():
    svg = draw(POINTS).svg
    assert svg["role"] == "img"
    assert svg["aria-labelledby"] == "itch-chart-title itch-chart-desc"
    assert svg.find("title", id="itch-chart-title").get_text() == "Peak itch, last 30 days"
    assert svg.find("desc", id="itch-chart-desc").get_text() == "3 scores. Latest: 3 (mild)."
    assert svg["viewbox"] == f"0 0 {WIDTH} {HEIGHT}"


def test_the_chart_has_axis_titles_ticks_and_the_period_dates():
    texts = [t.get_text() for t in draw(POINTS).find_all("text")]
    assert {"Date", "Peak itch (0 to 10)", "0", "5", "10", "03 May", "01 Jun"} <= set(texts)
    assert {"mild", "moderate", "severe", "very severe"} <= set(texts)


def test_colours_come_from_classes_never_from_inline_styles():
    soup = draw(POINTS)
    assert not soup.select("[style]") and not soup.find("style")
    assert soup.select("polyline.chart-line") and len(soup.select("circle.chart-point")) == 3
    assert [r["class"][1] for r in soup.select("rect.chart-band")] == [
        "chart-band-none",
        "chart-band-mild",
        "chart-band-moderate",
        "chart-band-severe",
        "chart-band-very_severe",
    ]


def test_a_band_too_thin_for_a_line_of_text_is_drawn_without_a_label():
    labels = [t.get_text() for t in draw(POINTS).select("text.chart-band-label")]
    assert labels == ["mild", "moderate", "severe", "very severe"]  # "none" is the score 0 alone
    assert len(draw(POINTS).select("rect.chart-band")) == 5


def test_points_sit_where_their_date_and_value_put_them():
    circles = draw(POINTS).select("circle.chart-point")
    xs = [float(c["cx"]) for c in circles]
    ys = [float(c["cy"]) for c in circles]
    assert xs == sorted(xs) and ys == sorted(ys)  # later dates to the right, lower itch further down
    last = draw([(END, 10)]).select_one("circle.chart-point")
    first = draw([(START, 0)]).select_one("circle.chart-point")
    assert float(last["cx"]) > float(first["cx"]) and float(last["cy"]) < float(first["cy"])


def test_a_gap_without_entries_breaks_the_line():
    lines = draw(POINTS).select("polyline.chart-line")
    assert len(lines) == 1 and len(lines[0]["points"].split()) == 2  # 20–21 May joined; 31 May alone
    assert len(draw(POINTS, max_gap_days=14).select("polyline.chart-line")[0]["points"].split()) == 3


def test_labels_are_escaped():
    soup = draw(POINTS, title="<script>alert(1)</script>", x_label="a & b")
    assert not soup.find("script")
    assert soup.find("title").get_text() == "<script>alert(1)</script>"
    assert "a &amp; b" in str(line_chart(chart(x_label="a & b"), POINTS, str))
