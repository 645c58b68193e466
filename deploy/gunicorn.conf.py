"""gunicorn settings for ``make serve`` and ``deploy/systemd/lyceum-web.service``.

Everything comes from the environment: ``HOST`` and ``PORT`` (bind), ``WEB_CONCURRENCY``
(worker processes; 2 x CPUs + 1 when unset), ``GUNICORN_WORKER_CLASS`` and ``GUNICORN_THREADS``
(sync, 1), ``GUNICORN_KEEPALIVE`` (5 s), ``GUNICORN_PRELOAD`` (on), ``GUNICORN_MAX_REQUESTS``
(2000), ``GUNICORN_TIMEOUT`` (seconds a request may take), ``FORWARDED_ALLOW_IPS`` (the proxies
whose X-Forwarded-* headers are trusted).
Access and error logs go to stdout/stderr (journald or the container collects them).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
# sync workers (one request at a time per process; they close every connection after answering)
# by default: on 2 cores, make bench-web found them fairest for p95. "gthread" with
# GUNICORN_THREADS > 1 keeps connections alive (nginx's upstream keepalive reuses them) and served
# about 1.5x more of the lightest pages there, but with long tails on slow ones; see
# docs/PERFORMANCE.md before switching.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync").strip() or "sync"
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
# Seconds an idle kept-alive connection stays open (gthread only; sync workers do not keep any).
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# The application is imported once, in the master, and workers are forked from it: importing it
# takes seconds (scikit-learn for the spam filter, among others), so without this a worker replaced
# after max_requests leaves its share of the load unserved for that long, and all workers, having
# served about as many requests, are replaced at about the same time (make bench-web saw the
# server answer nothing for ~10 s). Forked workers also share the imported code's memory.
# Nothing opens a database or Redis connection at import time (both are opened on first use,
# in each worker), which is what preloading needs. GUNICORN_PRELOAD=0 turns it off.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip().lower() not in ("0", "false", "no", "off")
# A worker is replaced after this many requests (bounds slow leaks); a wide jitter spreads the
# replacements out.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 2
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
# No runtime control socket (it would be written under $HOME); systemd and signals manage the server.
control_socket_disable = True
wsgi_app = "config.wsgi:application"
