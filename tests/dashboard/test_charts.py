"""SVG charts drawn from plain data: well-formed, labelled, escaped, one mark per value."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from scent.dashboard.charts import (
    Point,
    bar_list_chart,
    column_chart,
    label_every,
    line_chart,
    nice_step,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output; raises unless well-formed


def with_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if cls in (e.get("class") or "").split()]


def days(n: int, value=lambda i: i * 100) -> list[Point]:
    return [Point(f"d{i}", value(i), f"day {i}: {value(i)}") for i in range(n)]


@pytest.mark.parametrize("n", [30, 90])
def test_column_chart_has_a_bar_per_day_and_spaced_date_labels(n):
    root = parse(column_chart(chart_id="rev", title="Revenue", desc="Per day", points=days(n)))

    bars = with_class(root, "rect", "chart-bar")
    assert len(bars) == n
    assert [b.find(f"{SVG}title").text for b in bars][:2] == ["day 0: 0", "day 1: 100"]
    date_labels = [t.text for t in root.find(f"{SVG}g[@class='chart-x-labels']")]
    assert len(date_labels) == math.ceil(n / label_every(n))
    assert date_labels[-1] == f"d{n - 1}"  # today is always labelled
    assert 5 <= len(date_labels) <= 8


def test_taller_bars_for_bigger_values():
    root = parse(column_chart(chart_id="c", title="t", desc="d", points=days(3)))
    heights = [float(b.get("height")) for b in with_class(root, "rect", "chart-bar")]
    assert heights[0] == 0
    assert 0 < heights[1] < heights[2]


def test_chart_is_an_image_named_by_its_title_and_description():
    root = parse(column_chart(chart_id="orders 30", title="Orders", desc="42 orders", points=[]))

    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id == "orders-30-title"
    assert root.find(f"{SVG}title").text == "Orders"
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert root.find(f"{SVG}desc").text == "42 orders"


def test_value_axis_uses_round_steps_and_the_given_format():
    points = [Point("a", 0, "a"), Point("b", 3700, "b")]
    root = parse(
        column_chart(
            chart_id="c", title="t", desc="d", points=points, y_format=lambda v: f"${v / 100:.2f}"
        )
    )
    ticks = [t.text for t in root.find(f"{SVG}g[@class='chart-grid']").iter(f"{SVG}text")]
    assert ticks == ["$0.00", "$10.00", "$20.00", "$30.00", "$40.00"]


def test_empty_chart_says_so():
    root = parse(
        column_chart(
            chart_id="c", title="t", desc="d", points=days(30, lambda i: 0), empty="No sales yet"
        )
    )
    assert [e.text for e in with_class(root, "text", "chart-empty")] == ["No sales yet"]
    assert len(with_class(root, "rect", "chart-bar")) == 30

    root = parse(bar_list_chart(chart_id="b", title="t", desc="d", rows=[], empty="Nothing"))
    assert [e.text for e in with_class(root, "text", "chart-empty")] == ["Nothing"]


def test_line_chart_has_a_point_per_day():
    root = parse(line_chart(chart_id="c", title="t", desc="d", points=days(90)))

    assert len(with_class(root, "circle", "chart-point")) == 90
    line = with_class(root, "polyline", "chart-line")[0]
    assert len(line.get("points").split()) == 90


def test_bar_list_chart_labels_rows_and_escapes_names():
    nasty = '<script>alert("x")</script> & Co'
    rows = [Point(nasty, 3, f"{nasty}: 3"), Point("Lavender", 1, "Lavender: 1")]
    svg = bar_list_chart(
        chart_id="top", title=f"Top <b>{nasty}</b>", desc=nasty, rows=rows, value_format=str
    )

    assert "<script>" not in svg
    assert "<b>" not in svg
    root = parse(svg)
    labels = [e.text for e in with_class(root, "text", "chart-row-label")]
    assert labels == ['<script>alert("x")</scrip…', "Lavender"]  # long names shortened
    assert root.find(f"{SVG}title").text == f"Top <b>{nasty}</b>"
    bars = with_class(root, "rect", "chart-bar")
    assert bars[0].find(f"{SVG}title").text == f"{nasty}: 3"
    assert float(bars[0].get("width")) > float(bars[1].get("width")) > 0
    assert [e.text for e in with_class(root, "text", "chart-value")] == ["3", "1"]


@pytest.mark.parametrize(
    ("raw", "step"), [(0, 1), (0.75, 1), (3, 5), (10, 10), (11, 20), (250, 500), (4001, 5000)]
)
def test_nice_step(raw, step):
    assert nice_step(raw) == step
