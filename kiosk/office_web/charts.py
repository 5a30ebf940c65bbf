"""Bar charts drawn as SVG on the server: no script, printable, and each with its numbers.

A chart is labels along the bottom and one or more series stacked in each bar; the page puts
the same numbers in a table under a <details> beside it, for a screen reader and for checking.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 56
# Colours told apart with the common colour blindnesses (Okabe and Ito's palette).
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000")


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Chart:
    """`series` values line up with `labels`; bars stack the series in order."""

    id: str
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]

    @property
    def totals(self) -> tuple[int, ...]:
        return tuple(sum(s.values[n] for s in self.series) for n in range(len(self.labels)))

    @property
    def total(self) -> int:
        return sum(self.totals)


def _ticks(top: int) -> list[int]:
    step = max(1, -(-top // 4))
    return list(range(0, top + step, step))


def bar_svg(chart: Chart) -> Markup:
    """The chart as an <svg> element, its title and a summary as its accessible name."""
    count = max(1, len(chart.labels))
    ticks = _ticks(max(chart.totals, default=0) or 1)
    top = ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / count
    bar = max(1.0, slot * 0.8)

    def y_of(value: int) -> float:
        return TOP + plot_h - plot_h * value / top

    tall = HEIGHT + 22 * len(chart.series)  # the legend, a line per series, under the plot
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {tall}" '
        f'role="img" aria-labelledby="{chart.id}-title" class="chart">',
        f'<title id="{chart.id}-title">{escape(chart.title)}: {chart.total} in all</title>',
    ]
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12">{tick}</text>'
        )
    every = max(1, -(-count // 16))  # at most 16 labels along the bottom
    for n, label in enumerate(chart.labels):
        x = LEFT + slot * n + (slot - bar) / 2
        base = 0
        for s, series in enumerate(chart.series):
            value = series.values[n]
            if value:
                y = y_of(base + value)
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                    f'height="{y_of(base) - y:.1f}" fill="{COLOURS[s % len(COLOURS)]}">'
                    f"<title>{escape(label)} {escape(series.name)}: {value}</title></rect>"
                )
            base += value
        if n % every == 0:
            cx, cy = x + bar / 2, TOP + plot_h + 14
            parts.append(
                f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="11" text-anchor="end" '
                f'transform="rotate(-40 {cx:.1f} {cy:.1f})">{escape(label)}</text>'
            )
    for s, series in enumerate(chart.series):
        y = HEIGHT + 22 * s
        parts.append(
            f'<rect x="{LEFT}" y="{y}" width="14" height="14" fill="{COLOURS[s % len(COLOURS)]}"/>'
            f'<text x="{LEFT + 20}" y="{y + 12}" font-size="13">{escape(series.name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
