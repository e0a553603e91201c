"""The ASGI application: POST /graphql/stream (live updates, core/live/transport.py) and Django for
everything else. Serve it with uvicorn's worker class under gunicorn (docs/DEPLOY.md)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from config.boot import warm_up  # noqa: E402 - after Django is set up
from core.live.transport import router  # noqa: E402

warm_up()

application = router(django_application)
