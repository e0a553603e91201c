"""The demo's stages, in order. Each app registers its own stages from its `AppConfig.ready()`
(`register(DemoStage(...))`), so the marketplace names no app above it; the command runs them by
`order`: marketplace's geography, units and people first, then what the other apps add.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model

from marketplace.models import Community, Resource, Subdistrict, User, WorkUnit

from . import loader
from .district import District
from .loader import DemoContext, Progress


@dataclass(frozen=True)
class DemoStage:
    """`load(ctx, progress)` writes the stage; `expected(district)` is the progress bar's total;
    `counted` are the models whose row counts the command's summary reports, by label."""

    name: str
    order: int
    load: Callable[[DemoContext, Progress], None]
    expected: Callable[[District], int]
    counted: tuple[tuple[str, type[Model]], ...] = ()


_stages: dict[str, DemoStage] = {}


def register(stage: DemoStage) -> None:
    _stages[stage.name] = stage


register(DemoStage("geography", 0, loader.load_geography, lambda d: len(d.subdistricts) + len(d.communities),
                   (("subdistricts", Subdistrict), ("communities", Community))))
register(DemoStage("units", 1, loader.load_units, lambda d: len(d.units) + len(d.resources),
                   (("units", WorkUnit), ("resources", Resource))))
register(DemoStage("people", 2, loader.load_people, lambda d: 2 * len(d.residents) + 10, (("users", User),)))


def stages() -> list[DemoStage]:
    return sorted(_stages.values(), key=lambda s: s.order)


def plan(ctx: DemoContext) -> list[tuple[str, Callable[[DemoContext, Progress], None], int]]:
    return [(s.name, s.load, s.expected(ctx.district)) for s in stages()]


def counts() -> dict[str, int]:
    """What the demo holds, for the command's summary."""
    return {label: model._default_manager.count() for s in stages() for label, model in s.counted}
