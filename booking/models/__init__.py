from .booking import ACTIVE, COUNTED, FINAL, Booking, BookingStatus, StandingBooking, Suspension
from .hours import OpeningWindow, ResourceHours
from .quota import QuotaRule, QuotaSlot
from .slot import Slot

__all__ = [
    "ACTIVE",
    "COUNTED",
    "FINAL",
    "Booking",
    "BookingStatus",
    "OpeningWindow",
    "QuotaRule",
    "QuotaSlot",
    "ResourceHours",
    "Slot",
    "StandingBooking",
    "Suspension",
]
