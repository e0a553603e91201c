"""Great-circle distance (the API's every distance), in Python and as an SQL expression.

The SQL form runs on PostgreSQL and SQLite alike (Django registers the math functions on SQLite);
callers prefilter with `bounding_box()` so the trigonometry runs on few rows.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import F, FloatField, Func

from core.db.prepared import Param

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


class Distance(Func):
    """Haversine distance in metres from a fixed point to the row's (lat, lon), as one SQL expression.

    The same formula as `distance_m` (and as the tree of Django functions it replaced), written out as
    text with four parameters: a search annotates it, filters on it and orders by it, and a tree of
    twenty expression nodes cost about a tenth of a `resources` request to resolve and compile three
    times over. SQLite has no LEAST; Django registers the math functions there and MIN takes two."""

    output_field = FloatField()
    TEMPLATE = ("(%s * ASIN({least}(SQRT(POWER(SIN(RADIANS({lat} - %s) / 2.0), 2) "
                "+ %s * COS(RADIANS({lat})) * POWER(SIN(RADIANS({lon} - %s) / 2.0), 2)), 1.0)))")

    def __init__(self, lat: float | None, lon: float | None, lat_field: str = "lat", lon_field: str = "lon") -> None:
        """From (lat, lon); with None for both, from the point a prepared query binds (`point_values`)."""
        super().__init__(F(lat_field), F(lon_field))
        self.point = (float(lat), float(lon)) if lat is not None and lon is not None else None

    def as_sql(self, compiler: Any, connection: Any, function: str | None = None, template: str | None = None,
               arg_joiner: str | None = None, **extra_context: Any) -> Any:
        (lat_sql, lat_params), (lon_sql, lon_params) = (compiler.compile(e) for e in self.get_source_expressions())
        if lat_params or lon_params:
            raise ValueError("Distance takes plain columns")
        least = "MIN" if connection.vendor == "sqlite" else "LEAST"
        sql = self.TEMPLATE.format(least=least, lat=lat_sql, lon=lon_sql)
        if self.point is None:
            return sql, tuple(Param(name, FloatField()).as_sql(compiler, connection)[1][0]
                              for name in ("distance_2r", "distance_lat", "distance_cos_lat", "distance_lon"))
        return sql, tuple(point_values(*self.point).values())


def point_values(lat: float, lon: float) -> dict[str, float]:
    """The values a prepared `Distance(None, None)` takes for the point (lat, lon)."""
    return {"distance_2r": 2 * EARTH_RADIUS_M, "distance_lat": lat, "distance_cos_lat": math.cos(math.radians(lat)),
            "distance_lon": lon}


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle (a prefilter; exact test follows)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(180.0, math.degrees(radius_m / (EARTH_RADIUS_M * cos_lat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
