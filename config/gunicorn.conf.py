"""gunicorn settings for a web node: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Workers default to 2 × cores + 1 (WEB_CONCURRENCY overrides); threads let a worker wait on the
database for one request while serving another; requests time out rather than hang.
"""

import gc
import multiprocessing
import os
from typing import Any

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# A worker is replaced after this many requests (a guard against slow leaks). Without preload (below) a
# replacement costs the new interpreter about 2 s of CPU to import the project: at the former 2,000,
# bench/load's mixed run on 2 cores replaced 4-6 workers a minute, about a tenth of the CPU the server had.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# The master imports the project once (config/wsgi.py: Django, the URLconf, the GraphQL schema,
# config/boot.py) and forks ready workers from it: a new or replacement worker costs no import, no
# request waits for one, and the workers share those pages. WEB_PRELOAD=0 imports in every worker instead.
# With preload, `kill -HUP` restarts the workers on the master's code: restart the master to deploy.
preload_app = os.environ.get("WEB_PRELOAD", "1") != "0"


def pre_fork(server: Any, worker: Any) -> None:
    """In the master, before each fork: no database connection may be shared with a worker (nothing at
    import opens one; this makes sure), and before the first, the loaded objects move out of the
    collector's reach, so a worker's collections do not write to (and copy) the pages it shares with the
    master. Only once: a later freeze would also keep the master's garbage of replaced workers forever
    (uvicorn's worker object is a reference cycle)."""
    if not server.cfg.preload_app:
        return  # the master has not loaded Django
    from django.db import connections  # this file is read before the preload sets Django up

    connections.close_all()
    if not gc.get_freeze_count():
        gc.freeze()


accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
