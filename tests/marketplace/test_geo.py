"""The SQL distance (a search's filter and order) gives the numbers of `distance_m`, on SQLite and on
PostgreSQL (marked postgres: it runs in both passes)."""

from __future__ import annotations

import pytest

from marketplace.graphql.geo import Distance, distance_m
from marketplace.models import Resource
from tests.factories import ResourceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

PLACES = [(39.912, 116.372), (39.9, 116.37), (39.95, 116.30), (40.2, 116.9), (-33.86, 151.2), (39.912, 116.3720001)]


def test_sql_distance_equals_the_python_one() -> None:
    for lat, lon in PLACES:
        ResourceFactory(lat=lat, lon=lon, name=f"{lat},{lon}")
    for here in [(39.912, 116.372), (39.88, 116.35), (0.0, 0.0)]:
        rows = Resource.objects.annotate(distance=Distance(*here)).order_by("distance", "id")
        got = [(r.lat, r.lon, r.distance) for r in rows]
        assert [d for *_, d in got] == sorted(d for *_, d in got)
        for lat, lon, d in got:
            assert d == pytest.approx(distance_m(here[0], here[1], lat, lon), rel=1e-9, abs=1e-6)
        near = Resource.objects.annotate(distance=Distance(*here)).filter(distance__lte=1000)
        assert {(r.lat, r.lon) for r in near} == {(lat, lon) for lat, lon in PLACES
                                                   if distance_m(here[0], here[1], lat, lon) <= 1000}
