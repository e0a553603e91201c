"""Defaults of a need that the API states (maxDistanceM) — the demo generator holds the one table."""

from __future__ import annotations

from marketplace.demo.district import default_max_distance

__all__ = ["default_max_distance"]
