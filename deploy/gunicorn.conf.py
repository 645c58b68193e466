"""gunicorn settings for ``make serve`` and ``deploy/systemd/lyceum-web.service``.

Everything comes from the environment: ``HOST`` and ``PORT`` (bind), ``WEB_CONCURRENCY``
(worker processes; 2 x CPUs + 1 when unset), ``GUNICORN_TIMEOUT`` (seconds a request may
take), ``FORWARDED_ALLOW_IPS`` (the proxies whose X-Forwarded-* headers are trusted).
Access and error logs go to stdout/stderr (journald or the container collects them).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (bounds slow leaks); jitter avoids all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
# No runtime control socket (it would be written under $HOME); systemd and signals manage the server.
control_socket_disable = True
wsgi_app = "config.wsgi:application"
