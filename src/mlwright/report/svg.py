"""Small inline SVG charts for an offline page: lines, scatters, bars and a heatmap.

Each function returns one ``<svg>`` element as ``Markup`` (safe to place in a Jinja page):
text is escaped, coordinates rounded, nothing random, so the same data draws the same bytes.
Non-finite points are skipped; a constant range is widened rather than divided by.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from collections.abc import Sequence

PALETTE = ("#3b6fd8", "#e0712b", "#2e9d5b", "#9b59b6", "#c62828", "#00838f", "#6d4c41")
REFERENCE = "#8a93a3"
FONT = 'font-family="system-ui, sans-serif" font-size="11"'
# Plot margins in pixels: left, right, top, bottom.
MARGIN = (52, 14, 28, 40)
LABEL_CHARS = 28
ROW_PX = 22


@dataclass(frozen=True, slots=True)
class Series:
    """One named line of a line chart."""

    name: str
    xs: Sequence[float]
    ys: Sequence[float]


@dataclass(frozen=True, slots=True)
class _Frame:
    """The plot area and the data ranges it maps."""

    width: int
    height: int
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def x(self, value: float) -> float:
        low, high = self.x_range
        left, right = MARGIN[0], self.width - MARGIN[1]
        return left + (value - low) / (high - low) * (right - left)

    def y(self, value: float) -> float:
        low, high = self.y_range
        top, bottom = MARGIN[2], self.height - MARGIN[3]
        return bottom - (value - low) / (high - low) * (bottom - top)


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    diagonal: bool = False,
    marker_x: float | None = None,
    marker_label: str = "",
    width: int = 420,
    height: int = 300,
) -> Markup:
    """Lines through each series' points (a gap at non-finite ones), with axes and legend."""
    xs = [x for s in series for x, y in _points(s.xs, s.ys)]
    ys = [y for s in series for x, y in _points(s.xs, s.ys)]
    frame = _Frame(width, height, x_range or _span(xs), y_range or _span(ys))
    parts = _axes(frame, x_label, y_label)
    if diagonal:
        low = max(frame.x_range[0], frame.y_range[0])
        high = min(frame.x_range[1], frame.y_range[1])
        if low < high:
            parts.append(_line(frame, (low, low), (high, high)))
    if marker_x is not None and frame.x_range[0] <= marker_x <= frame.x_range[1]:
        x = _r(frame.x(marker_x))
        parts.append(
            f'<line x1="{x}" x2="{x}" y1="{MARGIN[2]}" y2="{height - MARGIN[3]}" '
            f'stroke="#1d2330" stroke-dasharray="4 3"/>'
            f'<text x="{_r(x + 3)}" y="{MARGIN[2] + 10}" {FONT}>{escape(marker_label)}</text>'
        )
    for index, one in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        for run in _runs(one.xs, one.ys):
            points = " ".join(f"{_r(frame.x(x))},{_r(frame.y(y))}" for x, y in run)
            if len(run) == 1:
                x, y = run[0]
                parts.append(
                    f'<circle cx="{_r(frame.x(x))}" cy="{_r(frame.y(y))}" r="2.5" fill="{color}"/>'
                )
            else:
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>'
                )
    if len(series) > 1:
        parts.append(_legend([s.name for s in series], frame))
    return _svg(title, width, height, parts)


