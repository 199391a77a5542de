"""Charts as inline SVG, drawn on the server from plain data (no JavaScript, no CDN).

Pure functions: numbers in, markup out. Every text that comes from data is escaped.
Each chart is an image with a <title> and a <desc> (role="img", aria-labelledby);
the page puts a data table beside it for anyone who cannot see the picture. Colours
come from dashboard.css (the admin's light and dark themes); the presentation
attributes are only a fallback.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 720  # viewBox width of the charts over time
LIST_WIDTH = 480  # viewBox width of the ranked lists (they sit two to a row)
MAX_LABEL = 26  # characters of a row label before it is shortened


@dataclass(frozen=True, slots=True)
class Point:
    label: str  # short axis label ("3 Nov") or row label (a product name)
    value: int
    text: str  # what the tooltip says ("Tue 3 Nov 2026: $12.50")


def nice_step(raw: float) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least `raw` (and at least 1)."""
    if raw <= 1:
        return 1
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def label_every(count: int, labels: int = 7) -> int:
    """Label every n-th day so that about `labels` dates fit under the chart."""
    return max(1, math.ceil(count / labels))


def _num(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


def _id(chart_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "chart"


def _open(
    chart_id: str, title: str, desc: str, height: int, kind: str, width: int = WIDTH
) -> list[str]:
    cid = _id(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" focusable="false">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def _empty(parts: list[str], message: str, x: float, y: float) -> None:
    parts.append(
        f'<text class="chart-empty" x="{_num(x)}" y="{_num(y)}" text-anchor="middle" '
        f'fill="#666">{escape(message)}</text>'
    )


def _time_axes(
    parts: list[str],
    points: Sequence[Point],
    y_format: Callable[[int], str],
    *,
    height: int,
    left: int,
) -> tuple[Callable[[int], float], Callable[[int], float], float, int]:
    """Grid, value labels and date labels; returns x(i), y(value), slot width, top value."""
    top_pad, bottom_pad, right_pad = 12, 30, 12
    plot_h = height - top_pad - bottom_pad
    plot_w = WIDTH - left - right_pad
    n = max(len(points), 1)
    slot = plot_w / n
    highest = max((p.value for p in points), default=0)
    step = nice_step(highest / 4) if highest > 0 else 0
    top = step * 4

    def x(i: int) -> float:
        return left + slot * i + slot / 2

    def y(value: int) -> float:
        return top_pad + plot_h - (plot_h * value / top if top else 0)

    parts.append('<g class="chart-grid">')
    for tick in range(0, top + 1, step) if step else [0]:
        ty = y(tick)
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right_pad}" y1="{_num(ty)}" y2="{_num(ty)}" '
            f'stroke="#ccc"/>'
            f'<text class="chart-axis-label" x="{left - 6}" y="{_num(ty + 4)}" '
            f'text-anchor="end" fill="#666">{escape(y_format(tick))}</text>'
        )
    parts.append("</g>")

    every = label_every(len(points))
    parts.append('<g class="chart-x-labels">')
    last = len(points) - 1
    for i, p in enumerate(points):
        if (last - i) % every == 0:  # today is always labelled
            parts.append(
                f'<text class="chart-axis-label" x="{_num(x(i))}" y="{height - 10}" '
                f'text-anchor="middle" fill="#666">{escape(p.label)}</text>'
            )
    parts.append("</g>")
    return x, y, slot, top


def column_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    points: Sequence[Point],
    y_format: Callable[[int], str] = str,
    empty: str = "Nothing in this period",
    height: int = 240,
    left: int = 84,
) -> SafeString:
    """One vertical bar per point (a day), value axis on the left, dates below."""
    parts = _open(chart_id, title, desc, height, "columns")
    x, y, slot, top = _time_axes(parts, points, y_format, height=height, left=left)
    bar_w = max(slot * 0.7, 1.0)
    parts.append('<g class="chart-series">')
    for i, p in enumerate(points):
        y0 = y(max(p.value, 0))
        parts.append(
            f'<rect class="chart-bar" x="{_num(x(i) - bar_w / 2)}" y="{_num(y0)}" '
            f'width="{_num(bar_w)}" height="{_num(y(0) - y0)}" fill="#417690">'
            f"<title>{escape(p.text)}</title></rect>"
        )
    parts.append("</g>")
    if not top:
        _empty(parts, empty, left + (WIDTH - left) / 2, height / 2)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every data text above is escaped


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    points: Sequence[Point],
    y_format: Callable[[int], str] = str,
    empty: str = "Nothing in this period",
    height: int = 200,
    left: int = 48,
) -> SafeString:
    """A line through one marked point per day."""
    parts = _open(chart_id, title, desc, height, "line")
    x, y, _slot, top = _time_axes(parts, points, y_format, height=height, left=left)
    coords = " ".join(f"{_num(x(i))},{_num(y(p.value))}" for i, p in enumerate(points))
    parts.append('<g class="chart-series">')
    if points:
        parts.append(
            f'<polyline class="chart-line" points="{coords}" fill="none" stroke="#417690" '
            f'stroke-width="2"/>'
        )
    for i, p in enumerate(points):
        parts.append(
            f'<circle class="chart-point" cx="{_num(x(i))}" cy="{_num(y(p.value))}" r="3" '
            f'fill="#417690"><title>{escape(p.text)}</title></circle>'
        )
    parts.append("</g>")
    if not top:
        _empty(parts, empty, left + (WIDTH - left) / 2, height / 2)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every data text above is escaped


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_list_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[Point],
    value_format: Callable[[int], str] = str,
    empty: str = "Nothing in this period",
    row_height: int = 26,
    label_width: int = 180,
) -> SafeString:
    """One horizontal bar per row (a product, an answer), labelled on the left."""
    height = max(len(rows), 1) * row_height + 8
    parts = _open(chart_id, title, desc, height, "bars", LIST_WIDTH)
    value_width = 90
    plot_w = LIST_WIDTH - label_width - value_width
    highest = max((r.value for r in rows), default=0)
    parts.append('<g class="chart-series">')
    for i, r in enumerate(rows):
        top = 4 + i * row_height
        mid = top + row_height / 2 + 4
        w = plot_w * r.value / highest if highest > 0 else 0
        parts.append(
            f'<text class="chart-row-label" x="{label_width - 8}" y="{_num(mid)}" '
            f'text-anchor="end" fill="#333">{escape(shorten(r.label))}</text>'
            f'<rect class="chart-bar" x="{label_width}" y="{top + 4}" width="{_num(w)}" '
            f'height="{row_height - 8}" fill="#417690"><title>{escape(r.text)}</title></rect>'
            f'<text class="chart-value" x="{_num(label_width + w + 6)}" y="{_num(mid)}" '
            f'fill="#333">{escape(value_format(r.value))}</text>'
        )
    parts.append("</g>")
    if not rows:
        _empty(parts, empty, LIST_WIDTH / 2, height / 2 + 4)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every data text above is escaped
