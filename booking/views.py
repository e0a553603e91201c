"""Calendar downloads at secret addresses (no login: the secret is the permission)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from booking.models import Booking
from marketplace.models import User

from .services.calendar import booking_ics, feed_ics

ICS = "text/calendar; charset=utf-8"


@require_GET
def booking_calendar(request: HttpRequest, secret: str) -> HttpResponse:
    booking = Booking.objects.select_related("resource").filter(calendar_secret=secret).first()
    if booking is None:
        raise Http404
    response = HttpResponse(booking_ics(booking), content_type=ICS)
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def feed_calendar(request: HttpRequest, secret: str) -> HttpResponse:
    user = User.objects.filter(feed_secret=secret, is_active=True).first()
    if user is None:
        raise Http404
    response = HttpResponse(feed_ics(user), content_type=ICS)
    response["Cache-Control"] = "private, no-store"
    return response
