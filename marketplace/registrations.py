"""The marketplace's signal receivers (imported from `AppConfig.ready()`, once the models are ready)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from core.graphql.auth import forget_tokens_of

from .models import Membership


def forget_cached_roles(*, instance: Membership, **kwargs: Any) -> None:
    """A membership was saved or deleted: this process's verified tokens of its user, which carry the
    user's memberships (core/graphql/auth.py), are verified again — now, and once the change is
    committed; other processes honour it within BEARER_TOKEN_CACHE_SECONDS."""
    user_id = instance.user_id
    forget_tokens_of(user_id)
    transaction.on_commit(lambda: forget_tokens_of(user_id))


post_save.connect(forget_cached_roles, sender=Membership, dispatch_uid="marketplace-roles-saved")
post_delete.connect(forget_cached_roles, sender=Membership, dispatch_uid="marketplace-roles-deleted")
