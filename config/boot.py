"""What a server process loads before it accepts its first request (config/wsgi.py, config/asgi.py).

Django imports the URLconf, and with it every view, on the first request, and the GraphQL schema (the
whole project's types, services and the matcher's modules) on the first operation: 0.7 s of CPU that
some unlucky request used to wait for in every new web worker. Loaded here instead, once: with
gunicorn's `preload_app` (config/gunicorn.conf.py) in the master, before the workers are forked from it.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation

logger = logging.getLogger("config.boot")


def warm_up() -> None:
    """The URLconf with its views, the GraphQL schema and the translations of every language."""
    started = time.perf_counter()
    from core.graphql.execution import get_schema  # after django.setup(): the schema imports models

    get_resolver().url_patterns  # noqa: B018 - the property imports the URLconf's modules
    get_schema()
    for code, _ in settings.LANGUAGES:  # gettext's catalogs, read from disk once per process
        with translation.override(code):
            translation.gettext("Send operations with POST.")
    logger.info("loaded the URLconf, the GraphQL schema and %d languages in %.2f s",
                len(settings.LANGUAGES), time.perf_counter() - started)
