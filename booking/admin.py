"""Read-mostly admin views of booking rows. Changes go through the services (the admin is for
looking, not for editing counters), so every model here is read-only."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Booking, OpeningWindow, QuotaRule, QuotaSlot, Slot, StandingBooking, Suspension


@admin.register(Slot)
class SlotAdmin(ReadOnlyAdmin):
    list_display = ("resource", "start", "end", "capacity", "booked", "held", "closed", "sex")
    list_filter = ("closed", "sex")
    raw_id_fields = ("resource", "window")
    date_hierarchy = "start"


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ("id", "resource", "start", "status", "quantity", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("resource", "slot", "user", "booked_by", "standing", "quota_slot", "community")
    exclude = ("check_in_code", "calendar_secret", "plate_number")
    date_hierarchy = "start"


@admin.register(OpeningWindow)
class OpeningWindowAdmin(ReadOnlyAdmin):
    list_display = ("resource", "weekdays", "start_time", "end_time", "ends_next_day", "capacity", "sex")
    raw_id_fields = ("resource", "event")


@admin.register(QuotaRule)
class QuotaRuleAdmin(ReadOnlyAdmin):
    list_display = ("id", "community", "resource", "amount", "starts_on", "ends_on", "removed_at")
    raw_id_fields = ("community", "resource")


@admin.register(QuotaSlot)
class QuotaSlotAdmin(ReadOnlyAdmin):
    list_display = ("rule", "slot", "amount", "used", "released")
    raw_id_fields = ("rule", "slot", "community")


@admin.register(StandingBooking)
class StandingBookingAdmin(ReadOnlyAdmin):
    list_display = ("id", "resource", "weekdays", "start_time", "starts_on", "ends_on", "active")
    raw_id_fields = ("user", "resource", "booked_by")


@admin.register(Suspension)
class SuspensionAdmin(ReadOnlyAdmin):
    list_display = ("user", "starts_at", "until", "lifted_at")
    raw_id_fields = ("user",)
