"""Great-circle distance (the API's every distance), in Python and as an SQL expression.

The SQL form runs on PostgreSQL and SQLite alike (Django registers the math functions on SQLite);
callers prefilter with `bounding_box()` so the trigonometry runs on few rows.
"""

from __future__ import annotations

import math

from django.db.models import F, FloatField, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def distance_expression(lat: float, lon: float, lat_field: str = "lat", lon_field: str = "lon") -> Combinable:
    """Haversine distance in metres from (lat, lon) to the row's coordinates."""
    dlat = Radians(F(lat_field) - Value(lat)) / Value(2.0)
    dlon = Radians(F(lon_field) - Value(lon)) / Value(2.0)
    a = Power(Sin(dlat), 2) + Value(math.cos(math.radians(lat))) * Cos(Radians(F(lat_field))) * Power(Sin(dlon), 2)
    return Value(2 * EARTH_RADIUS_M) * ASin(Least(Sqrt(a), Value(1.0), output_field=FloatField()))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle (a prefilter; exact test follows)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(180.0, math.degrees(radius_m / (EARTH_RADIUS_M * cos_lat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
