"""One validator per booking rule, each raising ServiceError with the API's code
(docs/API.md, "Which code for which rule"). `bookings.py` calls them in order.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

from django.db.models import BigIntegerField, DateTimeField, IntegerField, QuerySet, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from booking.models import ACTIVE, Booking, Slot, Suspension
from core.clock import local_date
from core.db.prepared import Null, Param, Prepared
from core.errors import ErrorCode, ServiceError
from marketplace.models import BookingMode, Resource, ResourceCategory, Role, Sex, TargetGroup, User

MAX_SLOTS = 8
NOTE_MAX = 200
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTER = "A-HJ-NP-Z"  # no I or O on plates
PLATE_RE = re.compile(
    rf"^[{PROVINCES}][{LETTER}]"
    rf"(?:[{LETTER}0-9]{{4}}[{LETTER}0-9挂学警]"        # ordinary, 7 characters
    rf"|[DF][{LETTER}0-9][0-9]{{4}}"                   # new energy, small car (8)
    rf"|[0-9]{{5}}[DF])$"                              # new energy, large vehicle (8)
)


def normalise_plate(plate: str) -> str:
    return re.sub(r"[\s·•-]", "", plate).upper()


def validate_is_resident(user: User, field: str | None = None) -> None:
    if not user.has_role(Role.RESIDENT):
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only residents can hold bookings."), field)


def validate_resource_listed(resource: Resource) -> None:
    if resource.archived:
        raise ServiceError.of(ErrorCode.SLOT_CLOSED, _("This resource no longer takes bookings."), "resourceId")


def validate_slot_count(count: int) -> None:
    if not 1 <= count <= MAX_SLOTS:
        raise ServiceError.of(ErrorCode.INVALID, _("Book 1 to 8 consecutive slots."), "slots")


def validate_quantity(resource: Resource, quantity: int) -> None:
    if resource.booking_mode == BookingMode.EXCLUSIVE:
        if quantity != 1:
            raise ServiceError.of(ErrorCode.INVALID, _("A hall is booked as a whole: the quantity is 1."),
                                  "quantity")
        return
    if not 1 <= quantity <= resource.capacity:
        raise ServiceError.of(ErrorCode.INVALID, _("The quantity must be between 1 and the capacity."),
                              "quantity")


def validate_attendees(resource: Resource, attendees: int | None) -> None:
    if attendees is None:
        return
    if attendees < 1 or (resource.booking_mode == BookingMode.EXCLUSIVE and attendees > resource.capacity):
        raise ServiceError.of(ErrorCode.INVALID, _("More people than the hall holds."), "attendees")


def validate_plate(resource: Resource, plate: str) -> None:
    """A car park needs a valid plate; any other resource may take one (a hall's delivery van), valid too."""
    if not plate and resource.category != ResourceCategory.PARKING:
        return
    if not PLATE_RE.fullmatch(plate):
        raise ServiceError.of(ErrorCode.INVALID, _("Give a valid plate number, such as 京A12345."), "plateNumber")


def validate_note(note: str) -> None:
    if len(note) > NOTE_MAX:
        raise ServiceError.of(ErrorCode.INVALID, _("The note is too long (at most 200 characters)."), "note")


def validate_consecutive(slots: list[Slot]) -> None:
    for before, after in itertools.pairwise(slots):
        if after.start != before.end:
            raise ServiceError.of(ErrorCode.NOT_FOUND, _("These slots are not consecutive."), "slots")


def validate_not_closed(slot: Slot) -> None:
    if slot.closed:
        raise ServiceError.of(ErrorCode.SLOT_CLOSED, _("This slot is closed."), "start")


def validate_booking_window(resource: Resource, slot: Slot, now: dt.datetime) -> None:
    if not resource.booking_open(slot.start, now):
        raise ServiceError.of(ErrorCode.OUTSIDE_BOOKING_WINDOW, _("Booking for this slot is not open now."),
                              "start")


def validate_target_group(resource: Resource, user: User, slot: Slot, field: str | None = None) -> None:
    if resource.target_group == TargetGroup.ANYONE:
        return
    if resource.target_group not in user.eligible_groups(local_date(slot.start)):
        message = (_("This resource is for residents aged 60 and over (a birth date is needed).")
                   if resource.target_group == TargetGroup.ELDERLY
                   else _("This resource is for residents with a disability."))
        raise ServiceError.of(ErrorCode.NOT_ELIGIBLE, message, field)


def validate_sex(slot: Slot, user: User, field: str | None = None) -> None:
    if slot.sex == Sex.ANY:
        return
    if getattr(user, "sex", "") != slot.sex:
        raise ServiceError.of(ErrorCode.NOT_ELIGIBLE, _("This session is for the other sex."), field)


def _suspensions(user: User | Param, now: dt.datetime | Param) -> QuerySet[Suspension]:
    return Suspension.objects.filter(user=user, starts_at__lte=now, until__gt=now, lifted_at__isnull=True)


def validate_not_suspended(user: User, now: dt.datetime, field: str | None = None) -> None:
    suspension = _suspensions(user, now).order_by("-until").first()
    if suspension is not None:
        raise ServiceError.of(ErrorCode.NOT_ELIGIBLE, _("Booking is suspended after repeated no-shows."), field,
                              until=suspension.until)


def validate_not_suspended_until(until: dt.datetime | None, field: str | None = None) -> None:
    """The same rule as `validate_not_suspended`, given the end of the latest suspension in force."""
    if until is not None:
        raise ServiceError.of(ErrorCode.NOT_ELIGIBLE, _("Booking is suspended after repeated no-shows."), field,
                              until=until)


def _active_and_suspended(_shape: Any) -> QuerySet[Any, Any]:
    user, now = Param("user", BigIntegerField()), Param("now", DateTimeField())
    no_id = Value(None, output_field=IntegerField())
    bookings = (_active(user, Param("resource", BigIntegerField()), now)
                .annotate(suspended_until=Value(None, output_field=DateTimeField()))
                .order_by().values_list("slot_id", "standing_id", "suspended_until"))
    suspensions = (_suspensions(user, now).annotate(no_slot=no_id, no_standing=no_id)
                   .order_by().values_list("no_slot", "no_standing", "until"))
    return bookings.union(suspensions, all=True)


ACTIVE_AND_SUSPENDED = Prepared(_active_and_suspended)  # compiled once (core/db/prepared.py)


def active_bookings_and_suspension(user: User, resource: Resource, now: dt.datetime
                                   ) -> tuple[list[tuple[int, int | None]], dt.datetime | None]:
    """`active_bookings` and the end of the latest suspension in force (None: not suspended), in one
    statement (UNION ALL) — what a booking reads about its resident."""
    active: list[tuple[int, int | None]] = []
    until = None
    rows = ACTIVE_AND_SUSPENDED.rows(None, {"user": user.pk, "resource": resource.pk, "now": now})
    for slot_id, standing_id, suspended_until in rows:
        if suspended_until is not None:
            until = suspended_until if until is None else max(until, suspended_until)
        else:
            active.append((slot_id, standing_id))
    return active, until


# The slot a booking takes and its resident's active bookings and suspension, in one statement: a
# booking's reads in one round trip. Three UNION ALL branches in the slot's columns after (standing, until):
# a slot row has its resource, a suspension row its end, a booking row only its slot id and standing.
SLOT_COLUMNS = tuple(f.attname for f in Slot._meta.concrete_fields)
ResidentFacts = tuple[list[tuple[int, int | None]], dt.datetime | None]  # active (slot, standing), suspended until
RESOURCE_AT = 2 + SLOT_COLUMNS.index("resource_id")


def _slot_and_resident(_shape: Any) -> QuerySet[Any, Any]:
    user, now = Param("user", BigIntegerField()), Param("now", DateTimeField())
    resource = Param("resource", BigIntegerField())

    def nulls(count: int) -> dict[str, Null]:
        return {f"null_{i}": Null(IntegerField()) for i in range(count)}

    # typed: PostgreSQL resolves NULL ∪ NULL as text, which a timestamp cannot join
    until = Cast(Null(DateTimeField()), DateTimeField())
    slot = (Slot.objects.filter(resource_id=resource, start=Param("start", DateTimeField()))
            .annotate(no_standing=Null(IntegerField()), no_until=until).order_by()
            .values_list("no_standing", "no_until", *SLOT_COLUMNS))
    padding = nulls(len(SLOT_COLUMNS) - 1)
    bookings = (_active(user, resource, now).annotate(no_until=until, **padding).order_by()
                .values_list("standing_id", "no_until", "slot_id", *padding))
    suspensions = (_suspensions(user, now).annotate(no_standing=Null(IntegerField()), **nulls(len(SLOT_COLUMNS)))
                   .order_by().values_list("no_standing", "until", *nulls(len(SLOT_COLUMNS))))
    return slot.union(bookings, suspensions, all=True)


SLOT_AND_RESIDENT = Prepared(_slot_and_resident)


def slot_and_resident(resource: Resource, start: dt.datetime, user: User, now: dt.datetime
                      ) -> tuple[Slot | None, ResidentFacts]:
    """The stored slot of `resource` at `start` (None when there is none yet) and what
    `active_bookings_and_suspension` says of `user` there, in one statement."""
    slot = None
    active: list[tuple[int, int | None]] = []
    until = None
    rows = SLOT_AND_RESIDENT.rows(None, {"user": user.pk, "resource": resource.pk, "start": start, "now": now})
    for row in rows:
        if row[RESOURCE_AT] is not None:
            slot = Slot.from_db("default", SLOT_COLUMNS, row[2:])
        elif row[1] is not None:
            until = row[1] if until is None else max(until, row[1])
        else:
            active.append((row[2], row[0]))
    return slot, (active, until)


def _active(user: User | Param, resource: Resource | Param, now: dt.datetime | Param) -> QuerySet[Booking]:
    return Booking.objects.filter(user=user, resource=resource, status__in=ACTIVE, end__gt=now)


def active_bookings(user: User, resource: Resource, now: dt.datetime) -> list[tuple[int, int | None]]:
    """(slot id, standing id) of the resident's active, not yet ended bookings at `resource` — read once
    and shared by the two limit validators below."""
    return list(_active(user, resource, now).values_list("slot_id", "standing_id"))


def validate_one_per_slot(active: list[tuple[int, int | None]], slot: Slot, field: str | None = None) -> None:
    """Also enforced by the partial unique index (a concurrent duplicate is refused there)."""
    if any(slot_id == slot.pk for slot_id, _standing in active):
        raise ServiceError.of(ErrorCode.LIMIT_REACHED, _("You already have a booking for this slot."), field)


def count_active(active: list[tuple[int, int | None]]) -> int:
    """A standing booking counts once."""
    return sum(1 for _slot, standing in active if standing is None) + len(
        {standing for _slot, standing in active if standing is not None})


def active_count(user: User, resource: Resource, now: dt.datetime) -> int:
    return count_active(active_bookings(user, resource, now))


def validate_max_active(active: list[tuple[int, int | None]], resource: Resource, adding: int,
                        field: str | None = None) -> None:
    if count_active(active) + adding > resource.max_active_per_resident:
        raise ServiceError.of(ErrorCode.LIMIT_REACHED,
                              _("You have reached the number of active bookings allowed here."), field)
