"""Great-circle distances and a uniform grid index over points.

The distance is the API's one distance: haversine on a sphere of radius 6,371,008.8 m, rounded
down to whole metres by callers that store it.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8
_M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def distances_m(
    lat: float, lon: float, lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Vectorised :func:`distance_m` from one point to many (same formula, same rounding behaviour)."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


class GridIndex:
    """Points bucketed in square cells of ``cell_m`` metres; :meth:`near` returns a superset of the points
    within ``radius_m`` (callers filter by exact distance). Invariant: every point is in exactly one cell."""

    def __init__(self, lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64], cell_m: float) -> None:
        self.lats = np.asarray(lats, dtype=np.float64)
        self.lons = np.asarray(lons, dtype=np.float64)
        self.cell_m = max(cell_m, 1.0)
        mean_lat = float(self.lats.mean()) if len(self.lats) else 0.0
        self._dlat = self.cell_m / _M_PER_DEG_LAT
        # the narrowest longitude degree in the index keeps the superset property at every latitude
        max_abs_lat = float(np.abs(self.lats).max()) if len(self.lats) else abs(mean_lat)
        self._dlon = self.cell_m / (
            _M_PER_DEG_LAT * max(math.cos(math.radians(min(max_abs_lat + 1, 89))), 1e-6)
        )
        buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, (la, lo) in enumerate(zip(self.lats, self.lons, strict=True)):
            buckets[self._cell(float(la), float(lo))].append(i)
        self._cells = {c: np.array(ix, dtype=np.int64) for c, ix in buckets.items()}

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lat / self._dlat), math.floor(lon / self._dlon))

    def near(self, lat: float, lon: float, radius_m: float) -> npt.NDArray[np.int64]:
        """Indices (sorted) of points possibly within ``radius_m`` of (lat, lon)."""
        ci, cj = self._cell(lat, lon)
        reach = math.ceil(radius_m / self.cell_m)
        found = [
            self._cells[c]
            for di in range(-reach, reach + 1)
            for dj in range(-reach, reach + 1)
            if (c := (ci + di, cj + dj)) in self._cells
        ]
        if not found:
            return np.zeros(0, dtype=np.int64)
        return np.sort(np.concatenate(found))

    def within(
        self, lat: float, lon: float, radius_m: float
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Indices (sorted) and distances of points within ``radius_m`` (inclusive)."""
        idx = self.near(lat, lon, radius_m)
        if len(idx) == 0:
            return idx, np.zeros(0)
        d = distances_m(lat, lon, self.lats[idx], self.lons[idx])
        keep = d <= radius_m
        return idx[keep], d[keep]
