"""deploy/nginx/lyceum.conf, run for real: Debian's nginx on loopback in front of gunicorn.

The shipped site file is used as it is, with only its ports and paths rewritten into a temporary
directory and a self-signed certificate: TLS, HTTP/2, the static files from disk, the public and
the ``internal`` media locations, the proxy to gunicorn. The app runs with production settings
(``DEBUG=0``, ``LYCEUM_BEHIND_PROXY=1``, ``LYCEUM_MEDIA_DELIVERY=x-accel``) on a SQLite file of
its own; every assertion is about what a browser gets from nginx.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SITE = ROOT / "deploy" / "nginx" / "lyceum.conf"
HOST = "lyceum.example.org"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
OPENSSL = shutil.which("openssl")

pytestmark = pytest.mark.skipif(NGINX is None, reason="needs nginx (Debian's nginx-light; `make system-deps`)")

# The data the app will serve, made in its database with the app's own services.
DATA_SCRIPT = r"""
import json, django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.conf import settings
from lyceum.accounts.models import Role
from lyceum.accounts.services import token_create, user_create
from lyceum.courses import services as courses
from lyceum.courses.models import Lesson, LessonKind
from lyceum.courses.tests.authoring_helpers import tiny_video
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

def person(email, role):
    return user_create(email=email, display_name=email.split("@")[0], password="x" * 20, roles=(role,))

instructor = person("ada@example.org", Role.INSTRUCTOR)
learner = person("lena@example.org", Role.LEARNER)
outsider = person("otto@example.org", Role.LEARNER)
course = make_course(instructor=instructor, lessons=1, slug="nginx-course", title="Behind nginx")
module = course.modules.first()
video = tiny_video(seconds=1.0)
lesson = courses.lesson_create(
    actor=instructor, module=module, data=courses.LessonData(title="Clip", kind=LessonKind.VIDEO),
    upload=SimpleUploadedFile("clip.mp4", video, content_type="video/mp4"),
)
# A file whose stored name needs URL quoting in X-Accel-Redirect (space, %, #, ?, non-ASCII).
odd_bytes = "plain text, \u4e2d\u6587\n".encode() * 50
odd_name = default_storage.save(
    f"protected/lessons/{course.pk}/odd name 100% #1? \u4e2d\u6587.txt", ContentFile(odd_bytes)
)
odd = Lesson.objects.create(
    course=course, module=module, position=9, title="Odd", kind=LessonKind.FILE, media=odd_name,
    media_type="text/plain",
)
enrollment_create(user=learner, course=course)
from lyceum.courses.tests.authoring_helpers import tiny_png
course.cover.save("cover.png", ContentFile(tiny_png()))  # a public upload

def cookie(user):
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value

