import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lyceum.core.errors import ValidationFailed
from lyceum.core.models import Event
from lyceum.courses import media, services
from lyceum.courses.models import Lesson, LessonKind
from lyceum.courses.tests.authoring_helpers import (
    add_module,
    fake_exe,
    make_course,
    make_expert_reviewer,
    tiny_pdf,
    tiny_png,
    tiny_video,
    tiny_wav,
)


def _upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def module(instructor):
    course = make_course(instructor)
    return add_module(instructor, course, "Videos")[0]


def test_video_upload_is_stored_under_a_random_protected_name_with_its_duration(instructor, module):
    # given a one-second H.264 video made with PyAV
    upload = _upload("My Holiday Clip.mp4", tiny_video(seconds=1.0), "video/mp4")

    # when it becomes a video lesson
    lesson = services.lesson_create(
        actor=instructor, module=module, data=services.LessonData(title="Intro", kind=LessonKind.VIDEO), upload=upload
    )

    # then duration, type and size come from the file itself, and the name is ours
    lesson.refresh_from_db()
    assert lesson.duration_seconds == 1
    assert lesson.media_type == "video/mp4"
    assert lesson.media_size == upload.size
    assert re.fullmatch(rf"protected/lessons/{module.course_id}/[0-9a-f]{{32}}\.mp4", lesson.media.name)
    assert "Holiday" not in lesson.media.name
    event = Event.objects.get(name="media.uploaded")
    assert event.props["duration_seconds"] == 1
    assert event.props["mime"] == "video/mp4"


def test_a_program_renamed_to_mp4_is_refused(instructor, module):
    upload = _upload("lecture.mp4", fake_exe(), "video/mp4")

    with pytest.raises(ValidationFailed) as error:
        services.lesson_create(
            actor=instructor, module=module, data=services.LessonData(title="x", kind=LessonKind.VIDEO), upload=upload
        )

    assert error.value.field == "media"
    assert "MP4" in error.value.message
    assert not Lesson.objects.exists()


def test_the_studio_form_shows_the_renamed_program_as_a_field_error(client_for, instructor, module):
    client = client_for(instructor)
    upload = _upload("lecture.mp4", fake_exe(), "video/mp4")

    response = client.post(
        f"/studio/modules/{module.pk}/lessons/new/", {"title": "Lecture", "kind": "video", "media": upload}
    )

    assert response.status_code == 200
    assert "This is not a video file we accept" in response.content.decode()
    assert not Lesson.objects.exists()


def test_an_oversize_video_is_refused_before_reading_it(instructor, module, settings):
    settings.LYCEUM_MAX_VIDEO_BYTES = 1000
    upload = _upload("big.mp4", tiny_video(), "video/mp4")
    assert upload.size > 1000

    with pytest.raises(ValidationFailed) as error:
        services.lesson_create(
            actor=instructor, module=module, data=services.LessonData(title="x", kind=LessonKind.VIDEO), upload=upload
        )

    assert error.value.field == "media"
    assert "too large" in error.value.message
    assert not Lesson.objects.exists()


def test_an_oversize_file_uses_the_file_limit(settings):
    settings.LYCEUM_MAX_FILE_BYTES = 100

    with pytest.raises(ValidationFailed, match="too large"):
        media.media_check(upload=_upload("notes.pdf", tiny_pdf() * 3), kind="file")


def test_a_damaged_mp4_is_refused(instructor, module):
    # the first bytes say MP4, the rest is noise: sniffing passes, PyAV cannot play it
    broken = tiny_video()[:40] + b"\x00garbage" * 50

    with pytest.raises(ValidationFailed, match="damaged"):
        media.media_check(upload=_upload("x.mp4", broken), kind="video")


def test_audio_lesson_takes_a_wav_and_measures_it(instructor, module):
    lesson = services.lesson_create(
        actor=instructor,
        module=module,
        data=services.LessonData(title="Listen", kind=LessonKind.AUDIO),
        upload=_upload("talk.wav", tiny_wav(seconds=2.0), "audio/wav"),
    )

    assert lesson.media_type == "audio/x-wav"
    assert lesson.duration_seconds == 2
    assert lesson.media.name.endswith(".wav")


