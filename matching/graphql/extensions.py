"""What the matching app adds to lower apps' types (core.graphql.extend): a community's served rate,
a notification's allocation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import graphene
from graphql import GraphQLResolveInfo as Info

from booking.graphql.types import Notification
from core.graphql.extend import extend_type
from core.graphql.scalars import Date
from marketplace import models
from marketplace.graphql import permissions as marketplace_permissions
from marketplace.graphql.types import Community, viewer_of

from . import data
from .types import Allocation


def resolve_served_rate(root: models.Community, info: Info, to: dt.date, **kwargs: Any) -> float | None:
    if not marketplace_permissions.may_see_community_figures(viewer_of(info), root.pk):
        return None
    return data.community_served_rate(info, root, kwargs["from_"], to)


def resolve_allocation(root: Any, info: Info) -> Any:
    if root.allocation_id is None:
        return None
    return data.allocation_by_id(info, root.allocation_id)


extend_type(
    Community,
    served_rate=graphene.Float(from_=graphene.Argument(graphene.NonNull(Date), name="from"),
                               to=graphene.NonNull(Date),
                               description="served / demand of the community's needs; W of it and S"),
    resolve_served_rate=resolve_served_rate,
)
extend_type(Notification, allocation=graphene.Field(Allocation), resolve_allocation=resolve_allocation)
