from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def create_cache_table(*, using: str = "default", verbosity: int = 1, **kwargs: Any) -> None:
    """`migrate` makes the database cache's table (the default cache: settings, "Caches")."""
    call_command("createcachetable", database=using, verbosity=max(0, verbosity - 1))


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self) -> None:
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="marketplace-cache-table")
        from . import registrations  # noqa: F401 - models are ready only now; connects the marketplace's signals
