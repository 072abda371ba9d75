"""The report's SVG charts: well-formed, escaped, deterministic, whatever the numbers."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from mlwright.report.svg import (
    Series,
    bar_chart,
    heatmap,
    line_chart,
    scatter_chart,
    spark_bars,
)

NASTY = "<script>alert(1)</script> & co"
SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    return root


def test_labels_are_escaped_everywhere() -> None:
    charts = [
        line_chart(
            [Series(NASTY, [0, 1], [0, 1]), Series("b", [0, 1], [1, 0])],
            title=NASTY,
            x_label=NASTY,
            y_label=NASTY,
            marker_x=0.5,
            marker_label=NASTY,
        ),
        scatter_chart([1, 2], [3, 4], title=NASTY, x_label=NASTY, y_label=NASTY),
        bar_chart([NASTY], [1.0], title=NASTY, value_label=NASTY),
        heatmap(
            [[1, 2], [3, 4]],
            [NASTY, "b"],
            ["a", NASTY],
            title=NASTY,
            row_title=NASTY,
            col_title=NASTY,
        ),
    ]
    for chart in charts:
        root = parse(chart)
        assert "<script>" not in chart
        assert root.find(f"{SVG}title").text == NASTY
        assert re.findall(r"https?://[^\"]+", chart) == ["http://www.w3.org/2000/svg"]


def test_the_same_data_draws_the_same_bytes() -> None:
    def draw() -> str:
        return line_chart(
            [Series("roc", [0, 0.2, 1], [0, 0.7, 1])],
            title="ROC",
            x_label="fpr",
            y_label="tpr",
            diagonal=True,
        )

    assert draw() == draw()


finite_or_not = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**6), 10**6)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(finite_or_not, finite_or_not), max_size=30))
def test_any_numbers_give_a_well_formed_chart(points: list[tuple[float, float]]) -> None:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    parse(line_chart([Series("s", xs, ys)], title="t", x_label="x", y_label="y"))
    parse(scatter_chart(xs, ys, title="t", x_label="x", y_label="y", diagonal=True, zero_line=True))
    values = [v if isinstance(v, int) or math.isfinite(v) else 0.0 for v in ys]
    parse(bar_chart([str(i) for i in range(len(values))], values, title="t", value_label="v"))


def test_extreme_ranges_still_give_numbers() -> None:
    for xs in ([-1.7e308, 1.7e308], [0.0, 1e-320], [1e15, 1e15 + 1]):
        chart = line_chart([Series("s", xs, [0, 1])], title="t", x_label="x", y_label="y")
        parse(chart)
        assert "nan" not in chart
        assert "inf" not in chart


def test_a_scatter_keeps_at_most_its_cap_of_points() -> None:
    n = 10_000
    chart = scatter_chart(
        list(range(n)),
        [i % 7 for i in range(n)],
        title="t",
        x_label="x",
        y_label="y",
        max_points=500,
    )
    assert chart.count("<circle") == 500


def test_constant_and_single_points_draw() -> None:
    parse(line_chart([Series("flat", [1, 2, 3], [5, 5, 5])], title="t", x_label="x", y_label="y"))
    parse(line_chart([Series("one", [1], [1])], title="t", x_label="x", y_label="y"))
    parse(scatter_chart([3], [3], title="t", x_label="x", y_label="y"))


def test_bars_go_both_ways_with_whiskers() -> None:
    chart = bar_chart(
        ["up", "down"], [0.3, -0.1], errors=[(0.2, 0.4), (-0.2, 0.0)], title="t", value_label="v"
    )
    root = parse(chart)
    rects = root.findall(f"{SVG}rect")
    assert len(rects) == 2
    # The negative bar ends where the positive one starts: at zero.
    up, down = rects
    assert math.isclose(
        float(down.get("x")) + float(down.get("width")), float(up.get("x")), abs_tol=0.2
    )
    assert ">0.3<" in chart
    assert ">-0.1<" in chart
    whiskers = [line for line in root.findall(f"{SVG}line") if line.get("y1") == line.get("y2")]
    assert len(whiskers) == 2  # one per bar (the zero axis is vertical)
    # The value is printed past its whisker's end, not over it.
    printed = {t.text: float(t.get("x")) for t in root.findall(f"{SVG}text")}
    assert printed["0.3"] > float(whiskers[0].get("x2"))


def test_a_heatmap_prints_every_count() -> None:
    chart = heatmap(
        [[1200, 3], [45, 678]],
        ["no", "yes"],
        ["no", "yes"],
        title="t",
        row_title="actual",
        col_title="predicted",
    )
    for count in ("1,200", "3", "45", "678"):
        assert f">{count}<" in chart


def test_zero_ticks_read_zero() -> None:
    chart = line_chart([Series("s", [0, 1], [-1, 1])], title="t", x_label="x", y_label="y")
    labels = [t.text for t in parse(chart).findall(f"{SVG}text")]
    assert "0" in labels
    assert "-0" not in labels
    assert not any("e-" in (label or "") for label in labels)


def test_a_marker_outside_the_range_is_left_out() -> None:
    def marked(at: float) -> str:
        return line_chart(
            [Series("s", [0, 1], [0, 1])],
            title="t",
            x_label="x",
            y_label="y",
            marker_x=at,
            marker_label="chosen",
        )

    assert ">chosen<" in marked(0.5)
    for at in (5.0, -1.0, math.nan, math.inf):
        assert "chosen" not in marked(at)


def test_heatmap_shades_by_the_largest_and_prints_shares() -> None:
    chart = heatmap(
        [[0.5, 0.25], [-0.1, math.nan]],
        ["a", "b"],
        ["a", "b"],
        title="t",
        row_title="r",
        col_title="c",
    )
    fills = [r.get("fill") for r in parse(chart).findall(f"{SVG}rect")]
    assert fills[0] == "rgb(65,115,255)"  # the largest is the darkest
    assert fills[2] == fills[3] == "rgb(255,255,255)"  # negative and missing: white
    for text in (">0.5<", ">0.25<", ">-0.1<"):
        assert text in chart


def test_a_spark_histogram_has_one_bar_per_count_scaled_to_the_largest() -> None:
    chart = spark_bars([1, 4, 0, float("nan"), 2], title=NASTY)
    root = parse(chart)
    heights = [float(r.get("height")) for r in root.findall(f"{SVG}rect")]
    assert heights == [6.0, 24.0, 0.0, 0.0, 12.0]
    assert "<script>" not in chart
