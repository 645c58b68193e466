"""A local S3-compatible server for the media tests, and settings that put media in it.

The server is moto's (``moto.server.ThreadedMotoServer``, from the test requirements), reached
over real HTTP on a free loopback port: django-storages and boto3 talk to it exactly as to
MinIO or AWS, and the tests fetch signed URLs from it with ``requests`` as a browser would.
It enforces private objects (an unsigned GET of a private object is refused), serves Range
requests and the signed ``response-*`` header overrides; it does not check a query-string
signature's value or expiry, so the tests verify those on the URL itself (``sigv4_problem``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from config.storage import MediaConfig, media_config

ACCESS_KEY = "lyceum-test-key"
SECRET_KEY = "lyceum-test-secret"
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def client(self) -> Any:
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )


@dataclass(frozen=True)
class S3Media:
    """Media settings pointing at a fresh bucket of the local server."""

    server: S3Server
    bucket: str
    config: MediaConfig

    def keys(self) -> list[str]:
        listing = self.server.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return bytes(self.server.client().get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def object_url(self, key: str) -> str:
        """The object's plain (unsigned) address on the server."""
        return f"{self.server.endpoint}/{self.bucket}/{quote(key)}"


@pytest.fixture(scope="session")
def s3_server():
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # the test requirements were not installed
        pytest.skip(f"no local S3 server: moto[s3] and flask are test requirements ({exc})")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per S3 request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
    except OSError as exc:
        pytest.skip(f"the local S3 server could not start: {exc}")
    host, port = server.get_host_and_port()
    yield S3Server(endpoint=f"http://{host}:{port}")
    server.stop()


@pytest.fixture
def s3_media(s3_server, settings, monkeypatch) -> S3Media:
    """Media in a new private bucket, configured through config/storage.py like production."""
    bucket = f"lyceum-test-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    environ = {
        "LYCEUM_S3_BUCKET": bucket,
        "LYCEUM_S3_ENDPOINT_URL": s3_server.endpoint,
        "LYCEUM_S3_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    config = media_config(staticfiles_backend=settings.STORAGES["staticfiles"]["BACKEND"], environ=environ)
    # boto3 reads the credentials from the environment, as in production (no secret in settings)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_S3_ACCESS_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    # assigning STORAGES sends setting_changed: Django drops its cached default_storage
    settings.STORAGES = config.storages
    settings.LYCEUM_MEDIA_DELIVERY = config.delivery
    settings.LYCEUM_MEDIA_SIGNED_SECONDS = config.signed_seconds
    settings.LYCEUM_MEDIA_PUBLIC_SECONDS = config.public_seconds
    settings.LYCEUM_MEDIA_ORIGINS = config.origins
    return S3Media(server=s3_server, bucket=bucket, config=config)


# --- Checking a SigV4 query-string signature (what S3 does on a signed GET) ---------------------


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sigv4_problem(url: str, *, secret: str = SECRET_KEY, now: dt.datetime | None = None) -> str:
    """'' when ``url`` is a valid, unexpired signed GET for ``secret``; else what is wrong."""
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    given = dict(params)
    needed = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders")
    if any(name not in given for name in (*needed, "X-Amz-Signature")):
        return "not signed"
    if given["X-Amz-SignedHeaders"] != "host":
        return "unexpected signed headers"
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params) if k != "X-Amz-Signature"
    )
    canonical_request = "\n".join(
        ["GET", parts.path or "/", canonical_query, f"host:{parts.netloc}", "", "host", "UNSIGNED-PAYLOAD"]
    )
    _key_id, day, region, service, terminator = given["X-Amz-Credential"].split("/")
    scope = f"{day}/{region}/{service}/{terminator}"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", given["X-Amz-Date"], scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, terminator):
        key = _hmac(key, part)
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given["X-Amz-Signature"]):
        return "signature does not match"
    signed_at = dt.datetime.strptime(given["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    if (now or dt.datetime.now(dt.UTC)) > signed_at + dt.timedelta(seconds=int(given["X-Amz-Expires"])):
        return "expired"
    return ""
