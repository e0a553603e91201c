"""Small SVG charts drawn by templates from numbers computed here (no JavaScript, no chart library).

Each builder returns plain dicts of coordinates; the templates in `frontend/charts/` draw them with a
<title> per mark and a table of the same numbers beside, so screen readers get the data too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from frontend import labels

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 240, 40, 40, 10
# Two drawings of each bar chart, one shown by screen width (app.css): `wide` from 40rem (drawn at least
# 640 px wide) and `narrow` on phones (drawn about 290-360 px wide). Font sizes are in viewBox units, so
# each is at least 12 px on the screens it is shown on: 13 in the wide drawing, 15 in the narrow one
# (340 units drawn 290 px wide is 12.8 px).
LAYOUTS = {"wide": {"width": 640, "font": 13, "max_labels": 24, "chars": 8},
           "narrow": {"width": 340, "font": 15, "max_labels": 5, "chars": 5}}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    text: str
    short: str = ""  # the label as drawn (abbreviated), empty when this bar's label is skipped
    label_x: float = 0.0


def _abbreviate(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars - 1] + "…"


def _layout(values: Sequence[tuple[str, float]], top: float, percent: bool, width: int, font: int,
            max_labels: int, chars: int) -> dict[str, Any]:
    """One drawing: every k-th label (at most `max_labels`), abbreviated to `chars`, turned 45° when
    side by side they would not fit in their share of the axis."""
    n = max(len(values), 1)
    plot_w = width - PAD_LEFT - 10
    step = plot_w / n
    every = -(-n // max_labels)  # ceil
    longest = max([min(len(label), chars) for label, _ in values] + [1])
    rotate = longest * font > step * every * 0.9
    pad_bottom = (int(longest * font * 0.75) + font + 8) if rotate else font + 18
    height = HEIGHT - PAD_BOTTOM + pad_bottom
    plot_h = height - pad_bottom - PAD_TOP
    out = []
    for i, (label, value) in enumerate(values):
        h = plot_h * min(max(value, 0) / top, 1)
        text = f"{value * 100:.0f}%" if percent else f"{value:g}"
        shown = _abbreviate(label, chars) if i % every == 0 else ""
        x = PAD_LEFT + i * step
        out.append(Bar(x=x + step * 0.15, y=PAD_TOP + plot_h - h, width=step * 0.7, height=h, label=label,
                       value=value, text=text, short=shown, label_x=round(x + step / 2, 1)))
    return {"bars": out, "width": width, "height": height, "base": PAD_TOP + plot_h, "left": PAD_LEFT,
            "top_label": f"{top * 100:.0f}%" if percent else f"{top:g}", "top": PAD_TOP, "font": font,
            "label_y": PAD_TOP + plot_h + font + 4, "step": step, "rotate": rotate, "every": every}


def bars(values: Sequence[tuple[str, float]], maximum: float | None = None, percent: bool = False) -> dict[str, Any]:
    """Vertical bars, one per (label, value); `maximum` fixes the scale (1.0 for rates). Returns both
    drawings (`wide`, `narrow`)."""
    top = maximum if maximum is not None else max([v for _, v in values] + [1])
    top = top or 1
    return {name: _layout(values, top, percent, **spec) for name, spec in LAYOUTS.items()}


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    r: float
    kind: str
    value: float
    title: str


MAP_STATES = ("WAITING", "PROPOSED", "PARTLY", "SERVED", "NO_NEED")


def map_legend() -> list[dict[str, str]]:
    """The map's legend: one entry per community state the API answers, in its display order."""
    names = {"WAITING": _("Needs waiting, nothing proposed"), "PROPOSED": _("Proposals waiting for units"),
             "PARTLY": _("Partly served"), "SERVED": _("Mostly served"), "NO_NEED": _("No need in this period")}
    return [{"state": s, "css": s.lower().replace("_", "-"), "name": names[s]} for s in MAP_STATES]


def point_map(resources: Sequence[dict[str, Any]], communities: Sequence[dict[str, Any]],
              size: int = 600) -> dict[str, Any]:
    """Resources and communities placed by longitude/latitude in a square (equirectangular, fine at
    district scale); a community's circle is coloured by the state the API gives it (`state`)."""
    places = [p["location"] for p in [*resources, *communities]]
    if not places:
        return {"points": [], "size": size, "legend": map_legend(), "bounds": None}
    lats, lons = [p["lat"] for p in places], [p["lon"] for p in places]
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    span = max(lat1 - lat0, lon1 - lon0, 1e-6)
    margin = 12

    def place(loc: dict[str, float]) -> tuple[float, float]:
        x = margin + (loc["lon"] - lon0) / span * (size - 2 * margin)
        y = size - margin - (loc["lat"] - lat0) / span * (size - 2 * margin)
        return round(x, 1), round(y, 1)

    names = {e["state"]: e["name"] for e in map_legend()}
    points = []
    for c in communities:
        x, y = place(c["location"])
        state = c.get("state") or "NO_NEED"
        title = _("%(name)s: %(state)s; demand %(demand)s, proposed %(proposed)s, accepted %(served)s") % {
            "name": c.get("name", ""), "state": names.get(state, ""), "demand": c.get("demandQuantity", 0),
            "proposed": c.get("proposedQuantity", 0), "served": c.get("servedQuantity", 0)}
        points.append(Point(x, y, 6, f"community {state.lower().replace('_', '-')}", c["servedRate"], title))
    for r in resources:
        x, y = place(r["location"])
        points.append(Point(x, y, 3, f"resource {r['category'].lower()}", r["utilisation"],
                            f"{labels.CATEGORY.get(r['category'], '')} {r['utilisation'] * 100:.0f}%"))
    # the bounds let the page turn a click on the map back into coordinates (the unit's location picker)
    bounds = {"lat0": lat0, "lon0": lon0, "span": span, "margin": margin, "size": size}
    return {"points": points, "size": size, "legend": map_legend(), "bounds": bounds}


def pipeline(stats: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps from demand to use, each with its number and its share of the demand (for a <meter>)."""
    demand = int(stats.get("demandQuantity") or 0)
    steps = [("demand", _("Asked for"), demand), ("proposed", _("Proposed, waiting for units"),
                                                  int(stats.get("proposedQuantity") or 0)),
             ("accepted", _("Accepted by units"), int(stats.get("servedQuantity") or 0))]
    return [{"key": k, "label": label, "value": v, "max": max(demand, 1)} for k, label, v in steps]


def picker_map(places: Sequence[dict[str, Any]], size: int = 600) -> dict[str, Any]:
    """The district's communities as grey dots, with the bounds a click is turned back into coordinates
    with (static/frontend/app.js: x = margin + (lon - lon0) / span * (size - 2 margin), y likewise)."""
    points = [p["location"] for p in places]
    if not points:
        return {"dots": [], "size": size, "bounds": None}
    lats, lons = [p["lat"] for p in points], [p["lon"] for p in points]
    pad = 0.004  # about 400 m around the outermost communities, so a unit at the edge can be placed
    lat0, lon0 = min(lats) - pad, min(lons) - pad
    span = max(max(lats) - min(lats), max(lons) - min(lons)) + 2 * pad
    margin = 12

    def place(loc: dict[str, float]) -> tuple[float, float]:
        x = margin + (loc["lon"] - lon0) / span * (size - 2 * margin)
        y = size - margin - (loc["lat"] - lat0) / span * (size - 2 * margin)
        return round(x, 1), round(y, 1)

    return {"dots": [place(p) for p in points], "size": size,
            "bounds": {"lat0": lat0, "lon0": lon0, "span": span, "margin": margin}}
