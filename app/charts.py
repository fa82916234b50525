"""Small line charts as inline SVG, drawn on the server: no JavaScript, no inline styles.

Colours come from CSS classes (static/css/history.css), so the chart follows light and dark mode
and the Content-Security-Policy. The chart is one image to a screen reader (role="img" with a
title and a description); the page puts the same numbers in a table next to it.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 400, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 12, 56  # room for the tick labels and axis titles
FONT = 14


@dataclass(frozen=True)
class Band:
    """A horizontal stripe from `low` to `high` with a name: "mild" from 0.5 to 3.5."""

    low: float
    high: float
    label: str
    css: str


@dataclass(frozen=True)
class LineChart:
    """What to draw: dates from `start` to `end` across, 0 to `y_max` up; every label already translated."""

    id: str
    title: str
    description: str
    x_label: str
    y_label: str
    start: dt.date
    end: dt.date
    y_max: int
    y_ticks: tuple[int, ...]
    bands: tuple[Band, ...] = ()
    max_gap_days: int = 1  # points further apart than this are not joined: a gap means no entry


def _x(chart: LineChart, day: dt.date) -> float:
    span = max((chart.end - chart.start).days, 1)
    return LEFT + (WIDTH - LEFT - RIGHT) * (day - chart.start).days / span


def _y(chart: LineChart, value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / chart.y_max)


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _segments(chart: LineChart, points: Sequence[tuple[dt.date, float]]) -> list[list[tuple[dt.date, float]]]:
    segments: list[list[tuple[dt.date, float]]] = []
    for point in points:
        if segments and (point[0] - segments[-1][-1][0]).days <= chart.max_gap_days:
            segments[-1].append(point)
        else:
            segments.append([point])
    return segments


def _bands(chart: LineChart) -> list[str]:
    parts = []
    for band in chart.bands:
        top, bottom = _y(chart, band.high), _y(chart, band.low)
        parts.append(
            f'<rect class="chart-band {escape(band.css)}" x="{LEFT}" y="{_num(top)}" '
            f'width="{WIDTH - LEFT - RIGHT}" height="{_num(bottom - top)}"/>'
        )
        # A stripe too thin for a line of text (itch's "none", only the score 0) goes unlabelled rather
        # than have its label spill over the next one; the table beside the chart names every band.
        if bottom - top >= FONT + 4:
            # Labels on the left: the latest points, the ones people look at, are on the right.
            parts.append(
                f'<text class="chart-band-label" x="{LEFT + 6}" y="{_num(top + FONT + 2)}">{escape(band.label)}</text>'
            )
    return parts


def _axes(chart: LineChart, date_label: Callable[[dt.date], str]) -> list[str]:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    parts = []
    for tick in chart.y_ticks:
        y = _y(chart, tick)
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{right}" y1="{_num(y)}" y2="{_num(y)}"/>'
            f'<text class="chart-tick" x="{LEFT - 8}" y="{_num(y + FONT / 3)}" text-anchor="end">{tick}</text>'
        )
    parts.append(f'<line class="chart-axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}"/>')
    parts.append(f'<line class="chart-axis" x1="{LEFT}" x2="{right}" y1="{bottom}" y2="{bottom}"/>')
    for day, anchor in ((chart.start, "start"), (chart.end, "end")):
        parts.append(
            f'<text class="chart-tick" x="{_num(_x(chart, day))}" y="{bottom + FONT + 6}" '
            f'text-anchor="{anchor}">{escape(date_label(day))}</text>'
        )
    parts.append(
        f'<text class="chart-axis-label" x="{_num((LEFT + right) / 2)}" y="{HEIGHT - 8}" '
        f'text-anchor="middle">{escape(chart.x_label)}</text>'
    )
    middle = _num((TOP + bottom) / 2)
    parts.append(
        f'<text class="chart-axis-label" x="{FONT}" y="{middle}" text-anchor="middle" '
        f'transform="rotate(-90 {FONT} {middle})">{escape(chart.y_label)}</text>'
    )
    return parts


def _line(chart: LineChart, points: Sequence[tuple[dt.date, float]]) -> list[str]:
    parts = []
    for segment in _segments(chart, points):
        coords = " ".join(f"{_num(_x(chart, day))},{_num(_y(chart, value))}" for day, value in segment)
        if len(segment) > 1:
            parts.append(f'<polyline class="chart-line" fill="none" points="{coords}"/>')
    parts.extend(
        f'<circle class="chart-point" cx="{_num(_x(chart, day))}" cy="{_num(_y(chart, value))}" r="4"/>'
        for day, value in points
    )
    return parts


def line_chart(
    chart: LineChart, points: Sequence[tuple[dt.date, float]], date_label: Callable[[dt.date], str]
) -> Markup:
    """The chart as an <svg> element; `points` in date order, inside start..end and 0..y_max."""
    title_id, desc_id = f"{chart.id}-title", f"{chart.id}-desc"
    parts = [
        f'<svg class="chart" id="{escape(chart.id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" font-size="{FONT}">',
        f'<title id="{escape(title_id)}">{escape(chart.title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(chart.description)}</desc>',
        *_bands(chart),
        *_axes(chart, date_label),
        *_line(chart, points),
        "</svg>",
    ]
    return Markup("".join(parts))
