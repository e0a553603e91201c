"""Subscription of the matching part: matchRunProgress (district staff), served at POST /graphql/stream.

The stream first shows the run as it is (so a page that subscribes late misses nothing), then each
change of status or progress that runs.py publishes after commit, and completes after SUCCEEDED or
FAILED. Each event re-reads the run through the viewer's scope (`permissions.match_runs`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import graphene
from django.utils.translation import gettext as _
from graphql import GraphQLResolveInfo as Info

from core.errors import ErrorCode
from core.graphql.errors import coded_error
from core.graphql.relay import decode_int_id
from core.live.executor import run_sync
from core.live.hub import Listener, listen
from marketplace.graphql.types import viewer_of
from matching.models import MatchRun as Run

from . import permissions
from .types import MatchRun

FINAL = ("SUCCEEDED", "FAILED")


def _status(pk: int) -> str | None:
    return Run.objects.filter(pk=pk).values_list("status", flat=True).first()


async def _progress(pk: int, listener: Listener) -> AsyncIterator[dict[str, Any]]:
    try:
        status = await run_sync(_status, pk)
        yield {"run": pk}
        while status not in FINAL:
            await listener.__anext__()
            status = await run_sync(_status, pk)  # read before showing: the final state always follows
            yield {"run": pk}
    finally:
        await listener.aclose()


class MatchingSubscription(graphene.ObjectType):
    match_run_progress = graphene.Field(
        graphene.NonNull(MatchRun), id=graphene.ID(required=True),
        description="S; each change of status or progress, then complete after SUCCEEDED or FAILED")

    @staticmethod
    async def subscribe_match_run_progress(root: Any, info: Info, id: str) -> Any:
        viewer = viewer_of(info)
        pk = decode_int_id(id, "MatchRun")

        def check() -> tuple[bool, bool]:
            staff = permissions.may_see_match_runs(viewer)
            return staff, staff and pk is not None and permissions.match_runs(viewer).filter(pk=pk).exists()

        staff, found = await run_sync(check)
        if not staff:
            raise coded_error(ErrorCode.PERMISSION_DENIED, _("Only district staff follow match runs."))
        if not found or pk is None:
            raise coded_error(ErrorCode.NOT_FOUND, _("There is no such match run."))
        listener = await listen([f"run:{pk}"], key=lambda topic, payload: topic)
        return _progress(pk, listener)

    @staticmethod
    def resolve_match_run_progress(root: dict[str, Any], info: Info, **kwargs: Any) -> Any:
        found = permissions.match_runs(viewer_of(info)).filter(pk=int(root["run"])).first()
        if found is None:
            raise coded_error(ErrorCode.NOT_FOUND, _("There is no such match run."))
        return found
