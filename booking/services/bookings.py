"""Making bookings: `book_slot`, the one creating service (docs/ARCHITECTURE.md "Capacity and quota").

`book_slot(*, actor, request, for_residents=None, idempotency_key=None, now=None) -> BookingResult`
- one booking per (resident, slot); `request.slots` consecutive slots (1..8) all or nothing;
  `request.standing_until` makes a StandingBooking whose occurrences inside the booking window are
  booked now (all or nothing; closed days and holidays are skipped) and later ones by
  `extend_standing_bookings` as their window opens;
- a community worker books for residents of their own community (`for_residents`, all or nothing);
- every rule is a validator in `validators.py`; refusals raise ServiceError and write nothing;
- capacity is taken last in the transaction by conditional UPDATE (counters.py), slots in ascending
  (resource, start) order, from the resident's community quota first; FULL when it does not fit,
  or WAITLISTED with `join_waitlist` on a single slot;
- idempotent per (actor, key); a deadlock or serialization failure re-runs the transaction.
Side effects: notifications (confirmation) and an audit entry for proxy bookings, in the transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass, field, fields

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from booking.models import Booking, BookingStatus, Slot, StandingBooking
from core.clock import at, current, local_date, tz
from core.db.prepared import PreparedInsert
from core.errors import ErrorCode, ServiceError
from marketplace.models import Resource, Role, User
from marketplace.services import audit
from marketplace.services.idempotency import claim_key

from . import validators as v
from .counters import CodeClash, with_retries
from .notify import tell
from .slots import ensure_slot
from .waitlist import take


@dataclass(frozen=True)
class BookingRequest:
    resource: Resource
    start: dt.datetime
    slots: int = 1
    quantity: int = 1
    attendees: int | None = None
    plate_number: str = ""
    note: str = ""
    join_waitlist: bool = False
    standing_until: dt.date | None = None
    weekdays: tuple[int, ...] | None = None

    def fingerprint(self) -> dict[str, object]:
        data: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}  # no deep copy
        data["resource"] = self.resource.pk
        return data


@dataclass
class BookingResult:
    bookings: list[Booking] = field(default_factory=list)
    standing: StandingBooking | None = None

    @property
    def booking(self) -> Booking | None:
        return self.bookings[0] if self.bookings else None


def book_slot(*, actor: User, request: BookingRequest, for_residents: list[User] | None = None,
              idempotency_key: str | None = None, now: dt.datetime | None = None) -> BookingResult:
    """See the module docstring. Raises ServiceError (INVALID, PERMISSION_DENIED, NOT_FOUND, FULL,
    NOT_ELIGIBLE, SLOT_CLOSED, OUTSIDE_BOOKING_WINDOW, LIMIT_REACHED, CONFLICT)."""
    moment = current(now)
    return with_retries(lambda: _book(actor=actor, request=request, for_residents=for_residents,
                                      key=idempotency_key, now=moment))


@transaction.atomic
def _book(*, actor: User, request: BookingRequest, for_residents: list[User] | None, key: str | None,
          now: dt.datetime) -> BookingResult:
    payload = request.fingerprint() | {"for": sorted(u.pk for u in for_residents or [])}
    # the record's created_at is the real clock (auto_now_add), so its window is too
    claim = claim_key(user=actor, key=key, operation="bookSlot", payload=payload)
    if claim.replay is not None:
        return _replayed(claim.replay)
    residents = _residents(actor, for_residents)
    resource = request.resource
    plate = v.normalise_plate(request.plate_number)
    v.validate_resource_listed(resource)
    v.validate_slot_count(request.slots)
    if request.standing_until is not None and request.slots != 1:
        raise ServiceError.of(ErrorCode.INVALID, _("A standing booking takes one slot at a time."), "slots")
    v.validate_quantity(resource, request.quantity)
    v.validate_attendees(resource, request.attendees)
    v.validate_plate(resource, plate)
    v.validate_note(request.note)
    known = None
    if len(residents) == 1:  # the first slot and the resident's bookings and suspension: one statement
        stored, known = v.slot_and_resident(resource, request.start, residents[0], now)
        first = stored or ensure_slot(resource=resource, start=request.start)
    else:
        first = ensure_slot(resource=resource, start=request.start)
    standing_spec = None
    if request.standing_until is not None:
        slots, standing_spec = _standing_slots(resource, request, first, now)
    else:
        slots = _consecutive_slots(resource, first, request.slots)
    for index, user in enumerate(residents):
        path = f"forResidents.{index}" if for_residents else None
        _validate_for(resource, user, slots, now, path, standing=standing_spec is not None, known=known)
    results: list[Booking] = []
    standing = None
    for user in residents:
        group = uuid.uuid4()
        if standing_spec is not None:
            standing = StandingBooking.objects.create(user=user, resource=resource, quantity=request.quantity,
                                                      booked_by=actor if for_residents else None, note=request.note,
                                                      plate_number=plate, **standing_spec)
        for slot in slots:
            results.append(_insert(resource, slot, user, request, plate, now,
                                   booked_by=actor if for_residents else None, standing=standing, group=group))
    # Everything else is written first; the conditional UPDATE of the hot slot row comes last, so its
    # lock is held for the shortest time. Only a waitlist outcome needs telling after it.
    if for_residents:
        audit.record(actor=actor, action="booking.proxy", obj=results[0],
                     data={"bookings": [b.pk for b in results], "residents": [u.pk for u in residents]})
    claim.complete({"booking_ids": [b.pk for b in results], "standing_id": standing.pk if standing else None})
    may_wait = request.join_waitlist and len(slots) == 1 and standing is None
    if not may_wait:
        _tell_confirmed(results, now)
    _count(resource, results, join_waitlist=may_wait)
    if may_wait:
        _tell_confirmed(results, now)
    return BookingResult(bookings=results, standing=standing)


def _tell_confirmed(bookings: list[Booking], now: dt.datetime) -> None:
    for booking in bookings:
        if booking.status == BookingStatus.CONFIRMED:
            tell(booking=booking, kind="BOOKING_CONFIRMED", effect="confirmed", now=now)


def _replayed(result: dict[str, object]) -> BookingResult:
    ids = list(result.get("booking_ids") or [])  # type: ignore[call-overload]
    by_id = {b.pk: b for b in Booking.objects.filter(pk__in=ids)}
    standing_id = result.get("standing_id")
    standing = StandingBooking.objects.filter(pk=standing_id).first() if isinstance(standing_id, int) else None
    return BookingResult(bookings=[by_id[i] for i in ids if i in by_id], standing=standing)


def _residents(actor: User, for_residents: list[User] | None) -> list[User]:
    if not for_residents:
        v.validate_is_resident(actor)
        return [actor]
    community_id = actor.worker_community_id
    if community_id is None:
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only community workers book for residents."),
                              "forResidents")
    if len({u.pk for u in for_residents}) != len(for_residents):
        raise ServiceError.of(ErrorCode.INVALID, _("A resident is listed twice."), "forResidents")
    for index, user in enumerate(for_residents):
        if user.home_community_id != community_id:
            raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("This person is not a resident of your community."),
                                  f"forResidents.{index}")
    return list(for_residents)


def _consecutive_slots(resource: Resource, first: Slot, count: int) -> list[Slot]:
    slots = [first]
    while len(slots) < count:
        try:
            slots.append(ensure_slot(resource=resource, start=slots[-1].end))
        except ServiceError:
            raise ServiceError.of(ErrorCode.NOT_FOUND, _("There are not that many consecutive slots."), "slots")
    return slots


def _standing_slots(resource: Resource, request: BookingRequest, first: Slot,
                    now: dt.datetime) -> tuple[list[Slot], dict[str, object]]:
    """The first occurrence must be a bookable slot; later ones inside the booking window are added
    when a slot exists and is open (holidays and closures are skipped)."""
    assert request.standing_until is not None
    local = first.start.astimezone(tz())
    weekdays = tuple(sorted(set(request.weekdays or (local.weekday(),))))
    if any(d not in range(7) for d in weekdays):
        raise ServiceError.of(ErrorCode.INVALID, _("Weekdays run from 0 (Monday) to 6 (Sunday)."), "weekdays")
    if request.standing_until < local.date():
        raise ServiceError.of(ErrorCode.INVALID, _("The end date is before the start."), "standingUntil")
    slots = [first]
    last_open = local_date(resource.last_bookable_moment(now))
    day = local.date() + dt.timedelta(days=1)
    while day <= min(request.standing_until, last_open):
        if day.weekday() in weekdays:
            slot = _bookable_occurrence(resource, at(day, local.time()), now)
            if slot is not None:
                slots.append(slot)
        day += dt.timedelta(days=1)
    spec = {"weekdays": list(weekdays), "start_time": local.time().replace(tzinfo=None),
            "starts_on": local.date(), "ends_on": request.standing_until}
    return slots, spec


def _bookable_occurrence(resource: Resource, start: dt.datetime, now: dt.datetime) -> Slot | None:
    try:
        slot = ensure_slot(resource=resource, start=start)
    except ServiceError:
        return None
    return None if slot.closed or not resource.booking_open(slot.start, now) else slot


def _validate_for(resource: Resource, user: User, slots: list[Slot], now: dt.datetime, path: str | None,
                  *, standing: bool, known: v.ResidentFacts | None = None) -> None:
    """`known`: the resident's active bookings and suspension when already read (`slot_and_resident`)."""
    if path is not None and not user.has_role(Role.RESIDENT):
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only residents can hold bookings."), path)
    if known is None:
        known = v.active_bookings_and_suspension(user, resource, now)  # one statement
    active, suspended_until = known
    v.validate_not_suspended_until(suspended_until, path)
    if len(slots) > 1 and not standing:
        v.validate_consecutive(slots)
    for slot in slots:
        v.validate_not_closed(slot)
        v.validate_booking_window(resource, slot, now)
        v.validate_target_group(resource, user, slot, path)
        v.validate_sex(slot, user, path)
        v.validate_one_per_slot(active, slot, path)
    v.validate_max_active(active, resource, 1 if standing else len(slots), path)