@pytest.mark.parametrize(
    ("kind", "content", "accepted"),
    [
        ("file", tiny_pdf(), True),
        ("file", tiny_png(), False),
        ("audio", tiny_video(), False),
        ("video", tiny_wav(), False),
        ("file", b"just some text, no magic", False),
    ],
)
def test_each_lesson_kind_accepts_only_its_types(kind, content, accepted):
    upload = _upload("whatever.bin", content)

    if accepted:
        checked = media.media_check(upload=upload, kind=kind)
        assert checked.extension == "pdf"
    else:
        with pytest.raises(ValidationFailed):
            media.media_check(upload=upload, kind=kind)


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationFailed, match="empty"):
        media.media_check(upload=_upload("x.pdf", b""), kind="file")


def test_a_media_lesson_needs_its_file(instructor, module):
    with pytest.raises(ValidationFailed) as error:
        services.lesson_create(
            actor=instructor, module=module, data=services.LessonData(title="x", kind=LessonKind.FILE)
        )

    assert error.value.field == "media"


def test_changing_a_video_lesson_to_text_drops_its_file(instructor, module, django_capture_on_commit_callbacks):
    lesson = services.lesson_create(
        actor=instructor,
        module=module,
        data=services.LessonData(title="Intro", kind=LessonKind.VIDEO),
        upload=_upload("a.mp4", tiny_video()),
    )
    storage, name = lesson.media.storage, lesson.media.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        services.lesson_update(actor=instructor, lesson=lesson, data=services.LessonData(title="Intro"))

    lesson.refresh_from_db()
    assert lesson.kind == LessonKind.TEXT
    assert not lesson.media
    assert lesson.media_type == ""
    assert not storage.exists(name)


def test_cover_image_is_checked_and_stored_under_a_random_name(instructor):
    course = make_course(instructor)

    services.course_update(actor=instructor, course=course, cover=_upload("我的封面.png", tiny_png(), "image/png"))

    course.refresh_from_db()
    assert re.fullmatch(r"covers/\d{4}/\d{2}/[0-9a-f]{32}\.png", course.cover.name)


@pytest.mark.parametrize("content", [fake_exe(), b"GIF89a-but-not-really", tiny_pdf()])
def test_a_cover_that_is_not_an_image_is_refused(instructor, content):
    course = make_course(instructor)

    with pytest.raises(ValidationFailed) as error:
        services.course_update(actor=instructor, course=course, cover=_upload("cover.png", content, "image/png"))

    assert error.value.field == "cover"
    course.refresh_from_db()
    assert not course.cover


def test_an_oversize_cover_is_refused(instructor, settings):
    settings.LYCEUM_MAX_IMAGE_BYTES = 50
    course = make_course(instructor)

    with pytest.raises(ValidationFailed, match="too large"):
        services.course_update(actor=instructor, course=course, cover=_upload("c.png", tiny_png(), "image/png"))


def test_lesson_file_opens_for_editors_and_reviewers_only(client_for, instructor, outsider, operator, module):
    lesson = services.lesson_create(
        actor=instructor,
        module=module,
        data=services.LessonData(title="Notes", kind=LessonKind.FILE),
        upload=_upload("notes.pdf", tiny_pdf(), "application/pdf"),
    )
    url = f"/studio/lessons/{lesson.pk}/media/"

    response = client_for(instructor).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_for(outsider).get(url).status_code == 403
    assert client_for(operator).get(url).status_code == 200
    # an expert reviewer may open it only while the course waits for review
    expert = make_expert_reviewer()
    assert client_for(expert).get(url).status_code == 403


def test_covers_are_public_but_lesson_files_are_not_served_as_media(client, instructor, module):
    course = module.course
    services.course_update(actor=instructor, course=course, cover=_upload("c.png", tiny_png(), "image/png"))
    lesson = services.lesson_create(
        actor=instructor,
        module=module,
        data=services.LessonData(title="Notes", kind=LessonKind.FILE),
        upload=_upload("notes.pdf", tiny_pdf()),
    )
    course.refresh_from_db()

    assert client.get(course.cover.url).status_code == 200
    assert client.get(lesson.media.url).status_code == 404
