"""The booking part of the GraphQL API: slots, bookings, standing bookings, notifications."""