print(json.dumps({
    "slug": course.slug, "lesson": lesson.pk, "media_name": lesson.media.name, "video_size": len(video),
    "odd": odd.pk, "odd_name": odd_name, "odd_size": len(odd_bytes), "cover": course.cover.name,
    "learner": cookie(learner), "outsider": cookie(outsider),
    "learner_token": token_create(user=learner, name="nginx test")[1],
}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _self_signed(directory: Path) -> tuple[Path, Path]:
    if OPENSSL is None:
        pytest.skip("needs the openssl command to make a self-signed certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={HOST}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def site_for_loopback(
    *, http_port: int, https_port: int, app_port: int, var: Path, logs: Path, cert: Path, key: Path
) -> str:
    """The shipped site with its ports and paths moved to this machine's temporary ones.

    Every rewrite must find its target: a changed site file fails here instead of testing less."""
    text = SITE.read_text()
    rewrites = [
        (r"listen \[::\]:80;\n", ""),  # IPv6 may be off in a container
        (r"listen \[::\]:443 ssl http2;\n", ""),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"server 127\.0\.0\.1:8000 ", f"server 127.0.0.1:{app_port} "),
        (r"/etc/letsencrypt/live/lyceum\.example\.org/fullchain\.pem", str(cert)),
        (r"/etc/letsencrypt/live/lyceum\.example\.org/privkey\.pem", str(key)),
        (r"/var/lib/lyceum", str(var)),
        (r"/var/log/nginx", str(logs)),
        (r"/var/www/html", str(logs / "acme")),
    ]
    for pattern, replacement in rewrites:
        text, count = re.subn(pattern, lambda _m, r=replacement: r, text)
        assert count, f"deploy/nginx/lyceum.conf no longer contains {pattern!r}"
    return text


def nginx_conf(directory: Path, site: Path) -> Path:
    """A main nginx.conf like Debian's, everything under ``directory``, including the site."""
    mime = Path("/etc/nginx/mime.types")
    types = (
        f"include {mime};"
        if mime.exists()
        else "types { text/css css; application/javascript js; image/png png; image/svg+xml svg; }"
    )
    temp = "\n".join(
        f"    {kind}_temp_path {directory / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = directory / "nginx.conf"
    conf.write_text(
        f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 128; }}
http {{
    sendfile on;
    {types}
    default_type application/octet-stream;
    access_log {directory / "access.log"};
{temp}
    include {site};
}}
"""
    )
    return conf


def _nginx(directory: Path, conf: Path, *args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    # -e: the startup error log too goes to the temporary directory, not /var/log/nginx.
    command = [NGINX, "-p", str(directory), "-e", str(directory / "error.log"), "-c", str(conf), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, **kwargs)  # type: ignore[arg-type]


def test_the_shipped_site_passes_nginx_t(tmp_path):
    cert, key = _self_signed(tmp_path)
    site = tmp_path / "lyceum.conf"
    site.write_text(
        site_for_loopback(
            http_port=_free_port(), https_port=_free_port(), app_port=_free_port(),
            var=tmp_path / "var", logs=tmp_path, cert=cert, key=key,
        )
    )  # fmt: skip
    (tmp_path / "var" / "static").mkdir(parents=True)

    done = _nginx(tmp_path, nginx_conf(tmp_path, site), "-t")

    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr
    # nginx >= 1.25.1 warns that "listen ... http2" is deprecated; 1.22 (Debian bookworm) needs it.
    warnings = [line for line in done.stderr.splitlines() if "[warn]" in line and "http2" not in line]
    assert not warnings, done.stderr


def test_nginx_t_catches_a_broken_site(tmp_path):
    """The check above can fail: the directive nginx 1.22 does not know is refused."""
    cert, key = _self_signed(tmp_path)
    site = tmp_path / "lyceum.conf"
    text = site_for_loopback(
        http_port=_free_port(), https_port=_free_port(), app_port=_free_port(),
        var=tmp_path / "var", logs=tmp_path, cert=cert, key=key,
    )  # fmt: skip
    site.write_text(text.replace("client_max_body_size", "bogus_directive on;\n    client_max_body_size", 1))

    done = _nginx(tmp_path, nginx_conf(tmp_path, site), "-t")

    assert done.returncode != 0
    assert "bogus_directive" in done.stderr


# --- The stack: gunicorn + nginx, once for the tests below -------------------------------------


@dataclass
class Stack:
    https_port: int
    http_port: int
    app_port: int
    var: Path
    app_log: Path
    data: dict
    marks: int = 0

    def get(self, path: str, *, tls: bool = True, port: int | None = None, host: str = HOST, **headers: str):
        """One request as a browser sends it; redirects are not followed."""
        port = port or (self.https_port if tls else self.http_port)
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", port, timeout=10, context=context
            )
        else:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", path, headers={"Host": host, **headers})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def as_user(self, who: str) -> dict[str, str]:
        return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={self.data[who]}"}


def _app_env(var: Path, **extra: str) -> dict[str, str]:
    drop = {"CELERY_BROKER_URL", "REDIS_URL", "DEBUG", "MAKEFLAGS", "DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("LYCEUM_")}
    env.update(
        DEBUG="0",
        SECRET_KEY="nginx-loopback-" + "k" * 40,
        ALLOWED_HOSTS=HOST,
        LYCEUM_BEHIND_PROXY="1",
        LYCEUM_MEDIA_DELIVERY="x-accel",
        LYCEUM_VAR_DIR=str(var),
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def _wait_for(check, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            check()
            return
        except OSError:
            assert process.poll() is None, f"{what} exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"{what} did not answer within 60 s:\n{log.read_text()}"
            time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base = tmp_path_factory.mktemp("nginx")
    var, logs = base / "var", base / "logs"
    logs.mkdir()
    cert, key = _self_signed(base)
    env = _app_env(var)
    python = str(Path(sys.executable))
    # The schema and the collected static files do not depend on each other: both at once.
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    setup = [
        subprocess.Popen([python, "manage.py", *command], cwd=ROOT, env=env, **pipes)  # type: ignore[call-overload]
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput", "--verbosity", "0"])
    ]
    for process in setup:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    done = subprocess.run([python, "-c", DATA_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout.strip().splitlines()[-1])

    app_port, http_port, https_port = _free_port(), _free_port(), _free_port()
    app_log = logs / "gunicorn.log"
    # The shipped gunicorn settings; only the access log also records the proxy headers received.
    access_format = (
        '%(h)s "%(r)s" %(s)s %(b)s xff="%({x-forwarded-for}i)s" real="%({x-real-ip}i)s" '
        'proto="%({x-forwarded-proto}i)s" fhost="%({x-forwarded-host}i)s"'
    )
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "deploy/gunicorn.conf.py",
         "--access-logformat", access_format],
        cwd=ROOT, env={**env, "HOST": "127.0.0.1", "PORT": str(app_port), "WEB_CONCURRENCY": "1"},
        stdout=app_log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    site = logs / "lyceum.conf"
    site.write_text(
        site_for_loopback(
            http_port=http_port, https_port=https_port, app_port=app_port, var=var, logs=logs, cert=cert, key=key
        )
    )
    conf = nginx_conf(logs, site)
    nginx = subprocess.Popen(
        [NGINX, "-p", str(logs), "-e", str(logs / "error.log"), "-c", str(conf), "-g", "daemon off;"],
        stdout=(logs / "nginx.out").open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    result = Stack(https_port=https_port, http_port=http_port, app_port=app_port, var=var, app_log=app_log, data=data)
    try:
        _wait_for(lambda: result.get("/healthz", tls=False, port=app_port), gunicorn, app_log, "gunicorn")
        _wait_for(lambda: result.get("/healthz"), nginx, logs / "error.log", "nginx")
        yield result
    finally:
        _stop(nginx)
        _stop(gunicorn)


def _one(headers: Message, name: str) -> str:
    values = headers.get_all(name) or []
    assert len(values) == 1, f"{name}: {values}"
    return values[0]


def _app_saw(stack: Stack, path: str) -> list[str]:
    """gunicorn's access-log lines for ``path`` so far.

    gunicorn logs a request just after answering it; its one worker handles requests in order,
    so once a marker request sent afterwards is in the log, every earlier one is too."""
    stack.marks += 1
    marker = f"/healthz?mark={stack.marks}"
    assert stack.get(marker)[0] == 200
    deadline = time.monotonic() + 10
    while True:
        lines = stack.app_log.read_text().splitlines()
        if any(f" {marker} HTTP/" in line for line in lines):
            return [line for line in lines if f" {path} HTTP/" in line]
        assert time.monotonic() < deadline, "gunicorn did not log the marker request"
        time.sleep(0.05)


def test_hashed_static_files_come_from_disk_compressed_and_cached_for_a_year(stack):
    manifest = json.loads((stack.var / "static" / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/lyceum.css"]
    on_disk = (stack.var / "static" / hashed).read_bytes()

    status, headers, body = stack.get(f"/static/{hashed}", **{"Accept-Encoding": "gzip"})

    assert status == 200
    assert _one(headers, "Cache-Control") == "public, max-age=31536000, immutable"
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"].startswith("text/css")
    assert gzip.decompress(body) == on_disk
    status, headers, body = stack.get(f"/static/{hashed}")
    assert (status, body) == (200, on_disk)
    assert "Content-Encoding" not in headers
    assert stack.get("/static/css/no-such-file.css")[0] == 404
    assert not _app_saw(stack, f"/static/{hashed}")  # gunicorn never saw them


def _lesson_media_src(stack: Stack, lesson_key: str, who: str = "learner") -> str:
    path = f"/courses/{stack.data['slug']}/lessons/{stack.data[lesson_key]}/"
    status, _headers, body = stack.get(path, **stack.as_user(who))
    assert status == 200, body[:500]
    match = re.search(r'(?:src|href)="(/media/lessons/\d+/[^"?]+)"', body.decode())
    assert match, "no media link on the lesson page"
    return match.group(1)


def test_an_enrolled_learner_gets_the_lesson_video_from_nginx_with_ranges(stack):
    url = _lesson_media_src(stack, "lesson")
    stored = (stack.var / "media" / stack.data["media_name"]).read_bytes()
    assert len(stored) == stack.data["video_size"]

    status, headers, body = stack.get(url, **stack.as_user("learner"))

    assert status == 200
    assert body == stored
    assert headers["Content-Type"] == "video/mp4"
    assert headers["Content-Length"] == str(len(stored))
    assert headers["Accept-Ranges"] == "bytes"
    assert _one(headers, "Cache-Control") == "private, no-store"  # the app's, kept by nginx
    assert _one(headers, "X-Content-Type-Options") == "nosniff"
    assert headers["Content-Disposition"].startswith("inline")
    assert "X-Accel-Redirect" not in headers  # nginx consumed it
    # The app answered with an empty body: nginx sent the bytes.
    assert _app_saw(stack, url)[-1].split('"')[2].split()[:2] == ["200", "0"]

    status, headers, body = stack.get(url, Range="bytes=10-109", **stack.as_user("learner"))
    assert status == 206
    assert body == stored[10:110]
    assert headers["Content-Range"] == f"bytes 10-109/{len(stored)}"

    status, headers, _body = stack.get(url, Range=f"bytes={len(stored) + 10}-", **stack.as_user("learner"))
    assert status == 416


def test_a_stored_name_that_needs_quoting_reaches_the_right_file(stack):
    url = _lesson_media_src(stack, "odd")
    stored = (stack.var / "media" / stack.data["odd_name"]).read_bytes()

    status, headers, body = stack.get(url, **stack.as_user("learner"))

    assert status == 200
    assert body == stored and len(body) == stack.data["odd_size"]
    assert headers["Content-Type"].startswith("text/plain")


def test_a_member_who_is_not_enrolled_gets_403_and_no_file(stack):
    learner_url = _lesson_media_src(stack, "lesson")
    stored = (stack.var / "media" / stack.data["media_name"]).read_bytes()

    borrowed = stack.get(learner_url, **stack.as_user("outsider"))
    anonymous = stack.get(learner_url)
    guessed = stack.get(f"/media/lessons/{stack.data['lesson']}/not-a-token", **stack.as_user("outsider"))

    for status, headers, body in (borrowed, anonymous, guessed):
        assert status == 403
        assert stored not in body and body[:4] != stored[:4]
        assert "X-Accel-Redirect" not in headers


def test_the_internal_location_and_raw_media_paths_are_not_reachable_from_outside(stack):
    name = stack.data["media_name"]

    assert stack.get(f"/_media/{name}", **stack.as_user("learner"))[0] == 404
    assert stack.get(f"/_media/{name}", **{"X-Accel-Redirect": f"/_media/{name}"})[0] == 404
    assert stack.get(f"/media/{name}", **stack.as_user("learner"))[0] == 404  # the app: no public URL
    assert not _app_saw(stack, f"/_media/{name}")  # nginx answered /_media/ itself


def test_the_app_sees_the_clients_scheme_and_host_through_the_proxy_headers(stack):
    path = f"/api/v1/lessons/{stack.data['lesson']}"

    status, _headers, body = stack.get(path, Authorization=f"Bearer {stack.data['learner_token']}")

    assert status == 200, body[:300]
    # build_absolute_uri: https from X-Forwarded-Proto, the host from X-Forwarded-Host.
    assert json.loads(body)["media_url"].startswith(f"https://{HOST}/media/lessons/{stack.data['lesson']}/")

    # Without nginx's headers the same app takes the request for plain HTTP and redirects it.
    status, headers, _body = stack.get(
        path, tls=False, port=stack.app_port, Authorization=f"Bearer {stack.data['learner_token']}"
    )
    assert status == 301
    assert headers["Location"] == f"https://{HOST}{path}"

    # nginx overwrites X-Forwarded-Proto/Host and X-Real-IP, and appends to X-Forwarded-For.
    stack.get("/healthz?who", **{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http", "X-Real-IP": "1.2.3.4"})
    [line] = _app_saw(stack, "/healthz?who")
    assert 'xff="203.0.113.9, 127.0.0.1"' in line
    assert 'real="127.0.0.1"' in line
    assert 'proto="https"' in line
    assert f'fhost="{HOST}"' in line


def test_plain_http_is_redirected_to_https_by_nginx(stack):
    status, headers, _body = stack.get("/courses/?page=2", tls=False)

    assert status == 301
    assert headers["Location"] == f"https://{HOST}/courses/?page=2"
    assert not _app_saw(stack, "/courses/?page=2")


def test_public_uploads_are_served_by_nginx_from_disk(stack):
    cover = stack.data["cover"]
    on_disk = (stack.var / "media" / cover).read_bytes()

    status, headers, body = stack.get(f"/media/{cover}")

    assert status == 200
    assert body == on_disk
    assert headers["Content-Type"] == "image/png"
    assert _one(headers, "Cache-Control") == "max-age=3600"
    assert _one(headers, "X-Content-Type-Options") == "nosniff"
    assert not _app_saw(stack, f"/media/{cover}")
    # A cover that is not on this disk is the app's to answer (with media on object storage it
    # redirects to a signed URL), with the same proxy headers as every other request.
    assert stack.get("/media/covers/none.png")[0] == 404
    [line] = _app_saw(stack, "/media/covers/none.png")
    assert '" 404 ' in line and 'proto="https"' in line and f'fhost="{HOST}"' in line


def test_tls_offers_http2(stack):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", stack.https_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=HOST) as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