def scatter_chart(
    xs: Sequence[float],
    ys: Sequence[float],
    *,
    title: str,
    x_label: str,
    y_label: str,
    diagonal: bool = False,
    zero_line: bool = False,
    max_points: int = 1500,
    width: int = 420,
    height: int = 300,
) -> Markup:
    """Points as small circles (an evenly spaced sample beyond ``max_points``)."""
    points = _points(xs, ys)
    if len(points) > max_points:
        step = (len(points) - 1) / max(max_points - 1, 1)
        points = [points[round(i * step)] for i in range(max_points)]
    frame = _Frame(width, height, _span([p[0] for p in points]), _span([p[1] for p in points]))
    if diagonal:
        both = _span([*frame.x_range, *frame.y_range])
        frame = _Frame(width, height, both, both)
    parts = _axes(frame, x_label, y_label)
    if diagonal:
        low, high = frame.x_range
        parts.append(_line(frame, (low, low), (high, high)))
    if zero_line and frame.y_range[0] < 0 < frame.y_range[1]:
        parts.append(_line(frame, (frame.x_range[0], 0.0), (frame.x_range[1], 0.0)))
    parts += [
        f'<circle cx="{_r(frame.x(x))}" cy="{_r(frame.y(y))}" r="1.8" fill="{PALETTE[0]}" '
        'fill-opacity=".45"/>'
        for x, y in points
    ]
    return _svg(title, width, height, parts)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    value_label: str,
    errors: Sequence[tuple[float, float]] | None = None,
    width: int = 420,
    height: int | None = None,
) -> Markup:
    """Horizontal bars, one row per label in order; whiskers for (low, high) when given."""
    height = height or MARGIN[2] + MARGIN[3] + ROW_PX * max(len(labels), 1)
    left = 170
    finite = [v for v in values if math.isfinite(v)]
    whiskers = [w for pair in errors or () for w in pair if math.isfinite(w)]
    low = min([0.0, *finite, *whiskers])
    high = max([0.0, *finite, *whiskers])
    if low == high:
        high = low + 1.0
    right = width - 60

    def x(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    zero = _r(x(0.0))
    parts = [
        f'<text x="{_r((left + right) / 2)}" y="{height - 8}" text-anchor="middle" {FONT}>'
        f"{escape(value_label)}</text>",
        f'<line x1="{zero}" x2="{zero}" y1="{MARGIN[2] - 4}" y2="{height - MARGIN[3] + 4}" '
        'stroke="#1d2330"/>',
    ]
    for row, (label, value) in enumerate(zip(labels, values, strict=True)):
        top = MARGIN[2] + row * ROW_PX
        middle = _r(top + ROW_PX / 2 + 4)
        short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        parts.append(
            f'<text x="{left - 6}" y="{middle}" text-anchor="end" {FONT}>{escape(short)}'
            f"<title>{escape(label)}</title></text>"
        )
        if not math.isfinite(value):
            continue
        start, end = sorted((x(0.0), x(value)))
        parts.append(
            f'<rect x="{_r(start)}" y="{top + 4}" width="{_r(max(end - start, 0.5))}" '
            f'height="{ROW_PX - 8}" fill="{PALETTE[0]}"><title>{escape(label)}: '
            f"{_value(value)}</title></rect>"
        )
        after = max(end, x(0.0))  # the value is printed right of the bar and its whisker
        if errors is not None:
            w_low, w_high = errors[row]
            if math.isfinite(w_low) and math.isfinite(w_high):
                y = _r(top + ROW_PX / 2)
                parts.append(
                    f'<line x1="{_r(x(w_low))}" x2="{_r(x(w_high))}" y1="{y}" y2="{y}" '
                    'stroke="#1d2330"/>'
                )
                after = max(after, x(w_low), x(w_high))
        parts.append(f'<text x="{_r(after + 4)}" y="{middle}" {FONT}>{_value(value)}</text>')
    return _svg(title, width, height, parts)


def heatmap(
    matrix: Sequence[Sequence[float]],
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    title: str,
    row_title: str,
    col_title: str,
    width: int = 420,
    height: int | None = None,
) -> Markup:
    """Cells shaded white to blue by value over the largest, with each value printed in its cell.

    Whole numbers (counts) print with thousands separators, others to 3 significant digits.
    """
    left, top = 110, 56
    cell_w = (width - left - 10) / max(len(col_labels), 1)
    cell_h = min(cell_w, 48.0)
    height = height or round(top + cell_h * len(row_labels) + 12)
    largest = max([v for row in matrix for v in row if math.isfinite(v)], default=0.0)
    parts = [
        f'<text x="{_r(left + cell_w * len(col_labels) / 2)}" y="{top - 30}" '
        f'text-anchor="middle" font-weight="600" {FONT}>{escape(col_title)}</text>',
        f'<text x="8" y="{top - 8}" font-weight="600" {FONT}>{escape(row_title)}</text>',
    ]
    for j, label in enumerate(col_labels):
        parts.append(
            f'<text x="{_r(left + cell_w * (j + 0.5))}" y="{top - 8}" text-anchor="middle" '
            f"{FONT}>{escape(_short(label))}</text>"
        )
    for i, (label, row) in enumerate(zip(row_labels, matrix, strict=True)):
        y = top + cell_h * i
        parts.append(
            f'<text x="{left - 6}" y="{_r(y + cell_h / 2 + 4)}" text-anchor="end" {FONT}>'
            f"{escape(_short(label))}</text>"
        )
        for j, value in enumerate(row):
            finite = largest > 0 and math.isfinite(value)
            share = min(max(value / largest, 0.0), 1.0) if finite else 0.0
            shade = round(255 - 190 * share)
            fill = f"rgb({shade},{round(255 - 140 * share)},255)"
            ink = "#ffffff" if share > 0.55 else "#1d2330"
            text = _cell(value)
            parts.append(
                f'<rect x="{_r(left + cell_w * j)}" y="{_r(y)}" width="{_r(cell_w)}" '
                f'height="{_r(cell_h)}" fill="{fill}" stroke="#ffffff"/>'
                f'<text x="{_r(left + cell_w * (j + 0.5))}" y="{_r(y + cell_h / 2 + 4)}" '
                f'text-anchor="middle" fill="{ink}" {FONT}>{text}</text>'
            )
    return _svg(title, width, height, parts)


def spark_bars(
    counts: Sequence[float], *, title: str, width: int = 120, height: int = 24
) -> Markup:
    """A tiny histogram for a table cell: one bar per count, scaled to the largest."""
    finite = [c if math.isfinite(c) and c > 0 else 0.0 for c in counts]
    largest = max(finite, default=0.0) or 1.0
    step = width / max(len(finite), 1)
    bars = "".join(
        f'<rect x="{_r(i * step)}" y="{_r(height - height * c / largest)}" '
        f'width="{_r(max(step - 1, 0.5))}" height="{_r(height * c / largest)}" '
        f'fill="{PALETTE[0]}"/>'
        for i, c in enumerate(finite)
    )
    label = escape(title)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{label}"><title>{label}</title>{bars}</svg>'
    )


