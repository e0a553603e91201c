"""The demo's stages, in order. Each app adds its own stage here explicitly (no plugin magic):
a stage is `(name, function(ctx, progress), expected rows)`."""

from __future__ import annotations

from collections.abc import Callable

from booking.demo import load_hours, load_slots_and_bookings
from booking.models import Booking, OpeningWindow, Slot
from marketplace.models import Community, Resource, Subdistrict, User, WorkUnit
from matching.demo import load_needs
from matching.models import Need

from . import loader
from .loader import DemoContext, Progress

Stage = tuple[str, Callable[[DemoContext, Progress], None], int]


def plan(ctx: DemoContext) -> list[Stage]:
    d = ctx.district
    stages: list[Stage] = [
        ("geography", loader.load_geography, len(d.subdistricts) + len(d.communities)),
        ("units", loader.load_units, len(d.units) + len(d.resources)),
        ("people", loader.load_people, 2 * len(d.residents) + 10),
    ]
    stages.append(("needs", load_needs, len(d.needs)))
    stages.append(("opening hours", load_hours, len(d.resources)))
    stages.append(("slots and bookings", load_slots_and_bookings, 60 * len(d.resources)))
    return stages


def counts() -> dict[str, int]:
    """What the demo holds, for the command's summary."""
    return {
        "subdistricts": Subdistrict.objects.count(),
        "communities": Community.objects.count(),
        "units": WorkUnit.objects.count(),
        "resources": Resource.objects.count(),
        "users": User.objects.count(),
        "opening windows": OpeningWindow.objects.count(),
        "slots": Slot.objects.count(),
        "bookings": Booking.objects.count(),
        "needs": Need.objects.count(),
    }
