"""Who sees which bookings (docs/API.md, "Who may do what"), declared once for lists and node(id:)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from booking.models import Booking
from booking.notifications.models import Notification
from marketplace.models import Role, User


def bookings(viewer: User | None) -> QuerySet[Any]:
    """The owner's own; those a worker made or of the worker's residents; the unit's for its admins and
    staff; all for district staff."""
    qs = (Booking.objects.select_related("resource__unit__subdistrict", "user", "booked_by", "standing")
          .prefetch_related("user__memberships"))
    if viewer is None:
        return qs.none()
    if viewer.is_district_staff:
        return qs
    scope = Q(user_id=viewer.pk) | Q(booked_by_id=viewer.pk)
    if viewer.unit_id is not None:
        scope |= Q(resource__unit_id=viewer.unit_id)
    if viewer.worker_community_id is not None:
        residents = User.objects.filter(memberships__role=Role.RESIDENT,
                                        memberships__community_id=viewer.worker_community_id).values("pk")
        scope |= Q(user_id__in=residents)
    return qs.filter(scope)


def may_see_details(viewer: User | None, booking: Any) -> bool:
    """Plate number and note (the gate and the kitchen need them): the owner, the unit's admins and
    staff, the worker of the resident's community, district staff. The resident's name is shown through
    marketplace.privacy (masked for the unit)."""
    if viewer is None:
        return False
    return (viewer.pk == booking.user_id or viewer.works_at_unit(booking.resource.unit_id)
            or viewer.is_district_staff
            or (viewer.worker_community_id is not None
                and viewer.worker_community_id == booking.user.home_community_id))


def may_see_code(viewer: User | None, booking: Any) -> bool:
    """Check-in code and calendar address: the owner, and the worker who made the booking."""
    return viewer is not None and (viewer.pk == booking.user_id or viewer.pk == booking.booked_by_id)


def notifications(viewer: User | None) -> QuerySet[Any]:
    if viewer is None:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=viewer.pk)