BOOKING_INSERT = PreparedInsert(Booking)  # booking.save() without rebuilding the statement (core/db/prepared.py)


def _insert(resource: Resource, slot: Slot, user: User, request: BookingRequest, plate: str, now: dt.datetime,
            *, booked_by: User | None, standing: StandingBooking | None,
            group: uuid.UUID | None = None) -> Booking:
    """Inserts the row (status as if it fits; `_count` corrects it). No savepoint: a clash on
    (user, slot) from a concurrent request is LIMIT_REACHED; a check-in code clash (about one in 25,000
    for a slot of 40) raises CodeClash, and `with_retries` runs the transaction again with new codes."""
    booking = Booking(resource=resource, slot=slot, user=user, community_id=user.home_community_id,
                      start=slot.start, end=slot.end, quantity=request.quantity, attendees=request.attendees,
                      status=BookingStatus.PENDING if resource.requires_approval else BookingStatus.CONFIRMED,
                      plate_number=plate, note=request.note, check_in_code=f"{secrets.randbelow(1_000_000):06d}",
                      booked_by=booked_by, standing=standing, created_at=now, group=group or uuid.uuid4())
    try:
        BOOKING_INSERT.insert(booking)
    except IntegrityError as exc:
        if "code" in str(exc):
            raise CodeClash from exc
        raise ServiceError.of(ErrorCode.LIMIT_REACHED, _("You already have a booking for this slot."))
    return booking


def _count(resource: Resource, bookings: list[Booking], *, join_waitlist: bool) -> None:
    """Takes capacity for every booking, last in the transaction, in ascending (resource, start)."""
    for booking in sorted(bookings, key=lambda b: (b.resource_id, b.start, b.pk)):
        if take(booking, quota_possible=booking.slot.held > 0):
            if booking.quota_slot_id:
                booking.save(update_fields=["quota_slot"])
            continue
        if join_waitlist:
            booking.status = BookingStatus.WAITLISTED
            booking.save(update_fields=["status"])
            continue
        raise ServiceError.of(ErrorCode.FULL, _("This slot is full."), "start")
