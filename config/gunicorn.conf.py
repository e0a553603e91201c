"""gunicorn settings for a web node: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Workers default to 2 × cores + 1 (WEB_CONCURRENCY overrides); threads let a worker wait on the
database for one request while serving another; requests time out rather than hang.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# A worker is replaced after this many requests (a guard against slow leaks). A replacement costs the new
# interpreter about 2 s of CPU to import the project: at the former 2,000, bench/load's mixed run on 2
# cores replaced 4-6 workers a minute, about a tenth of the CPU the server had (docs/BENCHMARKS.md).
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
