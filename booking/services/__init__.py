"""The booking services: the only code that writes booking rows. Public functions, by module:

availability (opening hours, slots, closures; the only user of django-scheduler):
    WindowInput (= hours.WindowSpec: weekdays, start_time, end_time, ends_next_day, valid_from, valid_to,
                 capacity, sex)
    set_opening_hours(*, actor, resource, windows, now=None) -> list[Booking]          # outside the hours
    publish_resource_with_hours(*, actor, unit, data: ResourceFields, windows=None, idempotency_key=None,
                                now=None) -> Resource
    update_resource_with_hours(*, actor, resource, data, windows=None, archived=None, now=None)
        -> tuple[Resource, list[Booking]]                                              # bookingsOutsideHours
    close_slots(*, actor, resource, start, end, reason, now=None) -> tuple[int, int]  # closed, cancelled
    opening_hours(resource_ids) -> dict[int, list[OpeningWindow]]                      # batched read
slots (reads and keys):
    slot_key(resource_id, start) -> str;  parse_slot_key(key) -> (resource_id, start)
    slots_between(resource_ids, start, end) -> list[SlotView]    # stored + virtual, batched
    slot_view(key) -> SlotView | None;  ensure_slot(*, resource, start) -> Slot
    quota_left_for(views, community_id) -> dict[slot key, int]   # the viewer's quotaRemaining, batched
quota:
    add_quota(*, community, resource, start_time, end_time, ends_next_day, weekdays,
              starts_on, ends_on, amount, actor, now=None) -> QuotaRule
    remove_quota(*, rule, actor, reason, now=None) -> int
    quota_remaining(slot, community) -> int;  quota_remaining_for(slot_ids, community_id) -> dict[int, int]
bookings:
    BookingRequest(resource, start, slots=1, quantity=1, attendees=None, plate_number="", note="",
                   join_waitlist=False, standing_until=None, weekdays=None)
    book_slot(*, actor, request, for_residents=None, idempotency_key=None, now=None) -> BookingResult
        (BookingResult.booking, .bookings, .standing)
waitlist:
    waitlist_positions(bookings) -> dict[booking id, int]          # batched Booking.waitlistPosition
lifecycle:
    cancel_booking(*, actor, booking, reason="", whole_standing=False, now=None) -> Booking
    decide_booking(*, actor, booking, approve, reason="", now=None) -> Booking
    check_in(*, actor, code, resource=None, now=None) -> Booking
    clear_no_show(*, actor, booking, now=None) -> Booking
kitchen:   kitchen_sheet(*, viewer, resource, date, now=None) -> list[KitchenSheetLine]
           (slot: SlotView, confirmed, checked_in, notes, provisional)
calendar:  booking_ics(booking) -> bytes; feed_ics(user) -> bytes; booking_calendar_url(booking) -> str;
           feed_url(user) -> str; rotate_feed_secret(*, actor, user) -> str;
           rotate_booking_secret(*, actor, booking) -> str
jobs (periodic, see booking/tasks.py): send_reminders, extend_standing_bookings; quota.release_due_quota;
           lifecycle.expire_pending, lifecycle.mark_no_shows; waitlist.lapse_waitlists; availability.materialise_all
Every function raises core.errors.ServiceError with the API's error codes; see each docstring.
"""
