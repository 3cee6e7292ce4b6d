"""Gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi:application`.

Threaded workers (gthread): a sign-in hashes the password for ~0.5 s of CPU on purpose
(PBKDF2, 10^6 iterations, which releases the GIL), and with sync workers each sign-in held a
whole process while the pages queued behind it. A few processes (about one per core: the GIL
lets one thread of a process run Python at a time) each with a handful of threads keep the
cores busy while others wait on PostgreSQL or Redis. Every value can be overridden from the
environment (GUNICORN_*) or on the command line.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Browsers and load balancers reuse connections; 5 s is longer than a page's think time
# behind a proxy that pools, short enough not to hold threads for idle clients.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "10"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR, drop a dead worker's live gauges from /metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
