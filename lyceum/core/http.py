"""HTTP helpers: file responses that honour ``Range`` so browsers can seek in media."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import Storage
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024
# S3 (SigV4) refuses signed URLs that live longer than a week.
MAX_SIGNED_SECONDS = 7 * 24 * 3600


def _iter_range(handle: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """One ``bytes=a-b`` range -> (start, end inclusive); None when unsatisfiable.

    Multi-range requests are answered with the first range only (browsers ask for one).
    """
    first = header.split(",")[0].strip()
    match = _RANGE.match(first)
    if not match or size == 0:
        return None
    start_s, end_s = match.groups()
    if start_s == "" and end_s == "":
        return None
    if start_s == "":  # suffix: the last N bytes
        length = int(end_s)
        if length == 0:
            return None
        return max(0, size - length), size - 1
    start = int(start_s)
    end = int(end_s) if end_s else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


def ranged_file_response(
    request: HttpRequest,
    handle: BinaryIO,
    *,
    size: int,
    content_type: str,
    filename: str,
    as_attachment: bool = False,
) -> HttpResponseBase:
    """200 with the whole file, 206 with the requested range, or 416 when it cannot be met."""
    disposition = content_disposition_header(as_attachment, filename) or "inline"
    header = request.headers.get("Range", "")
    if not header:
        response: HttpResponseBase = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        byte_range = parse_range(header, size)
        if byte_range is None:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        start, end = byte_range
        response = StreamingHttpResponse(
            _iter_range(handle, start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    return response


def file_size(handle: BinaryIO) -> int:
    return os.fstat(handle.fileno()).st_size


# --- Protected files: after the view's access check, who sends the bytes -----------------------
#
# ``settings.LYCEUM_MEDIA_DELIVERY`` chooses (config/settings.py sets it from the environment):
#   "app"       the web process streams the file itself, with Range support (embedded default);
#   "x-accel"   an empty response with ``X-Accel-Redirect: <LYCEUM_MEDIA_ACCEL_PREFIX><name>`` that
#               nginx answers from disk (deploy/nginx: the ``internal`` /_media/ location);
#   "signed"    a redirect to a short-lived signed URL of the object store (django-storages S3;
#               LYCEUM_MEDIA_SIGNED_SECONDS), the bucket itself being private.
# Personalised bytes (a watermarked PDF) are always streamed by the app: ``protected_file_response``
# is only for files sent exactly as stored.


def protected_file_response(
    request: HttpRequest,
    storage: Storage,
    name: str,
    *,
    content_type: str,
    filename: str,
    as_attachment: bool = False,
) -> HttpResponseBase:
    """The stored file ``name`` for a viewer the caller has already let in; never cacheable."""
    mode = getattr(settings, "LYCEUM_MEDIA_DELIVERY", "app")
    disposition = content_disposition_header(as_attachment, filename) or "inline"
    if mode == "signed" and _can_sign(storage):
        response: HttpResponseBase = _signed_redirect(storage, name, content_type=content_type, disposition=disposition)
    elif mode == "x-accel":
        response = _accel_redirect(name, content_type=content_type, disposition=disposition)
    else:
        response = ranged_file_response(
            request,
            storage.open(name, "rb"),  # type: ignore[arg-type]  # a File is file-like
            size=storage.size(name),
            content_type=content_type,
            filename=filename,
            as_attachment=as_attachment,
        )
    response["Cache-Control"] = "private, no-store"
    return response


def _accel_redirect(name: str, *, content_type: str, disposition: str) -> HttpResponseBase:
    """An empty answer telling nginx to send the stored file ``name`` itself.

    The header is the prefix of nginx's ``internal`` location (deploy/nginx/lyceum.conf: /_media/,
    an alias of MEDIA_ROOT) plus the storage name, percent-encoded: nginx decodes it, so a name with
    a space, ``%``, ``#``, ``?`` or non-ASCII letters still maps to its file. nginx keeps this
    response's Content-Type, Content-Disposition and Cache-Control, and answers Range requests."""
    prefix = settings.LYCEUM_MEDIA_ACCEL_PREFIX.rstrip("/") + "/"
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = prefix + quote(name.lstrip("/"), safe="/")
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _can_sign(storage: Storage) -> bool:
    # Only the media bucket signs; a file on the local disk (a storage a view passes explicitly, or
    # "signed" asked for without a bucket) is streamed by the app rather than answered with a 500.
    from lyceum.core.storage import can_sign

    return can_sign(storage)


def signed_url(
    storage: Storage, name: str, *, content_type: str, disposition: str, seconds: int, cache_control: str
) -> str:
    """A URL of the object store that serves ``name`` for ``seconds``, with these response headers.

    The store answers it by itself (Range requests included) and refuses it once it expired or
    was altered: the headers are part of what is signed.
    """
    parameters = {
        "ResponseContentType": content_type,
        "ResponseContentDisposition": disposition,
        "ResponseCacheControl": cache_control,
    }
    return str(storage.url(name, parameters=parameters, expire=seconds))  # type: ignore[call-arg]


def _signed_redirect(storage: Storage, name: str, *, content_type: str, disposition: str) -> HttpResponseBase:
    seconds = settings.LYCEUM_MEDIA_SIGNED_SECONDS
    if content_type.startswith(("video/", "audio/")):
        # A player keeps asking the redirected URL for ranges while the learner watches and seeks:
        # the URL lives as long as the lesson page's own media link (LYCEUM_MEDIA_URL_TTL).
        seconds = max(seconds, min(settings.LYCEUM_MEDIA_URL_TTL, MAX_SIGNED_SECONDS))
    url = signed_url(
        storage,
        name,
        content_type=content_type,
        disposition=disposition,
        seconds=seconds,
        cache_control=f"private, max-age={seconds}",
    )
    response = HttpResponse(status=302)
    response["Location"] = url
    # the signature is a bearer credential: keep it out of Referer headers
    response["Referrer-Policy"] = "no-referrer"
    return response
