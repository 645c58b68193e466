"""deploy/gunicorn.conf.py preloads the application in the master, which is only safe while
importing it opens no database or cache connection (forked workers would share the socket)."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def test_the_application_is_preloaded_unless_turned_off(monkeypatch):
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["preload_app"] is True
    # replacements after max_requests are spread over half of it, not all at once
    assert conf["max_requests_jitter"] == conf["max_requests"] // 2

    for off in ("0", "false", "off"):
        monkeypatch.setenv("GUNICORN_PRELOAD", off)
        assert runpy.run_path(str(GUNICORN_CONF))["preload_app"] is False
    monkeypatch.setenv("GUNICORN_PRELOAD", "1")
    assert runpy.run_path(str(GUNICORN_CONF))["preload_app"] is True


PROBE = """
import json, os
import config.wsgi  # what gunicorn's master imports with preload_app
from django.core.cache import caches
from django.db import connections
def target(fd):
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:  # the descriptor listdir itself used
        return ""
sockets = [fd for fd in os.listdir("/proc/self/fd") if target(fd).startswith("socket:")]
print(json.dumps({
    "db": [c.alias for c in connections.all(initialized_only=True) if c.connection is not None],
    "caches": [type(c).__name__ for c in caches.all(initialized_only=True)],
    "sockets": len(sockets),
}))
"""


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to list open sockets")
def test_importing_the_wsgi_application_opens_no_connection(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LYCEUM_VAR_DIR": str(tmp_path),
        # a cache server that does not exist: a connection attempt at import would show as a socket
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    opened = json.loads(done.stdout.strip().splitlines()[-1])
    assert opened == {"db": [], "caches": [], "sockets": 0}


def test_worker_class_threads_and_keepalive_come_from_the_environment(monkeypatch):
    for name in ("GUNICORN_WORKER_CLASS", "GUNICORN_THREADS", "GUNICORN_KEEPALIVE"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert (conf["worker_class"], conf["threads"], conf["keepalive"]) == ("sync", 1, 5)

    monkeypatch.setenv("GUNICORN_WORKER_CLASS", "gthread")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    monkeypatch.setenv("GUNICORN_KEEPALIVE", "75")
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert (conf["worker_class"], conf["threads"], conf["keepalive"]) == ("gthread", 4, 75)

    monkeypatch.setenv("GUNICORN_THREADS", "four")
    with pytest.raises(ValueError):
        runpy.run_path(str(GUNICORN_CONF))
