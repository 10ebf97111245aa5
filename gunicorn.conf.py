"""gunicorn settings for `make run` and production (gunicorn reads ./gunicorn.conf.py by itself).

Workers and threads sized to the machine: one worker process per CPU (at least 2, at most 8;
WEB_CONCURRENCY overrides), each with GUNICORN_THREADS threads (default 4) so a slow request does
not hold a whole process. Arguments on the command line (`-w`, `-b`) win over these.
"""
import multiprocessing
import os
import sys

workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, min(multiprocessing.cpu_count(), 8)))
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "1") == "1" else None
errorlog = "-"


def when_ready(server):
    storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    if storage.startswith("memory://") and server.cfg.workers > 1:
        print(f"note: rate limits are counted in each of the {server.cfg.workers} worker processes "
              "(memory://); set RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 to count them once.",
              file=sys.stderr, flush=True)
