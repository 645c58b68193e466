"""``core.http.protected_file_response``: who sends a protected file once a view let the viewer in.

"app" streams it (Range, 416), "x-accel" hands it to nginx with ``X-Accel-Redirect`` and an empty
body; both never cacheable, ``nosniff``, with the file name in Content-Disposition. The two views
that use it (the learner's lesson player and the studio preview) are checked in both modes; the
real nginx answering the header is lyceum/core/tests/test_nginx.py."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.test import Client

from lyceum.core.http import protected_file_response
from lyceum.courses.models import LessonKind
from lyceum.learning import services
from lyceum.learning.media import media_url
from lyceum.learning.tests.factories import add_lesson, make_course

DATA = bytes(range(256)) * 8  # 2 048 bytes
ODD_NAME = "protected/lessons/7/odd name 100% #1? 中文.bin"
ODD_QUOTED = "protected/lessons/7/odd%20name%20100%25%20%231%3F%20%E4%B8%AD%E6%96%87.bin"


class UnreadableStorage(FileSystemStorage):
    """x-accel must not touch the file: nginx reads it."""

    def open(self, name, mode="rb"):  # type: ignore[no-untyped-def]
        raise AssertionError(f"the app opened {name}")

    def size(self, name):  # type: ignore[no-untyped-def]
        raise AssertionError(f"the app asked the size of {name}")


@pytest.fixture
def storage(tmp_path):
    storage = FileSystemStorage(location=tmp_path / "files")
    assert storage.save(ODD_NAME, ContentFile(DATA)) == ODD_NAME
    return storage


def _send(rf, storage, *, range_header: str = "", **kwargs):
    request = rf.get("/x", HTTP_RANGE=range_header) if range_header else rf.get("/x")
    options = {"content_type": "video/mp4", "filename": "Intro 中文.mp4", **kwargs}
    return protected_file_response(request, storage, ODD_NAME, **options)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- "app": the web process streams ------------------------------------------------------------


def test_app_mode_streams_the_whole_file_never_cacheable(rf, storage, settings):
    settings.LYCEUM_MEDIA_DELIVERY = "app"

    response = _send(rf, storage)

    assert response.status_code == 200
    assert _body(response) == DATA
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(len(DATA))
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline; filename*=utf-8''Intro%20%E4%B8%AD%E6%96%87.mp4"
    assert not response.has_header("X-Accel-Redirect")


@pytest.mark.parametrize(
    ("header", "start", "end"), [("bytes=0-0", 0, 0), ("bytes=100-199", 100, 199), ("bytes=-48", 2000, 2047)]
)
def test_app_mode_answers_a_range_with_206(rf, storage, settings, header, start, end):
    settings.LYCEUM_MEDIA_DELIVERY = "app"

    response = _send(rf, storage, range_header=header)

    assert response.status_code == 206
    assert _body(response) == DATA[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("header", ["bytes=4096-", "bytes=5-2", "pages=1-2"])
def test_app_mode_refuses_a_range_it_cannot_meet_with_416(rf, storage, settings, header):
    settings.LYCEUM_MEDIA_DELIVERY = "app"

    response = _send(rf, storage, range_header=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"
    assert response.content == b""
    assert response["Cache-Control"] == "private, no-store"


def test_app_mode_attachment_and_plain_file_names(rf, storage, settings):
    settings.LYCEUM_MEDIA_DELIVERY = "app"

    response = _send(rf, storage, filename="notes.pdf", content_type="application/pdf", as_attachment=True)

    assert response["Content-Disposition"] == 'attachment; filename="notes.pdf"'
    assert response["Content-Type"] == "application/pdf"


# --- "x-accel": nginx sends the bytes --------------------------------------------------------


def test_x_accel_mode_answers_empty_with_the_quoted_name_under_the_prefix(rf, tmp_path, settings):
    settings.LYCEUM_MEDIA_DELIVERY = "x-accel"
    settings.LYCEUM_MEDIA_ACCEL_PREFIX = "/_media/"

    response = _send(rf, UnreadableStorage(location=tmp_path), range_header="bytes=0-9")

    assert response.status_code == 200  # nginx answers the Range, not the app
    assert response.content == b""
    assert response["X-Accel-Redirect"] == "/_media/" + ODD_QUOTED
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == "inline; filename*=utf-8''Intro%20%E4%B8%AD%E6%96%87.mp4"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response.has_header("Content-Range")


@pytest.mark.parametrize(
    ("prefix", "name", "expected"),
    [
        ("/protected-files", "a/b.mp4", "/protected-files/a/b.mp4"),
        ("/protected-files/", "/a/b.mp4", "/protected-files/a/b.mp4"),
        ("/_media/", "covers/2026/x+y&z=1.png", "/_media/covers/2026/x%2By%26z%3D1.png"),
    ],
)
def test_x_accel_prefix_and_name_are_joined_with_one_slash(rf, tmp_path, settings, prefix, name, expected):
    settings.LYCEUM_MEDIA_DELIVERY = "x-accel"
    settings.LYCEUM_MEDIA_ACCEL_PREFIX = prefix

    response = protected_file_response(
        rf.get("/x"), UnreadableStorage(location=tmp_path), name, content_type="image/png", filename="x.png"
    )

    assert response["X-Accel-Redirect"] == expected


def test_x_accel_mode_attachment(rf, tmp_path, settings):
    settings.LYCEUM_MEDIA_DELIVERY = "x-accel"

    response = _send(
        rf,
        UnreadableStorage(location=tmp_path),
        filename="notes.zip",
        content_type="application/zip",
        as_attachment=True,
    )

    assert response["Content-Disposition"] == 'attachment; filename="notes.zip"'
    assert response["Content-Type"] == "application/zip"


# --- The learner's lesson player ------------------------------------------------------------


VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 4


def _video_lesson(course, *, title="Video"):
    lesson = add_lesson(course, title=title, kind=LessonKind.VIDEO, duration_seconds=30, media_type="video/mp4")
    lesson.media.save("clip.mp4", ContentFile(VIDEO))
    return lesson


def _media_src(client, course, lesson) -> str:
    response = client.get(f"/courses/{course.slug}/lessons/{lesson.pk}/")
    assert response.status_code == 200
    return response.context["media_src"]


def test_the_lesson_player_hands_the_video_to_nginx_in_x_accel_mode(client_for, learner, settings):
    settings.LYCEUM_MEDIA_DELIVERY = "x-accel"
    course = make_course()
    lesson = _video_lesson(course, title="Intro: 第一课")
    services.enrollment_create(user=learner, course=course)
    client = client_for(learner)
    url = _media_src(client, course, lesson)

    response = client.get(url, HTTP_RANGE="bytes=0-99")

    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/_media/{lesson.media.name}"
    assert lesson.media.name.startswith("protected/lessons/")
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == "inline; filename*=utf-8''Intro%3A%20%E7%AC%AC%E4%B8%80%E8%AF%BE.mp4"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_lesson_player_download_is_an_attachment_through_nginx_too(client_for, learner, settings):
    settings.LYCEUM_MEDIA_DELIVERY = "x-accel"
    course = make_course(downloads_allowed=True)
    lesson = _video_lesson(course)
    services.enrollment_create(user=learner, course=course)
    client = client_for(learner)

    response = client.get(_media_src(client, course, lesson) + "?download=1")

    assert response["Content-Disposition"] == 'attachment; filename="Video.mp4"'
    assert response.has_header("X-Accel-Redirect")


def test_the_lesson_player_streams_with_ranges_in_app_mode(client_for, learner, settings):
    settings.LYCEUM_MEDIA_DELIVERY = "app"
    course = make_course()
    lesson = _video_lesson(course)
    services.enrollment_create(user=learner, course=course)
    client = client_for(learner)
    url = _media_src(client, course, lesson)

    whole = client.get(url)
    part = client.get(url, HTTP_RANGE="bytes=8-15")
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(VIDEO)}-")

    assert (whole.status_code, _body(whole)) == (200, VIDEO)
    assert (part.status_code, _body(part)) == (206, VIDEO[8:16])
    assert beyond.status_code == 416
    assert not whole.has_header("X-Accel-Redirect")


def _handout() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(100, 700, "Lesson handout")
    sheet.save()
    return buffer.getvalue()


def test_a_pdf_lesson_is_still_watermarked_by_the_app_in_x_accel_mode(client_for, learner, settings):
    from pypdf import PdfReader

    settings.LYCEUM_MEDIA_DELIVERY = "x-accel"
    original = _handout()
    course = make_course()
    lesson = add_lesson(course, title="Handout", kind=LessonKind.FILE, media_type="application/pdf")
    lesson.media.save("handout.pdf", ContentFile(original))
    services.enrollment_create(user=learner, course=course)
    client = client_for(learner)

    response = client.get(_media_src(client, course, lesson), HTTP_RANGE="bytes=0-3")

    assert not response.has_header("X-Accel-Redirect")  # the stored file is not what this learner gets
    assert response.status_code == 206
    assert _body(response) == b"%PDF"
    served = _body(client.get(_media_src(client, course, lesson)))
    assert served != original
    assert "le***@example.org" in PdfReader(io.BytesIO(served)).pages[0].extract_text()


def test_course_staff_get_the_stored_pdf_through_nginx(client_for, instructor, settings):
    settings.LYCEUM_MEDIA_DELIVERY = "x-accel"
    course = make_course(instructor=instructor)
    lesson = add_lesson(course, title="Handout", kind=LessonKind.FILE, media_type="application/pdf")
    lesson.media.save("handout.pdf", ContentFile(_handout()))
    client = client_for(instructor)

    response = client.get(_media_src(client, course, lesson))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_media/{lesson.media.name}"
    assert response["Content-Type"] == "application/pdf"


def test_refused_viewers_get_403_before_any_delivery_header(client_for, learner, outsider, settings):
    settings.LYCEUM_MEDIA_DELIVERY = "x-accel"
    course = make_course()
    lesson = _video_lesson(course)
    services.enrollment_create(user=learner, course=course)
    learner_url = _media_src(client_for(learner), course, lesson)

    refused = [
        client_for(outsider).get(learner_url),  # another user's link
        Client().get(learner_url),  # anonymous
        client_for(learner).get(learner_url),  # the same learner in another session
        client_for(outsider).get(f"/media/lessons/{lesson.pk}/forged"),
    ]
    signed_in = client_for(learner)
    own_url = _media_src(signed_in, course, lesson)
    settings.LYCEUM_MEDIA_URL_TTL = -1
    refused.append(signed_in.get(own_url))  # expired

    for response in refused:
        assert response.status_code == 403
        assert not response.has_header("X-Accel-Redirect")
        assert response.content == b""


def test_an_unenrolled_members_own_link_is_refused_too(rf, client_for, outsider, settings):
    settings.LYCEUM_MEDIA_DELIVERY = "x-accel"
    course = make_course()
    lesson = _video_lesson(course)
    client = client_for(outsider)
    request = rf.get("/")
    request.user = outsider
    request.session = client.session
    own_url = media_url(request=request, lesson_id=lesson.pk)  # signed for them, but not enrolled

    response = client.get(own_url)

    assert response.status_code == 403
    assert not response.has_header("X-Accel-Redirect")


# --- The studio preview ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["app", "x-accel"])
def test_the_studio_preview_uses_the_same_delivery(client_for, instructor, outsider, settings, mode):
    settings.LYCEUM_MEDIA_DELIVERY = mode
    course = make_course(instructor=instructor)
    lesson = _video_lesson(course)
    url = f"/studio/lessons/{lesson.pk}/media/"

    response = client_for(instructor).get(url)
    refused = client_for(outsider).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == f'inline; filename="lesson-{lesson.pk}.mp4"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    if mode == "x-accel":
        assert response["X-Accel-Redirect"] == f"/_media/{lesson.media.name}"
        assert response.content == b""
    else:
        assert _body(response) == VIDEO
        assert not response.has_header("X-Accel-Redirect")
        ranged = client_for(instructor).get(url, HTTP_RANGE="bytes=4-7")
        assert (ranged.status_code, _body(ranged)) == (206, VIDEO[4:8])
    assert refused.status_code == 403
    assert not refused.has_header("X-Accel-Redirect")
