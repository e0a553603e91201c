"""iCalendar: one `.ics` per booking at a secret address, and a subscribable feed per resident.

Only the owner (and the community worker who booked it) is given a booking's address; the feed
address uses `User.feed_secret`, which the resident can rotate (old addresses stop working).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from icalendar import Calendar, Event

from booking.models import ACTIVE, Booking, BookingStatus
from booking.models.booking import new_calendar_secret
from core.errors import ErrorCode, ServiceError
from marketplace.models import User
from marketplace.models.people import new_feed_secret

FEED_PAST = dt.timedelta(days=30)


def booking_calendar_url(booking: Booking) -> str:
    return reverse("booking:booking-ics", kwargs={"secret": booking.calendar_secret})


def feed_url(user: User) -> str:
    return reverse("booking:feed-ics", kwargs={"secret": user.feed_secret})


def _calendar() -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//district-sharing//booking//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _event(booking: Booking) -> Event:
    event = Event()
    event.add("uid", f"booking-{booking.pk}@district-sharing")
    event.add("summary", booking.resource.name)
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("dtstamp", booking.created_at)
    event.add("location", booking.resource.address)
    cancelled = booking.status in (BookingStatus.CANCELLED, BookingStatus.REJECTED)
    # a cancelled or rejected booking's entry says so and carries no check-in code any more
    lines = [] if cancelled else [str(_("Check-in code: %(code)s") % {"code": booking.check_in_code})]
    if booking.note and not cancelled:
        lines.append(booking.note)
    if lines:
        event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if cancelled else
              "TENTATIVE" if booking.status in (BookingStatus.PENDING, BookingStatus.WAITLISTED) else "CONFIRMED")
    return event


def booking_ics(booking: Booking) -> bytes:
    cal = _calendar()
    cal.add_component(_event(booking))
    return cal.to_ical()


def feed_ics(user: User, *, now: dt.datetime | None = None) -> bytes:
    """The resident's active bookings from 30 days ago on (at most 500)."""
    now = now or timezone.now()
    cal = _calendar()
    cal.add("x-wr-calname", str(_("My bookings")))
    bookings = (Booking.objects.filter(user=user, status__in=(*ACTIVE,), end__gte=now - FEED_PAST)
                .select_related("resource").order_by("start", "id")[:500])
    for booking in bookings:
        cal.add_component(_event(booking))
    return cal.to_ical()


@transaction.atomic
def rotate_feed_secret(*, actor: User, user: User) -> str:
    """A new feed address for `user` (themself only); the old one stops working."""
    if actor.pk != user.pk:
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only you can change your calendar address."))
    secret = new_feed_secret()
    User.objects.filter(pk=user.pk).update(feed_secret=secret)
    user.feed_secret = secret
    return secret


@transaction.atomic
def rotate_booking_secret(*, actor: User, booking: Booking) -> str:
    """A new `.ics` address for one booking (its owner or booking worker)."""
    if actor.pk not in (booking.user_id, booking.booked_by_id):
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only the owner can change this address."))
    secret = new_calendar_secret()
    Booking.objects.filter(pk=booking.pk).update(calendar_secret=secret)
    booking.calendar_secret = secret
    return secret
