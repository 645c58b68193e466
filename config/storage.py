"""Where uploads live, read from the environment: the local disk, or an S3-compatible bucket.

``config/settings.py`` calls :func:`media_config` once and copies its fields into settings. The
disk (``MEDIA_ROOT``) is the default. Setting ``LYCEUM_S3_BUCKET`` moves every upload (lesson
files, avatars, course covers) to that bucket through django-storages
(``lyceum.core.storage.MediaStorage``):

* the bucket stays private: objects are written without an ACL, so they inherit the bucket's
  "owner only" default; nothing in it is readable without a signature;
* protected files (lessons) reach a viewer, after the view's access check, as a redirect to a
  short-lived signed URL (``LYCEUM_MEDIA_DELIVERY`` defaults to ``signed``);
* public files (avatars, covers) keep their stable ``/media/avatars/...`` address in pages, so
  a page kept by the anonymous page cache never holds an expired link; that address answers
  with a redirect to a signed URL that lives ``LYCEUM_MEDIA_PUBLIC_SECONDS``.

Credentials are never settings: boto3 reads ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
from the environment, or the machine's instance role / web identity when they are absent.
A half-configured bucket stops the process with ``ImproperlyConfigured``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

DELIVERY_MODES = ("app", "x-accel", "signed")
ADDRESSING_STYLES = ("auto", "path", "virtual")
CHECKSUM_MODES = ("when_supported", "when_required")
# S3 refuses signed URLs that live longer than a week (SigV4).
MAX_SIGNED_SECONDS = 7 * 24 * 3600
# Variables that only make sense with a bucket: one of them without LYCEUM_S3_BUCKET is a mistake.
_S3_ONLY = (
    "LYCEUM_S3_ENDPOINT_URL",
    "LYCEUM_S3_REGION",
    "LYCEUM_S3_ADDRESSING_STYLE",
    "LYCEUM_S3_PREFIX",
    "LYCEUM_S3_CHECKSUMS",
)
_BUCKET_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789.-")


@dataclass(frozen=True)
class MediaConfig:
    """The media-related settings; field names map to the settings of the same name in upper case."""

    storages: dict[str, dict[str, Any]]
    delivery: str
    accel_prefix: str
    signed_seconds: int
    public_seconds: int
    s3_bucket: str = ""
    # Origins (scheme://host[:port]) the browser loads media from besides the site itself: the
    # bucket's, for the Content-Security-Policy's img-src and media-src.
    origins: list[str] = field(default_factory=list)


def _get(environ: Mapping[str, str], name: str, default: str = "") -> str:
    return environ.get(name, default).strip()


def _int(environ: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = _get(environ, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name} must be between {low} and {high}, got {value}")
    return value


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = _get(environ, name) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def media_config(*, staticfiles_backend: str, environ: Mapping[str, str] | None = None) -> MediaConfig:
    """Read the media settings from ``environ`` (``os.environ`` by default); raise on a bad mix."""
    env = os.environ if environ is None else environ
    bucket = _get(env, "LYCEUM_S3_BUCKET")
    if not bucket:
        stray = [name for name in _S3_ONLY if _get(env, name)]
        if stray:
            raise ImproperlyConfigured(
                f"{', '.join(stray)} is set but LYCEUM_S3_BUCKET is not: set the bucket to keep media "
                "on S3-compatible storage, or unset these to keep them on the local disk."
            )
    delivery = _choice(env, "LYCEUM_MEDIA_DELIVERY", DELIVERY_MODES, "signed" if bucket else "app")
    signed_seconds = _int(env, "LYCEUM_MEDIA_SIGNED_SECONDS", 300, low=1, high=MAX_SIGNED_SECONDS)
    public_seconds = _int(env, "LYCEUM_MEDIA_PUBLIC_SECONDS", 7200, low=60, high=MAX_SIGNED_SECONDS)
    accel_prefix = _get(env, "LYCEUM_MEDIA_ACCEL_PREFIX", "/_media/") or "/_media/"
    staticfiles = {"BACKEND": staticfiles_backend}
    if not bucket:
        if delivery == "signed":
            raise ImproperlyConfigured(
                "LYCEUM_MEDIA_DELIVERY=signed needs media on object storage: set LYCEUM_S3_BUCKET "
                "(or choose app or x-accel for media on the local disk)."
            )
        return MediaConfig(
            storages={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": staticfiles,
            },
            delivery=delivery,
            accel_prefix=accel_prefix,
            signed_seconds=signed_seconds,
            public_seconds=public_seconds,
        )

    if delivery == "x-accel":
        raise ImproperlyConfigured(
            "LYCEUM_MEDIA_DELIVERY=x-accel serves files from the local disk, but media are on S3 "
            "(LYCEUM_S3_BUCKET is set): use signed (or app, to stream through the web process)."
        )
    if not 3 <= len(bucket) <= 63 or not set(bucket) <= _BUCKET_NAME_CHARS:
        raise ImproperlyConfigured(
            f"LYCEUM_S3_BUCKET must be a bucket name (3-63 lower-case letters, digits, dots, dashes), got {bucket!r}"
        )
    endpoint = _get(env, "LYCEUM_S3_ENDPOINT_URL").rstrip("/")
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise ImproperlyConfigured(
                f"LYCEUM_S3_ENDPOINT_URL must be the service's base URL like https://s3.example.com, got {endpoint!r}"
            )
    key_id, secret = _get(env, "AWS_ACCESS_KEY_ID"), _get(env, "AWS_SECRET_ACCESS_KEY")
    if bool(key_id) != bool(secret):
        raise ImproperlyConfigured(
            "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the media bucket, "
            "or neither (to use the machine's instance role)."
        )
    region = _get(env, "LYCEUM_S3_REGION")
    # AWS: the regional virtual-host name (the global one answers new buckets with redirects);
    # elsewhere botocore's "auto" picks path style for a custom endpoint, which MinIO wants.
    addressing = _choice(env, "LYCEUM_S3_ADDRESSING_STYLE", ADDRESSING_STYLES, "auto" if endpoint else "virtual")
    # Boto3's newer default adds CRC checksums to every upload, which several S3-compatible
    # servers (older MinIO, Ceph, some cloud vendors) reject: only AWS gets them by default.
    checksums = _choice(env, "LYCEUM_S3_CHECKSUMS", CHECKSUM_MODES, "when_required" if endpoint else "when_supported")
    prefix = _get(env, "LYCEUM_S3_PREFIX").strip("/")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": endpoint or None,
        "region_name": region or None,
        "addressing_style": None if addressing == "auto" else addressing,
        "signature_version": "s3v4",
        "checksums": checksums,
        "location": prefix,
        # Private objects: no ACL header (the bucket's owner-only default applies), and every URL
        # the storage makes for a protected file is signed and expires.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": signed_seconds,
        # Upload names are random already; never replace an object that exists.
        "file_overwrite": False,
    }
    return MediaConfig(
        storages={
            "default": {"BACKEND": "lyceum.core.storage.MediaStorage", "OPTIONS": options},
            "staticfiles": staticfiles,
        },
        delivery=delivery,
        accel_prefix=accel_prefix,
        signed_seconds=signed_seconds,
        public_seconds=public_seconds,
        s3_bucket=bucket,
        origins=bucket_origins(options),
    )


def bucket_origins(options: Mapping[str, Any]) -> list[str]:
    """The origin signed URLs of this bucket point at, as botocore builds them (no request sent)."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    addressing = options.get("addressing_style")
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=options.get("endpoint_url"),
        region_name=options.get("region_name"),  # None: boto3's own default, as for the storage
        config=Config(signature_version=UNSIGNED, s3={"addressing_style": addressing or "auto"}),
    )
    key = "/".join(part for part in (options.get("location"), "covers/x.png") if part)
    url = client.generate_presigned_url("get_object", Params={"Bucket": options["bucket_name"], "Key": key})
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"]
