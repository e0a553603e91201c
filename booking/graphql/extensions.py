"""What the booking app adds to the marketplace's types (core.graphql.extend): a resource's opening
hours, slots and utilisation, a unit's contribution, a user's calendar feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import graphene
from graphql import GraphQLResolveInfo as Info

from booking.services.availability import MAX_WINDOWS
from core import enums
from core.graphql.enums import ResourceCategory, Sex
from core.graphql.extend import extend_type
from core.graphql.limits import declare_list_bound, per_day
from core.graphql.scalars import Date, DateTime, Time
from marketplace import models
from marketplace.graphql import permissions
from marketplace.graphql.types import Resource, User, WorkUnit, viewer_of

from . import data
from .types import Slot


class ContributionLine(graphene.ObjectType):
    category = graphene.NonNull(ResourceCategory)
    bookings = graphene.NonNull(graphene.Int)
    quantity = graphene.NonNull(graphene.Int)
    hours = graphene.NonNull(graphene.Float)


class OpeningWindow(graphene.ObjectType):
    weekdays = graphene.NonNull(graphene.List(graphene.NonNull(graphene.Int)))
    start_time = graphene.NonNull(Time)
    end_time = graphene.NonNull(Time)
    ends_next_day = graphene.NonNull(graphene.Boolean)
    valid_from = graphene.Field(Date)
    valid_to = graphene.Field(Date)
    capacity = graphene.NonNull(graphene.Int)
    sex = graphene.NonNull(Sex)


class UtilisationPoint(graphene.ObjectType):
    week_start = graphene.NonNull(Date)
    capacity = graphene.NonNull(graphene.Int)
    booked = graphene.NonNull(graphene.Int)
    checked_in = graphene.NonNull(graphene.Int)
    no_shows = graphene.NonNull(graphene.Int)


def resolve_contribution(root: models.WorkUnit, info: Info, to: dt.date, **kwargs: Any) -> list[Any]:
    if not permissions.may_see_unit_figures(viewer_of(info), root.pk):
        return []
    return data.unit_contribution(info, root, kwargs["from_"], to)


def resolve_opening_hours(root: models.Resource, info: Info) -> list[Any]:
    return data.opening_hours(info, root)


def resolve_slots(root: models.Resource, info: Info, to: dt.datetime, **kwargs: Any) -> list[Any]:
    return data.resource_slots(info, root, kwargs["from_"], to)


def resolve_utilisation(root: models.Resource, info: Info, to: dt.date, **kwargs: Any) -> list[Any]:
    if not permissions.may_see_unit_figures(viewer_of(info), root.unit_id):
        return []
    return data.resource_utilisation(info, root, kwargs["from_"], to)


def resolve_calendar_feed_url(root: models.User, info: Info) -> str | None:
    viewer = viewer_of(info)
    if viewer is None or viewer.pk != root.pk:
        return None
    return data.calendar_feed_url(info, root)


extend_type(
    WorkUnit,
    contribution=graphene.NonNull(graphene.List(graphene.NonNull(ContributionLine)),
                                  from_=graphene.Argument(graphene.NonNull(Date), name="from"),
                                  to=graphene.NonNull(Date),
                                  description="what the unit shared, by category; U of the unit and S"),
    resolve_contribution=resolve_contribution,
)
extend_type(
    Resource,
    opening_hours=graphene.NonNull(graphene.List(graphene.NonNull(OpeningWindow))),
    slots=graphene.NonNull(graphene.List(graphene.NonNull(Slot)),
                           from_=graphene.Argument(graphene.NonNull(DateTime), name="from"),
                           to=graphene.NonNull(DateTime),
                           description="at most 31 days (INVALID beyond); ordered by start"),
    utilisation=graphene.NonNull(graphene.List(graphene.NonNull(UtilisationPoint)),
                                 from_=graphene.Argument(graphene.NonNull(Date), name="from"),
                                 to=graphene.NonNull(Date),
                                 description="weekly points; U of the unit and S"),
    resolve_opening_hours=resolve_opening_hours,
    resolve_slots=resolve_slots,
    resolve_utilisation=resolve_utilisation,
)
extend_type(
    User,
    calendar_feed_url=graphene.String(description="the user's own iCalendar feed (secret address); self only"),
    resolve_calendar_feed_url=resolve_calendar_feed_url,
)


# The real bounds of these lists (core.graphql.limits): one line per category; at most MAX_WINDOWS
# opening windows, so at most that many slots start on one day; one utilisation point per week.
SLOT_DAYS_MAX = 31
PERIOD_DAYS_MAX = 366
declare_list_bound("WorkUnit", "contribution", len(enums.ResourceCategory))
declare_list_bound("Resource", "openingHours", MAX_WINDOWS)
declare_list_bound("Resource", "slots", per_day(MAX_WINDOWS, SLOT_DAYS_MAX))
declare_list_bound("Resource", "utilisation", lambda args: per_day(1, PERIOD_DAYS_MAX)(args) // 7 + 2)
