"""Small SVG charts drawn by templates from numbers computed here (no JavaScript, no chart library).

Each builder returns plain dicts of coordinates; the templates in `frontend/charts/` draw them with a
<title> per mark and a table of the same numbers beside, so screen readers get the data too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 240, 40, 40, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    text: str


def bars(values: Sequence[tuple[str, float]], maximum: float | None = None, percent: bool = False) -> dict[str, Any]:
    """Vertical bars, one per (label, value); `maximum` fixes the scale (1.0 for rates)."""
    top = maximum if maximum is not None else max([v for _, v in values] + [1])
    top = top or 1
    plot_w, plot_h = WIDTH - PAD_LEFT - 10, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(values), 1)
    out = []
    for i, (label, value) in enumerate(values):
        h = plot_h * min(max(value, 0) / top, 1)
        text = f"{value * 100:.0f}%" if percent else f"{value:g}"
        out.append(Bar(x=PAD_LEFT + i * step + step * 0.15, y=PAD_TOP + plot_h - h, width=step * 0.7, height=h,
                       label=label, value=value, text=text))
    return {"bars": out, "width": WIDTH, "height": HEIGHT, "base": PAD_TOP + plot_h, "left": PAD_LEFT,
            "top_label": f"{top * 100:.0f}%" if percent else f"{top:g}", "top": PAD_TOP,
            "label_y": HEIGHT - PAD_BOTTOM + 16, "step": step}


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    r: float
    kind: str
    value: float
    title: str


def point_map(resources: Sequence[dict[str, Any]], communities: Sequence[dict[str, Any]],
              size: int = 600) -> dict[str, Any]:
    """Resources and communities placed by longitude/latitude in a square (equirectangular, fine at
    district scale); a community's circle is red when its served rate is low."""
    places = [p["location"] for p in [*resources, *communities]]
    if not places:
        return {"points": [], "size": size}
    lats, lons = [p["lat"] for p in places], [p["lon"] for p in places]
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    span = max(lat1 - lat0, lon1 - lon0, 1e-6)
    margin = 12

    def place(loc: dict[str, float]) -> tuple[float, float]:
        x = margin + (loc["lon"] - lon0) / span * (size - 2 * margin)
        y = size - margin - (loc["lat"] - lat0) / span * (size - 2 * margin)
        return round(x, 1), round(y, 1)

    points = []
    for c in communities:
        x, y = place(c["location"])
        kind = "served" if c["servedRate"] >= 0.8 else "partly" if c["servedRate"] >= 0.4 else "unserved"
        points.append(Point(x, y, 5, f"community {kind}", c["servedRate"], f"{c['servedRate'] * 100:.0f}%"))
    for r in resources:
        x, y = place(r["location"])
        points.append(Point(x, y, 3, f"resource {r['category'].lower()}", r["utilisation"],
                            f"{r['category']} {r['utilisation'] * 100:.0f}%"))
    return {"points": points, "size": size}
