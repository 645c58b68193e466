"""Certificate PDF rendering (reportlab; CJK names through the built-in STSong-Light CID font)."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import timezone

from .models import Certificate


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    width, height = landscape(A4)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"{certificate.course_title} — {certificate.learner_name}")
    pdf.setAuthor(settings.LYCEUM_SITE_NAME)
    pdf.setStrokeColor(HexColor("#3b5bdb"))
    pdf.setLineWidth(6)
    pdf.rect(28, 28, width - 56, height - 56)
    pdf.setLineWidth(1)
    pdf.rect(40, 40, width - 80, height - 80)
    pdf.setFillColor(HexColor("#3b5bdb"))
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawCentredString(width / 2, height - 100, settings.LYCEUM_SITE_NAME.upper())
    pdf.setFillColor(HexColor("#1d2433"))
    pdf.setFont("STSong-Light", 30)
    pdf.drawCentredString(width / 2, height - 160, "Certificate of Completion · 结业证书")
    pdf.setFont("STSong-Light", 14)
    pdf.drawCentredString(width / 2, height - 210, "This certifies that · 兹证明")
    pdf.setFont("STSong-Light", 34)
    pdf.drawCentredString(width / 2, height - 260, certificate.learner_name)
    pdf.setFont("STSong-Light", 14)
    pdf.drawCentredString(width / 2, height - 300, "has completed the course · 已完成课程")
    pdf.setFont("STSong-Light", 24)
    pdf.drawCentredString(width / 2, height - 340, certificate.course_title)
    issued = timezone.localtime(certificate.issued_at).strftime("%Y-%m-%d")
    pdf.setFont("STSong-Light", 11)
    pdf.setFillColor(HexColor("#5b6577"))
    pdf.drawCentredString(width / 2, 110, f"Issued · 颁发日期 {issued}    Code · 证书编号 {certificate.code}")
    pdf.drawCentredString(width / 2, 90, f"Verify · 验证: {verify_url}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
