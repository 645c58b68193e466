"""The media bucket (S3-compatible object storage through django-storages).

config/storage.py selects :class:`MediaStorage` as the default storage when ``LYCEUM_S3_BUCKET``
is set. Every object is private; a browser reaches one only through a signed, expiring URL that
the app hands out after its own check (``core.http``). Public uploads (avatars, covers) keep the
app's stable ``/media/<name>`` address, which ``core.views.public_media`` redirects to a signed URL.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage

# Upload prefixes anyone may see (accounts' avatars, courses' covers); everything else is protected.
PUBLIC_PREFIXES = ("avatars/", "covers/")


def is_public_name(name: str) -> bool:
    """Whether a stored name lies under a public prefix (and climbs out of none)."""
    parts = name.split("/")
    return name.startswith(PUBLIC_PREFIXES) and ".." not in parts and "" not in parts[1:]


def can_sign(storage: Any) -> bool:
    """Whether ``storage.url`` makes signed, expiring URLs (the media bucket does, the disk does not)."""
    return isinstance(storage, S3Storage) and bool(storage.querystring_auth)  # a LazyObject passes its class


class MediaStorage(S3Storage):  # type: ignore[misc]  # django-storages ships no type hints
    """django-storages' S3 storage, private and signed, with two Lyceum rules.

    * ``url(name)`` with no arguments (``FieldFile.url`` in templates and the API) gives the app's
      ``MEDIA_URL`` address for public names: stable, so pages in the anonymous page cache never
      carry an expired signature. With arguments, or for any other name, it is a signed URL.
    * An object's stored Content-Type comes from its (app-chosen) name, never from the browser's
      claim in the upload.
    """

    def __init__(self, **options: Any) -> None:
        checksums = options.pop("checksums", "when_supported")
        super().__init__(**options)
        from botocore.config import Config

        self.client_config = self.client_config.merge(  # type: ignore[has-type]
            Config(request_checksum_calculation=checksums, response_checksum_validation=checksums)
        )

    def url(
        self,
        name: str,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        if parameters is None and expire is None and http_method is None and is_public_name(name):
            return f"{settings.MEDIA_URL}{filepath_to_uri(name)}"
        return str(super().url(name, parameters=parameters, expire=expire, http_method=http_method))

    def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]:
        params = dict(self.get_object_parameters(name))
        if "ContentType" not in params:
            guessed, encoding = mimetypes.guess_type(name)
            params["ContentType"] = guessed or self.default_content_type
            if encoding:
                params["ContentEncoding"] = encoding
        if "ACL" not in params and self.default_acl:
            params["ACL"] = self.default_acl
        return params
