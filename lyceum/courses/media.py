"""Checks on course uploads: size limits, real content, media duration.

The client's file name and content type are never trusted: the type is sniffed from
the first bytes with ``filetype``, video and audio must open in PyAV (which also gives
the duration), images must open in Pillow. Callers store the file under a random name
with the extension of the *sniffed* type.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from lyceum.core.errors import ValidationFailed

logger = logging.getLogger(__name__)

# Sniffed MIME type -> extension we store the file under.
VIDEO_TYPES = {"video/mp4": "mp4", "video/x-m4v": "mp4", "video/webm": "webm", "video/quicktime": "mov"}
AUDIO_TYPES = {"audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/ogg": "ogg", "audio/x-wav": "wav"}
FILE_TYPES = {
    "application/pdf": "pdf",
    "application/zip": "zip",
    "application/epub+zip": "epub",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}

# filetype looks at most at this many leading bytes.
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class CheckedUpload:
    mime: str
    extension: str
    size: int
    duration_seconds: int = 0

    def random_name(self) -> str:
        """The name to store under: random, never the client's."""
        return f"{uuid.uuid4().hex}.{self.extension}"


def media_types_for(kind: str) -> dict[str, str]:
    """The sniffed types a lesson of ``kind`` accepts (empty for kinds without a file)."""
    return {"video": VIDEO_TYPES, "audio": AUDIO_TYPES, "file": FILE_TYPES}.get(kind, {})


def media_limit_for(kind: str) -> int:
    return settings.LYCEUM_MAX_FILE_BYTES if kind == "file" else settings.LYCEUM_MAX_VIDEO_BYTES


def _wrong_type_message(kind: str) -> str:
    if kind == "video":
        return _("This is not a video file we accept. Upload an MP4, WebM or MOV video.")
    if kind == "audio":
        return _("This is not an audio file we accept. Upload an MP3, M4A, OGG or WAV file.")
    return _("This file type is not accepted. Upload a PDF, ZIP, EPUB or an office document.")


def _check_size(upload: UploadedFile, limit: int, field: str) -> int:
    size = upload.size or 0
    if size <= 0:
        raise ValidationFailed(_("The file is empty."), field=field)
    if size > limit:
        raise ValidationFailed(
            _("The file is too large: the limit is %(limit)s.") % {"limit": filesizeformat(limit)}, field=field
        )
    return size


def sniff_mime(upload: UploadedFile) -> str:
    """The MIME type the file's content says it has ('' when unknown)."""
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    guess = filetype.guess(head) if head else None
    return guess.mime if guess is not None else ""


def media_probe(upload: UploadedFile, *, kind: str) -> int | None:
    """Seconds of playable ``kind`` (video/audio) in the upload, or None when PyAV cannot read it."""
    import av

    source = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else upload.file
    upload.seek(0)
    try:
        with av.open(source, mode="r") as container:
            streams = container.streams.video if kind == "video" else container.streams.audio
            if not streams:
                return None
            if container.duration is not None:
                seconds = container.duration / av.time_base
            else:
                stream = streams[0]
                seconds = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else 0
    except (av.FFmpegError, OSError, ValueError) as exc:
        logger.info("media probe failed: %s", exc)
        return None
    finally:
        upload.seek(0)
    return max(0, round(seconds))


def media_check(*, upload: UploadedFile, kind: str, field: str = "media") -> CheckedUpload:
    """Check a lesson's video, audio or download file; raises ValidationFailed on ``field``."""
    allowed = media_types_for(kind)
    if not allowed:
        raise ValidationFailed(_("This kind of lesson has no file."), field=field)
    size = _check_size(upload, media_limit_for(kind), field)
    mime = sniff_mime(upload)
    if mime not in allowed:
        raise ValidationFailed(_wrong_type_message(kind), field=field)
    duration = 0
    if kind in ("video", "audio"):
        probed = media_probe(upload, kind=kind)
        if probed is None:
            raise ValidationFailed(_("The file is damaged or cannot be played."), field=field)
        duration = probed
    return CheckedUpload(mime=mime, extension=allowed[mime], size=size, duration_seconds=duration)


def image_check(*, upload: UploadedFile, field: str = "cover") -> CheckedUpload:
    """Check a cover image: size, sniffed type, and that Pillow can really open it."""
    from PIL import Image, UnidentifiedImageError

    size = _check_size(upload, settings.LYCEUM_MAX_IMAGE_BYTES, field)
    mime = sniff_mime(upload)
    message = _("Upload a PNG, JPEG, WebP or GIF image.")
    if mime not in IMAGE_TYPES:
        raise ValidationFailed(message, field=field)
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationFailed(message, field=field) from exc
    finally:
        upload.seek(0)
    return CheckedUpload(mime=mime, extension=IMAGE_TYPES[mime], size=size)
