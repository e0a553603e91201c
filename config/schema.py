"""The root GraphQL schema: each app contributes its Query and Mutation classes (shared/api/contract.graphql)."""

import graphene

from booking.graphql.mutations import BookingMutation
from booking.graphql.queries import BookingQuery
from booking.graphql.types import Booking, Notification, Slot, StandingBooking
from marketplace.graphql.audit import AuditEntry_
from marketplace.graphql.mutations import MarketplaceMutation
from marketplace.graphql.queries import MarketplaceQuery
from marketplace.graphql.types import Community_, Resource_, Subdistrict_, User_, WorkUnit_
from matching.graphql.mutations import MatchingMutation
from matching.graphql.queries import MatchingQuery
from matching.graphql.types import Allocation, MatchRun, Need


class Query(MarketplaceQuery, BookingQuery, MatchingQuery, graphene.ObjectType):
    pass


class Mutation(MarketplaceMutation, BookingMutation, MatchingMutation, graphene.ObjectType):
    pass


# Every Node type is listed so `node(id:)` can return it even where no field names it directly.
NODE_TYPES = [Subdistrict_, Community_, WorkUnit_, Resource_, User_, Slot, Booking, StandingBooking, Notification,
              Need, MatchRun, Allocation, AuditEntry_]

schema = graphene.Schema(query=Query, mutation=Mutation, types=NODE_TYPES, auto_camelcase=True)
