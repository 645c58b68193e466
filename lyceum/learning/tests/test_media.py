import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from lyceum.core.http import parse_range
from lyceum.courses.models import LessonKind
from lyceum.learning import services
from lyceum.learning.media import media_url

from .factories import add_lesson, make_course

VIDEO_BYTES = bytes(range(256)) * 40  # 10 240 bytes of fake media


def _video_lesson(course, *, preview=False):
    lesson = add_lesson(
        course, title="Video", kind=LessonKind.VIDEO, duration_seconds=30, is_preview=preview, media_type="video/mp4"
    )
    lesson.media.save("clip.mp4", ContentFile(VIDEO_BYTES))
    return lesson


def _page_media_src(client, course, lesson):
    response = client.get(f"/courses/{course.slug}/lessons/{lesson.pk}/")
    assert response.status_code == 200
    return response.context["media_src"]


def test_enrolled_learner_streams_the_whole_file(client_for, learner):
    course = make_course()
    lesson = _video_lesson(course)
    services.enrollment_create(user=learner, course=course)
    client = client_for(learner)

    response = client.get(_page_media_src(client, course, lesson))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == VIDEO_BYTES
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, 10239),
        ("bytes=-50", 10190, 10239),
        ("bytes=10000-20000", 10000, 10239),
    ],
)
def test_range_requests_return_206_with_the_right_bytes(client_for, learner, header, start, end):
    course = make_course()
    lesson = _video_lesson(course)
    services.enrollment_create(user=learner, course=course)
    client = client_for(learner)
    url = _page_media_src(client, course, lesson)

    response = client.get(url, HTTP_RANGE=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(VIDEO_BYTES)}"
    assert b"".join(response.streaming_content) == VIDEO_BYTES[start : end + 1]


def test_unsatisfiable_range_is_416(client_for, learner):
    course = make_course()
    lesson = _video_lesson(course)
    services.enrollment_create(user=learner, course=course)
    client = client_for(learner)

    response = client.get(_page_media_src(client, course, lesson), HTTP_RANGE="bytes=99999-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(VIDEO_BYTES)}"


@pytest.mark.parametrize("header", ["bytes=5-2", "pages=1-2", "bytes=-0", "bytes=abc"])
def test_malformed_ranges_are_refused(header):
    assert parse_range(header, 100) is None


def test_paywalled_media_is_403_for_outsiders_even_with_a_guessed_or_borrowed_url(client_for, learner, outsider):
    course = make_course()
    lesson = _video_lesson(course)
    services.enrollment_create(user=learner, course=course)
    learner_client = client_for(learner)
    learner_url = _page_media_src(learner_client, course, lesson)
    outsider_client = client_for(outsider)

    borrowed = outsider_client.get(learner_url)
    anonymous = Client().get(learner_url)
    guessed = outsider_client.get(f"/media/lessons/{lesson.pk}/anything")
    raw_path = outsider_client.get(f"/media/{lesson.media.name}")

    assert borrowed.status_code == 403
    assert anonymous.status_code == 403
    assert guessed.status_code == 403
    assert raw_path.status_code == 404  # protected files have no public URL at all


def test_a_url_from_another_session_of_the_same_user_is_refused(client_for, learner):
    course = make_course()
    lesson = _video_lesson(course)
    services.enrollment_create(user=learner, course=course)
    url = _page_media_src(client_for(learner), course, lesson)

    assert client_for(learner).get(url).status_code == 403  # same user, new session


def test_an_expired_url_is_refused(client_for, learner, settings):
    course = make_course()
    lesson = _video_lesson(course)
    services.enrollment_create(user=learner, course=course)
    client = client_for(learner)
    url = _page_media_src(client, course, lesson)
    settings.LYCEUM_MEDIA_URL_TTL = -1

    assert client.get(url).status_code == 403


def test_revoked_access_stops_an_issued_url(client_for, learner):
    course = make_course()
    lesson = _video_lesson(course)
    enrollment = services.enrollment_create(user=learner, course=course)
    client = client_for(learner)
    url = _page_media_src(client, course, lesson)

    services.enrollment_revoke(actor=learner, enrollment=enrollment)

    assert client.get(url).status_code == 403


def test_preview_media_plays_for_visitors(client, db):
    course = make_course()
    lesson = _video_lesson(course, preview=True)

    url = _page_media_src(client, course, lesson)

    assert client.get(url).status_code == 200


def test_pdf_files_are_watermarked_with_the_learner(client_for, learner):
    from pypdf import PdfReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(100, 700, "Lesson handout")
    sheet.save()
    course = make_course()
    lesson = add_lesson(course, title="Handout", kind=LessonKind.FILE, media_type="application/pdf")
    lesson.media.save("handout.pdf", ContentFile(buffer.getvalue()))
    services.enrollment_create(user=learner, course=course)
    client = client_for(learner)
    url = _page_media_src(client, course, lesson)

    response = client.get(url)

    served = b"".join(response.streaming_content)
    assert served != buffer.getvalue()
    text = PdfReader(io.BytesIO(served)).pages[0].extract_text()
    assert "Lesson handout" in text
    assert "le***@example.org" in text
    assert response["Content-Disposition"].startswith("inline")


def test_downloads_only_when_the_course_allows_them(client_for, learner):
    course = make_course()
    lesson = _video_lesson(course)
    services.enrollment_create(user=learner, course=course)
    client = client_for(learner)
    url = _page_media_src(client, course, lesson)

    assert client.get(url + "?download=1")["Content-Disposition"].startswith("inline")
    course.downloads_allowed = True
    course.save()
    assert client.get(url + "?download=1")["Content-Disposition"].startswith("attachment")


def test_media_url_carries_no_file_path(rf, learner):
    request = rf.get("/")
    request.user = learner
    request.session = type("S", (), {"session_key": "abc"})()

    url = media_url(request=request, lesson_id=7)

    assert url.startswith("/media/lessons/7/") and "protected" not in url
