"""The audit log and the viewer's own data as GraphQL: `auditLog` (district staff) and `myData` (self).

`auditLog` lists AuditEntry rows newest first; for anyone but district staff it is empty (never an
error) and `node(id:)` of an entry is null. `myData` is the JSON of
marketplace.services.personal_data.export_my_data for the signed-in viewer (null for anonymous).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import graphene
from django.db.models import QuerySet
from graphene import relay
from graphql import GraphQLResolveInfo as Info

from core.graphql.relay import ScopedNode, connection_from, make_connection
from core.graphql.scalars import DateTime
from marketplace import models
from marketplace.services.personal_data import export_my_data

ACTION_MAX = 60


def audit_entries(viewer: models.User | None) -> QuerySet[models.AuditEntry]:
    """Every entry for district staff; nothing for anyone else."""
    if viewer is None or not viewer.is_district_staff:
        return models.AuditEntry.objects.none()
    return models.AuditEntry.objects.all()


class AuditEntry(ScopedNode, graphene.ObjectType):
    class Meta:
        name = "AuditEntry"
        interfaces = (relay.Node,)

    node_model = "marketplace.AuditEntry"
    node_scope = staticmethod(audit_entries)

    action = graphene.NonNull(graphene.String, description="e.g. booking.reject, resident.verify, user.create")
    actor_name = graphene.NonNull(graphene.String, description="the actor's username as recorded, or `system`")
    at = graphene.NonNull(DateTime)
    object_type = graphene.NonNull(graphene.String, description="app.model, e.g. booking.booking")
    object_id = graphene.NonNull(graphene.String)
    object_repr = graphene.NonNull(graphene.String)
    reason = graphene.NonNull(graphene.String, description="the reason a person gave; may be empty")
    data = graphene.NonNull(graphene.String, description="details as a JSON object")

    @staticmethod
    def resolve_data(root: models.AuditEntry, info: Info) -> str:
        return json.dumps(root.data or {}, ensure_ascii=False, sort_keys=True, default=str)


AuditEntryConnection = make_connection(AuditEntry)


def resolve_audit_log(root: Any, info: Info, action: str | None = None, first: int | None = None,
                      after: str | None = None, to: dt.datetime | None = None, **kwargs: Any) -> Any:
    """S: entries newest first; `action` exact, `from` inclusive, `to` exclusive."""
    qs = audit_entries(info.context.user)
    if action:
        qs = qs.filter(action=action[:ACTION_MAX])
    if kwargs.get("from_") is not None:
        qs = qs.filter(at__gte=kwargs["from_"])
    if to is not None:
        qs = qs.filter(at__lt=to)
    return connection_from(AuditEntryConnection, qs.order_by("-at", "-id"), first, after)


def resolve_my_data(root: Any, info: Info) -> str | None:
    """Everything stored about the viewer, as one JSON document (PIPL download)."""
    viewer = info.context.user
    if viewer is None:
        return None
    return json.dumps(export_my_data(viewer), ensure_ascii=False, sort_keys=True, default=str)


def audit_log_field() -> graphene.Field:
    return graphene.NonNull(AuditEntryConnection, action=graphene.String(),
                            from_=graphene.Argument(DateTime, name="from"), to=graphene.Argument(DateTime),
                            first=graphene.Int(), after=graphene.String(), resolver=resolve_audit_log,
                            description="S: the audit log, newest first (empty for others)")


def my_data_field() -> graphene.Field:
    return graphene.Field(graphene.String, resolver=resolve_my_data,
                          description="the viewer's own data as JSON (profile, roles, bookings, notifications)")
