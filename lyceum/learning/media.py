"""Protected lesson media: short-lived URLs bound to the viewer, and per-learner watermarks."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core.errors import PermissionDenied

_SALT = "lyceum.learning.media"


def _session_hash(request: Any) -> str:
    key = request.session.session_key if hasattr(request, "session") else None
    return hashlib.sha256(key.encode()).hexdigest()[:16] if key else ""


def media_url(*, request: Any, lesson_id: int) -> str:
    """A URL for one lesson's file that only this user, in this session, can use for a while."""
    payload = {"l": lesson_id, "u": request.user.pk if request.user.is_authenticated else None}
    session = _session_hash(request)
    if session:
        payload["s"] = session
    token = signing.dumps(payload, salt=_SALT, compress=True)
    return reverse("learning:lesson-media", args=[lesson_id, token])


def media_token_check(*, request: Any, lesson_id: int, token: str) -> None:
    try:
        payload = signing.loads(token, salt=_SALT, max_age=settings.LYCEUM_MEDIA_URL_TTL)
    except signing.SignatureExpired as exc:
        raise PermissionDenied(_("This media link has expired; reload the lesson."), code="link_expired") from exc
    except signing.BadSignature as exc:
        raise PermissionDenied(_("Invalid media link."), code="bad_link") from exc
    user_id = request.user.pk if request.user.is_authenticated else None
    if payload.get("l") != lesson_id or payload.get("u") != user_id:
        raise PermissionDenied(_("This media link belongs to someone else."), code="bad_link")
    if payload.get("s") and payload["s"] != _session_hash(request):
        raise PermissionDenied(_("This media link belongs to another session."), code="bad_link")


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:2]}***@{domain}" if domain else f"{local[:2]}***"


def watermark_text(user: Any) -> str:
    if not user.is_authenticated:
        return settings.LYCEUM_SITE_NAME
    return (
        f"{user.display_name or user.email.split('@')[0]} · {mask_email(user.email)} · {timezone.localdate():%Y-%m-%d}"
    )


def watermark_pdf(source: Any, text: str) -> bytes:
    """Stamp ``text`` diagonally on every page of a PDF (CJK-capable font)."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.colors import Color
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    writer = PdfWriter(clone_from=PdfReader(source))
    stamps: dict[tuple[float, float], Any] = {}
    for page in writer.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        if (width, height) not in stamps:
            buffer = io.BytesIO()
            sheet = canvas.Canvas(buffer, pagesize=(width, height))
            sheet.setFillColor(Color(0.45, 0.45, 0.55, alpha=0.22))
            sheet.setFont("STSong-Light", 14)
            sheet.saveState()
            sheet.translate(width / 2, height / 2)
            sheet.rotate(35)
            for offset in range(-int(height), int(height), 120):
                sheet.drawCentredString(0, offset, text)
            sheet.restoreState()
            sheet.setFont("STSong-Light", 8)
            sheet.drawString(24, 14, text)
            sheet.save()
            buffer.seek(0)
            stamps[(width, height)] = PdfReader(buffer).pages[0]
        page.merge_page(stamps[(width, height)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
