"""The production entry points: ``make serve`` (gunicorn, hashed and compressed static files)
refuses to start without its secrets, and deploy/gunicorn.conf.py reads the environment."""

from __future__ import annotations

import os
import runpy
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production process: a database and var/ of its own, no broker."""
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "REDIS_URL", "DEBUG", "MAKEFLAGS"}}
    env.update(
        LYCEUM_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'db.sqlite3'}",
        LYCEUM_SECURE_SSL_REDIRECT="0",
    )
    env.update(extra)
    return env


def _make(target: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess[str]:
    # -o: the venv and the translations are already in place (make test built them).
    return subprocess.run(
        ["make", "--no-print-directory", "-o", "install", "-o", "translations", target],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, **kwargs,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("unset", "message"), [("SECRET_KEY", "set SECRET_KEY"), ("ALLOWED_HOSTS", "set ALLOWED_HOSTS")]
)
def test_make_serve_refuses_to_start_without_its_secrets(tmp_path, unset, message):
    env = _env(tmp_path, SECRET_KEY="k" * 50, ALLOWED_HOSTS="lyceum.example.org")
    del env[unset]
    done = _make("serve", env)
    assert done.returncode != 0
    assert message in done.stderr
    assert not (tmp_path / "var" / "db.sqlite3").exists()  # nothing was migrated


@pytest.mark.parametrize("target", ["worker", "beat"])
def test_make_worker_and_beat_need_a_broker(tmp_path, target):
    done = _make(target, _env(tmp_path))
    assert done.returncode != 0
    assert "set CELERY_BROKER_URL" in done.stderr


def test_gunicorn_conf_reads_bind_and_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert (conf["bind"], conf["workers"], conf["accesslog"]) == ("0.0.0.0:9001", 3, "-")
    assert conf["wsgi_app"] == "config.wsgi:application"

    monkeypatch.delenv("WEB_CONCURRENCY")
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["workers"] == 2 * (os.cpu_count() or 1) + 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, dict(response.headers), response.read()


def test_make_serve_runs_gunicorn_with_hashed_compressed_static_files(tmp_path):
    port = _free_port()
    env = _env(
        tmp_path, SECRET_KEY="k" * 50, ALLOWED_HOSTS="127.0.0.1", HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="1"
    )
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        ["make", "--no-print-directory", "-o", "install", "-o", "translations", "serve", f"PORT={port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, headers, _body = _get(base + "/healthz")
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not answer within 120 s"
                time.sleep(0.5)
        assert status == 200
        assert headers["Server"] == "gunicorn"

        _status, _headers, page = _get(base + "/")
        css = next(part for part in page.decode().split('"') if part.startswith("/static/css/lyceum."))
        assert css.endswith(".css") and css.count(".") == 2  # lyceum.<hash>.css
        status, headers, body = _get(base + css, **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
        assert body[:2] == b"\x1f\x8b"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        log.close()
    assert 'GET /healthz HTTP/1.1" 200' in (tmp_path / "serve.log").read_text()  # access log on stdout


UNITS = {
    "lyceum-web.service": "gunicorn --config deploy/gunicorn.conf.py",
    "lyceum-worker.service": "celery -A config worker",
    "lyceum-beat.service": "celery -A config beat",
}


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze (Debian's systemd package)")
def test_the_systemd_units_verify_and_read_the_environment_file(tmp_path):
    for unit, command in UNITS.items():
        text = (ROOT / "deploy" / "systemd" / unit).read_text()
        assert "EnvironmentFile=/etc/lyceum/lyceum.env" in text
        assert command in text
        # Installed, the checkout is /srv/lyceum; here it is this one (its venv exists).
        (tmp_path / unit).write_text(text.replace("/srv/lyceum", str(ROOT)))
    done = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(tmp_path / unit) for unit in UNITS)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_nginx_site_proxies_to_gunicorn_and_keeps_protected_media_internal():
    conf = (ROOT / "deploy" / "nginx" / "lyceum.conf").read_text()
    code = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    assert code.count("{") == code.count("}")
    for directive in (
        "proxy_pass http://lyceum_web;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-Host $host;",
        "client_max_body_size",
        "alias /var/lib/lyceum/static/;",
    ):
        assert directive in code, directive
    internal = code.split("location /_media/", 1)[1].split("}", 1)[0]
    assert "internal;" in internal
