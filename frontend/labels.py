"""Translated labels of the API's enum values (the API sends the stable names)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CATEGORY = {
    "CANTEEN": _("Canteen"),
    "PARKING": _("Parking"),
    "HALL": _("Hall"),
    "BATHHOUSE": _("Bathhouse"),
    "OTHER": _("Other"),
}
BOOKING_STATUS = {
    "PENDING": _("Waiting for approval"),
    "CONFIRMED": _("Confirmed"),
    "WAITLISTED": _("On the waiting list"),
    "CANCELLED": _("Cancelled"),
    "REJECTED": _("Rejected"),
    "CHECKED_IN": _("Checked in"),
    "NO_SHOW": _("Did not come"),
}
TARGET_GROUP = {"ANYONE": _("Everyone"), "ELDERLY": _("Aged 60 and over"), "DISABLED": _("People with a disability")}
SEX = {"ANY": _("Everyone"), "MALE": _("Men"), "FEMALE": _("Women")}
NEED_STATUS = {
    "OPEN": _("Open"),
    "PARTLY_MATCHED": _("Partly matched"),
    "MATCHED": _("Matched"),
    "CLOSED": _("Closed"),
}
RUN_STATUS = {"QUEUED": _("Queued"), "RUNNING": _("Running"), "SUCCEEDED": _("Finished"), "FAILED": _("Failed")}
ALLOCATION_STATUS = {
    "PROPOSED": _("Proposed"),
    "ACCEPTED": _("Accepted"),
    "DECLINED": _("Declined"),
    "SUPERSEDED": _("Superseded"),
}
ROLE = {
    "RESIDENT": _("Resident"),
    "UNIT_ADMIN": _("Unit admin"),
    "UNIT_STAFF": _("Unit staff"),
    "COMMUNITY_WORKER": _("Community worker"),
    "DISTRICT_STAFF": _("District staff"),
}
BOOKING_MODE = {"SHARED": _("Shared (many bookings per slot)"), "EXCLUSIVE": _("Exclusive (one booking per slot)")}
WEEKDAY_PATTERN = {
    "EVERY_DAY": _("Every day"),
    "WEEKDAYS": _("Monday to Friday"),
    "WEEKEND": _("Weekend"),
    "ONE_DAY": _("One day a week"),
}
WEEKDAY_SHORT = [
    pgettext_lazy("weekday", "Mon"),
    pgettext_lazy("weekday", "Tue"),
    pgettext_lazy("weekday", "Wed"),
    pgettext_lazy("weekday", "Thu"),
    pgettext_lazy("weekday", "Fri"),
    pgettext_lazy("weekday", "Sat"),
    pgettext_lazy("weekday", "Sun"),
]
NOTIFICATION_KIND = {
    "BOOKING_CONFIRMED": _("Booking confirmed"),
    "BOOKING_APPROVED": _("Booking approved"),
    "BOOKING_REJECTED": _("Booking rejected"),
    "WAITLIST_PROMOTED": _("Moved up from the waiting list"),
    "BOOKING_CANCELLED": _("Booking cancelled"),
    "SLOT_CLOSED": _("Closed"),
    "REMINDER": _("Reminder"),
    "ALLOCATION_PROPOSED": _("New proposal"),
    "ALLOCATION_DECIDED": _("Proposal decided"),
    "NEED_UPDATED": _("Need updated"),
}
ALL = {
    "category": CATEGORY,
    "booking_status": BOOKING_STATUS,
    "target_group": TARGET_GROUP,
    "sex": SEX,
    "need_status": NEED_STATUS,
    "run_status": RUN_STATUS,
    "allocation_status": ALLOCATION_STATUS,
    "role": ROLE,
    "booking_mode": BOOKING_MODE,
    "weekday_pattern": WEEKDAY_PATTERN,
    "notification_kind": NOTIFICATION_KIND,
    "audit_action": {},  # filled below (AUDIT_ACTION is defined after ALL)
}


def choices(table: Mapping[str, object]) -> list[tuple[str, object]]:
    return list(table.items())


AUDIT_ACTION = {
    "allocation.accept": _("Proposal accepted"), "allocation.decline": _("Proposal declined"),
    "booking.approve": _("Booking approved"), "booking.reject": _("Booking rejected"),
    "booking.cancel_by_unit": _("Booking cancelled by the unit"), "booking.clear_no_show": _("No-show cleared"),
    "booking.proxy": _("Booked for residents"), "match_run.start": _("Match run started"),
    "match_run.finish": _("Match run finished"), "match_run.fail": _("Match run failed"),
    "need.post": _("Need posted"), "need.update": _("Need changed"), "need.close": _("Need closed"),
    "quota.add": _("Places set aside"), "quota.remove": _("Set-aside places released"),
    "resident.verify": _("Residency checked"), "resident.unverify": _("Residency check withdrawn"),
    "resident.disability": _("Disability flag changed"), "resource.publish": _("Resource published"),
    "resource.update": _("Resource changed"), "resource.hours": _("Opening hours changed"),
    "resource.capacity": _("Capacity changed"), "resource.archive": _("Resource withdrawn"),
    "resource.unarchive": _("Resource listed again"), "slots.close": _("Times closed"),
    "token.issue": _("App access granted"), "user.create": _("Account created"),
    "user.delete_data": _("Personal data deleted"), "user.grant_role": _("Role granted"),
}


def any_label(value: object) -> object:
    """A contract enum value in words, whichever enum it belongs to; anything else as it is."""
    for table in ALL.values():
        if isinstance(value, str) and value in table:
            return table[value]
    return value


ALL["audit_action"] = AUDIT_ACTION
