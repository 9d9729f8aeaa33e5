"""Accessible SVG charts drawn on the server: no JavaScript, no map tiles.

Each chart has a title and a description, and the page puts the same figures
in a table beside it. Suppressed figures are drawn as hidden (hatched grey),
never as a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join

from directory import geo
from evidence.suppression import Table

# Light to dark, distinguishable in greyscale too; each circle also carries its label.
SHADES = ["#deebf7", "#9ecae1", "#4292c6", "#08519c", "#08306b"]


def _hatch(uid: str) -> tuple[str, str]:
    """A hatch pattern for hidden figures (unique id per chart) and its fill reference."""
    pattern = format_html(
        '<defs><pattern id="hatch-{}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f3f2f1"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#505a5f" stroke-width="2"/></pattern></defs>',
        uid,
    )
    return pattern, f"url(#hatch-{uid})"


@dataclass
class MapPoint:
    district: str
    x: float
    y: float
    unmet: int | None  # searches with no or few results; None when hidden
    total: int | None
    label: str


def _band(value: int, edges: list[int]) -> int:
    return max(i for i, edge in enumerate(edges) if value >= edge)


def unmet_edges(values: list[int]) -> list[int]:
    """Five bands from 5 upwards, spread over the figures shown."""
    top = max(values, default=5)
    step = max(1, math.ceil((top - 5) / 4)) if top > 5 else 1
    return [5 + i * step for i in range(5)]


def gap_map_points(table: Table, width: int = 640, height: int = 480, pad: int = 40):
    """Place each district of the demand table at its centroid (equirectangular)."""
    centroids = geo.outcodes()
    rows = [row for row in table.rows if not row.is_total and row.label in centroids]
    if not rows:
        return []
    lats = [centroids[r.label][0] for r in rows]
    lngs = [centroids[r.label][1] for r in rows]
    mid_lat = math.radians(sum(lats) / len(lats))
    xs = [lng * math.cos(mid_lat) for lng in lngs]
    span_x = (max(xs) - min(xs)) or 0.01
    span_y = (max(lats) - min(lats)) or 0.01
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    points = []
    for row, lat, x in zip(rows, lats, xs, strict=True):
        none, few, _, total = row.cells
        unmet = none.value + few.value if not (none.hidden or few.hidden) else None
        points.append(
            MapPoint(
                district=row.label,
                x=pad + (x - min(xs)) * scale,
                y=height - pad - (lat - min(lats)) * scale,
                unmet=unmet,
                total=None if total.hidden else total.value,
                label=(
                    f"{row.label}: {unmet} searches with no or few results of {total.display()}"
                    if unmet is not None
                    else f"{row.label}: figures not shown (small numbers)"
                ),
            )
        )
    return points


def gap_map_svg(table: Table, width: int = 640, height: int = 480) -> str:
    hatch, hidden_fill = _hatch("map")
    points = gap_map_points(table, width, height)
    edges = unmet_edges([p.unmet for p in points if p.unmet is not None])
    circles = []
    for p in points:
        fill = hidden_fill if p.unmet is None or p.unmet < 5 else SHADES[_band(p.unmet, edges)]
        text_fill = "#ffffff" if fill in SHADES[2:] else "#0b0c0c"
        x, y = f"{p.x:.1f}", f"{p.y:.1f}"
        circles.append((x, y, fill, p.label, x, f"{p.y + 4:.1f}", text_fill, p.district))
    legend = [
        (
            20 + i * 115,
            height + 10,
            SHADES[i],
            20 + i * 115 + 24,
            height + 25,
            f"{edges[i]}" + (f" to {edges[i + 1] - 1}" if i + 1 < len(edges) else " or more"),
        )
        for i in range(len(SHADES))
    ]
    body = format_html_join(
        "\n",
        '<g><title>{}</title><circle cx="{}" cy="{}" r="18" fill="{}" '
        'stroke="#0b0c0c" stroke-width="1"/>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text></g>',
        ((c[3], c[0], c[1], c[2], c[4], c[5], c[6], c[7]) for c in circles),
    )
    legend_svg = format_html_join(
        "\n",
        '<rect x="{}" y="{}" width="20" height="20" fill="{}" stroke="#0b0c0c"/>'
        '<text x="{}" y="{}" font-size="12">{}</text>',
        legend,
    )
    hidden_key = format_html(
        '<rect x="{}" y="{}" width="20" height="20" fill="{}" stroke="#0b0c0c"/>'
        '<text x="{}" y="{}" font-size="12">{}</text>',
        20,
        height + 40,
        hidden_fill,
        44,
        height + 55,
        "fewer than 5, or not shown",
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="gap-map-title gap-map-desc" class="chart chart--map">'
        '<title id="gap-map-title">Map of unmet demand by postcode district</title>'
        '<desc id="gap-map-desc">Each circle is a postcode district at its centre; the darker '
        "the circle, the more searches there found no or few results. The table beside the map "
        "has the same figures.</desc>"
        "{hatch}"
        "{body}{legend}{hidden}</svg>",
        w=width,
        h=height + 70,
        body=body,
        legend=legend_svg,
        hidden=hidden_key,
        hatch=hatch,
    )


def bar_chart_svg(table: Table, column: int, title: str, width: int = 640) -> str:
    """Horizontal bars of one count column; hidden figures drawn as a hatched stub."""
    hatch, hidden_fill = _hatch(table.key)
    rows = [row for row in table.rows if not row.is_total]
    bar_height, gap, label_width = 22, 8, 220
    height = len(rows) * (bar_height + gap) + 10
    shown = [row.cells[column].value for row in rows if not row.cells[column].hidden]
    top = max(shown, default=1) or 1
    bars = []
    for i, row in enumerate(rows):
        cell = row.cells[column]
        y = 5 + i * (bar_height + gap)
        length = 0 if cell.hidden else (width - label_width - 80) * cell.value / top
        bars.append(
            (
                f"{row.label}: {cell.display()}",
                label_width - 8,
                y + 15,
                row.label,
                label_width,
                y,
                f"{max(length, 6):.1f}",
                bar_height,
                hidden_fill if cell.hidden else SHADES[3],
                f"{label_width + max(length, 6) + 6:.1f}",
                y + 15,
                cell.display(),
            )
        )
    body = format_html_join(
        "\n",
        '<g><title>{}</title><text x="{}" y="{}" text-anchor="end" font-size="12">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
        '<text x="{}" y="{}" font-size="12">{}</text></g>',
        bars,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}" class="chart">'
        "{}"
        "{}</svg>",
        width,
        height,
        f"{title}. The table beside the chart has the same figures.",
        hatch,
        body,
    )