def _points(xs: Sequence[float], ys: Sequence[float]) -> list[tuple[float, float]]:
    return [
        (float(x), float(y))
        for x, y in zip(xs, ys, strict=False)
        if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)
    ]


def _runs(xs: Sequence[float], ys: Sequence[float]) -> list[list[tuple[float, float]]]:
    """The finite points, in runs broken where a point is missing or not finite."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in zip(xs, ys, strict=False):
        if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((float(x), float(y)))
    return [r for r in runs if r]


def _span(values: Sequence[float]) -> tuple[float, float]:
    """The range of the values, widened when it is a single point (or empty)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        return low - pad, high + pad
    return low, high


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round values between ``low`` and ``high``."""
    raw = (high - low) / count
    if not (math.isfinite(raw) and raw > 0):
        return [low, high] if math.isfinite(low) and math.isfinite(high) else []
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = -(-(low / step - 1e-9) // 1) * step  # float arithmetic: no huge integers
    ticks: list[float] = []
    value = first
    while value <= high + step * 1e-9 and len(ticks) <= 2 * count:
        ticks.append(0.0 if abs(value) < step * 1e-6 else value)  # no -0 or 1e-17 at zero
        value += step
    return ticks


def _axes(frame: _Frame, x_label: str, y_label: str) -> list[str]:
    left, right = MARGIN[0], frame.width - MARGIN[1]
    top, bottom = MARGIN[2], frame.height - MARGIN[3]
    parts = [
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
        'fill="#fafbfd" stroke="#d5d9e2"/>'
    ]
    for tick in _ticks(*frame.x_range):
        x = _r(frame.x(tick))
        parts.append(
            f'<line x1="{x}" x2="{x}" y1="{bottom}" y2="{bottom + 4}" stroke="#5b6475"/>'
            f'<text x="{x}" y="{bottom + 15}" text-anchor="middle" {FONT}>{_tick(tick)}</text>'
        )
    for tick in _ticks(*frame.y_range):
        y = _r(frame.y(tick))
        parts.append(
            f'<line x1="{left - 4}" x2="{left}" y1="{y}" y2="{y}" stroke="#5b6475"/>'
            f'<text x="{left - 6}" y="{_r(y + 4)}" text-anchor="end" {FONT}>{_tick(tick)}</text>'
        )
    parts.append(
        f'<text x="{_r((left + right) / 2)}" y="{frame.height - 6}" text-anchor="middle" '
        f"{FONT}>{escape(x_label)}</text>"
        f'<text x="12" y="{_r((top + bottom) / 2)}" text-anchor="middle" {FONT} '
        f'transform="rotate(-90 12 {_r((top + bottom) / 2)})">{escape(y_label)}</text>'
    )
    return parts


def _line(frame: _Frame, start: tuple[float, float], end: tuple[float, float]) -> str:
    return (
        f'<line x1="{_r(frame.x(start[0]))}" y1="{_r(frame.y(start[1]))}" '
        f'x2="{_r(frame.x(end[0]))}" y2="{_r(frame.y(end[1]))}" stroke="{REFERENCE}" '
        'stroke-dasharray="5 4"/>'
    )


def _legend(names: Sequence[str], frame: _Frame) -> str:
    x = frame.width - MARGIN[1] - 150
    items = []
    for index, name in enumerate(names):
        y = MARGIN[2] + 12 + 14 * index
        color = PALETTE[index % len(PALETTE)]
        items.append(
            f'<rect x="{x}" y="{y - 8}" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14}" y="{y + 1}" {FONT}>{escape(_short(name))}</text>'
        )
    return "".join(items)


def _svg(title: str, width: int, height: int, parts: list[str]) -> Markup:
    label = escape(title)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" role="img" aria-label="{label}"><title>{label}</title>'
        f'<text x="{MARGIN[0]}" y="16" font-weight="600" {FONT}>{label}</text>'
    )
    return Markup(head + "".join(parts) + "</svg>")  # every part is escaped


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _tick(value: float) -> str:
    """A compact axis label: 0.25, 1.2k, 3M."""
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.3g}M"
    if magnitude >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def _cell(value: float) -> str:
    """A heatmap cell's text: a count as 1,234; a share as 0.123; nothing when not finite."""
    if not math.isfinite(value):
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:.3g}"


def _value(value: float) -> str:
    return f"{value:.3g}"


def _r(value: float) -> float:
    """A coordinate to one decimal; 0 for one that overflowed (an SVG must hold numbers)."""
    return round(value, 1) if math.isfinite(value) else 0.0
