"""The root GraphQL schema (schema.graphql): each app contributes its Query, Mutation and Subscription
classes, and the apps above the marketplace extend its types (`graphql/extensions.py`, imported here
before the build)."""

import graphene

from booking.graphql import extensions as booking_extensions
from booking.graphql.mutations import BookingMutation
from booking.graphql.queries import BookingQuery
from booking.graphql.subscriptions import BookingSubscription
from booking.graphql.types import Booking, Notification, Slot, StandingBooking
from core.graphql import visibility
from marketplace.graphql.audit import AuditEntry
from marketplace.graphql.mutations import MarketplaceMutation
from marketplace.graphql.queries import MarketplaceQuery
from marketplace.graphql.types import Community, Resource, Subdistrict, User, WorkUnit
from matching.graphql import extensions as matching_extensions
from matching.graphql.mutations import MatchingMutation
from matching.graphql.queries import MatchingQuery
from matching.graphql.subscriptions import MatchingSubscription
from matching.graphql.types import Allocation, MatchRun, Need

# The apps above the marketplace add fields to its types; their modules run before the build below.
EXTENSIONS = (booking_extensions, matching_extensions)


class Query(MarketplaceQuery, BookingQuery, MatchingQuery, graphene.ObjectType):
    pass


class Mutation(MarketplaceMutation, BookingMutation, MatchingMutation, graphene.ObjectType):
    pass


class Subscription(BookingSubscription, MatchingSubscription, graphene.ObjectType):
    """Served as GraphQL over Server-Sent Events at POST /graphql/stream (core/live)."""


# Every Node type is listed so `node(id:)` can return it even where no field names it directly.
NODE_TYPES = [Subdistrict, Community, WorkUnit, Resource, User, Slot, Booking, StandingBooking, Notification,
              Need, MatchRun, Allocation, AuditEntry]

schema = graphene.Schema(query=Query, mutation=Mutation, subscription=Subscription, types=NODE_TYPES,
                         auto_camelcase=True)
GUARDED_FIELDS = visibility.guard(schema.graphql_schema)
