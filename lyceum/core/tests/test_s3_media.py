"""Media on S3-compatible object storage, end to end against a local S3 server (s3_fixtures.py).

Uploads go through the real services (instructor lesson files, avatars, covers) into a private
bucket; learners reach lesson files through a signed redirect after the app's access check.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from config.storage import media_config
from lyceum.accounts.services import user_update_profile
from lyceum.core.storage import MediaStorage, is_public_name
from lyceum.core.tests import s3_fixtures
from lyceum.core.tests.s3_fixtures import S3Media, sigv4_problem
from lyceum.courses import services as courses
from lyceum.courses.models import Course, CourseStatus, LessonKind
from lyceum.courses.tests.authoring_helpers import add_module, make_course, tiny_png, tiny_video
from lyceum.learning import services as learning

# the local S3 server (session) and a fresh private bucket per test
s3_server = s3_fixtures.s3_server
s3_media = s3_fixtures.s3_media

BASE_DIR = Path(__file__).resolve().parents[3]
STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"
VIDEO = tiny_video(seconds=1.0)


def _pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(100, 700, text)
    sheet.save()
    return buffer.getvalue()


def _lesson(instructor, *, kind=LessonKind.VIDEO, content=VIDEO, name="clip.mp4", mime="video/mp4", title="Intro"):
    """A published course with one lesson whose file the instructor uploaded through the studio service."""
    course = make_course(instructor)
    module = add_module(instructor, course, "Week 1")[0]
    lesson = courses.lesson_create(
        actor=instructor,
        module=module,
        data=courses.LessonData(title=title, kind=kind),
        upload=SimpleUploadedFile(name, content, content_type=mime),
    )
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.PUBLISHED, published_at=timezone.now())
    course.refresh_from_db()
    return course, lesson


def _media_src(client, course, lesson) -> str:
    response = client.get(f"/courses/{course.slug}/lessons/{lesson.pk}/")
    assert response.status_code == 200
    return response.context["media_src"]


def _learner_redirect(client_for, learner, course, lesson):
    learning.enrollment_create(user=learner, course=course)
    client = client_for(learner)
    return client.get(_media_src(client, course, lesson))


# --- Settings: config/storage.py ------------------------------------------------------------------


def test_without_a_bucket_media_stay_on_the_local_disk_and_the_app_streams_them():
    config = media_config(staticfiles_backend=STATIC, environ={})

    assert config.storages["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert config.storages["staticfiles"]["BACKEND"] == STATIC
    assert config.delivery == "app"
    assert config.origins == []


def test_a_bucket_means_private_signed_s3_storage_and_signed_delivery():
    environ = {
        "LYCEUM_S3_BUCKET": "lyceum-media",
        "LYCEUM_S3_ENDPOINT_URL": "https://minio.example.com:9000",
        "LYCEUM_S3_REGION": "cn-east-1",
        "LYCEUM_S3_PREFIX": "/school/",
    }

    config = media_config(staticfiles_backend=STATIC, environ=environ)

    storage = config.storages["default"]
    assert storage["BACKEND"] == "lyceum.core.storage.MediaStorage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "lyceum-media"
    assert options["endpoint_url"] == "https://minio.example.com:9000"
    assert options["region_name"] == "cn-east-1"
    assert options["location"] == "school"
    assert options["default_acl"] is None  # no ACL header: the bucket's private default
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert options["querystring_expire"] == 300
    assert options["checksums"] == "when_required"  # S3-compatible servers: no CRC trailers
    assert not {"access_key", "secret_key"} & set(options)  # credentials stay in the environment
    assert config.delivery == "signed"
    assert config.origins == ["https://minio.example.com:9000"]


def test_on_aws_the_bucket_is_addressed_by_its_regional_host_name():
    config = media_config(
        staticfiles_backend=STATIC, environ={"LYCEUM_S3_BUCKET": "lyceum-media", "LYCEUM_S3_REGION": "eu-west-1"}
    )

    assert config.storages["default"]["OPTIONS"]["addressing_style"] == "virtual"
    assert config.storages["default"]["OPTIONS"]["checksums"] == "when_supported"
    assert config.origins == ["https://lyceum-media.s3.eu-west-1.amazonaws.com"]


def test_an_explicit_delivery_wins_over_the_s3_default():
    config = media_config(
        staticfiles_backend=STATIC, environ={"LYCEUM_S3_BUCKET": "lyceum-media", "LYCEUM_MEDIA_DELIVERY": "app"}
    )

    assert config.delivery == "app"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"LYCEUM_S3_ENDPOINT_URL": "https://minio.example.com"}, "LYCEUM_S3_BUCKET is not"),
        ({"LYCEUM_S3_REGION": "eu-west-1", "LYCEUM_S3_PREFIX": "x"}, "LYCEUM_S3_REGION, LYCEUM_S3_PREFIX is set"),
        ({"LYCEUM_S3_BUCKET": "lyceum-media", "LYCEUM_MEDIA_DELIVERY": "x-accel"}, "x-accel serves files from"),
        ({"LYCEUM_MEDIA_DELIVERY": "signed"}, "signed needs media on object storage"),
        ({"LYCEUM_MEDIA_DELIVERY": "cdn"}, "must be one of app, x-accel, signed"),
        ({"LYCEUM_S3_BUCKET": "lyceum-media", "AWS_ACCESS_KEY_ID": "AKIA"}, "both AWS_ACCESS_KEY_ID"),
        ({"LYCEUM_S3_BUCKET": "Lyceum_Media"}, "must be a bucket name"),
        ({"LYCEUM_S3_BUCKET": "lyceum-media", "LYCEUM_S3_ENDPOINT_URL": "minio:9000"}, "base URL"),
        ({"LYCEUM_S3_BUCKET": "lyceum-media", "LYCEUM_S3_ADDRESSING_STYLE": "dns"}, "auto, path, virtual"),
        ({"LYCEUM_MEDIA_SIGNED_SECONDS": "0"}, "between 1 and 604800"),
        ({"LYCEUM_MEDIA_PUBLIC_SECONDS": "a week"}, "must be an integer"),
    ],
)
def test_half_or_wrongly_configured_media_storage_is_refused(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        media_config(staticfiles_backend=STATIC, environ=environ)


def _settings_in_subprocess(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LYCEUM_S3_", "LYCEUM_MEDIA_", "AWS_"))}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {code}"],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_refuse_to_load_with_an_endpoint_but_no_bucket():
    result = _settings_in_subprocess({"LYCEUM_S3_ENDPOINT_URL": "https://minio.example.com"}, "print('loaded')")

    assert result.returncode != 0
    assert "LYCEUM_S3_ENDPOINT_URL is set but LYCEUM_S3_BUCKET is not" in result.stderr


def test_settings_with_a_bucket_allow_its_origin_for_images_and_media_only():
    code = (
        "d = settings.CONTENT_SECURITY_POLICY['DIRECTIVES']; "
        "print(settings.LYCEUM_MEDIA_DELIVERY, settings.STORAGES['default']['BACKEND']); "
        "print(' '.join(d['img-src'])); print(' '.join(d['media-src'])); print(' '.join(d['script-src']))"
    )
    env = {"LYCEUM_S3_BUCKET": "lyceum-media", "LYCEUM_S3_ENDPOINT_URL": "https://minio.example.com"}

    result = _settings_in_subprocess(env, code)

    assert result.returncode == 0, result.stderr
    delivery, img_src, media_src, script_src = result.stdout.splitlines()
    assert delivery == "signed lyceum.core.storage.MediaStorage"
    assert "https://minio.example.com" in img_src.split()
    assert "https://minio.example.com" in media_src.split()
    assert "minio" not in script_src


def test_only_names_under_public_prefixes_are_public():
    assert is_public_name("avatars/2026/11/a.png")
    assert is_public_name("covers/2026/11/b.webp")
    assert not is_public_name("protected/lessons/3/c.mp4")
    assert not is_public_name("avatars/../protected/lessons/3/c.mp4")
    assert not is_public_name("covers//x.png")
    assert not is_public_name("avatarsx/a.png")


# --- Lesson files for learners: a signed redirect after the access check ------------------------


def test_the_uploaded_lesson_file_lands_in_the_private_bucket(s3_media: S3Media, instructor):
    course, lesson = _lesson(instructor)

    assert isinstance(default_storage, MediaStorage)
    assert s3_media.keys() == [lesson.media.name]
    assert lesson.media.name.startswith(f"protected/lessons/{course.pk}/")
    assert s3_media.read(lesson.media.name) == VIDEO
    head = s3_media.server.client().head_object(Bucket=s3_media.bucket, Key=lesson.media.name)
    assert head["ContentType"] == "video/mp4"  # from our name, not the browser's claim


def test_an_enrolled_learner_is_redirected_to_a_signed_url_serving_the_exact_bytes(
    s3_media: S3Media, instructor, learner, client_for, settings
):
    course, lesson = _lesson(instructor, title="Intro")

    response = _learner_redirect(client_for, learner, course, lesson)

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    location = response["Location"]
    assert location.startswith(f"{s3_media.object_url(lesson.media.name)}?")
    scheme, netloc, *_ = urlsplit(location)
    assert f"{scheme}://{netloc}" in s3_media.config.origins  # what the page's CSP allows
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == [str(settings.LYCEUM_MEDIA_URL_TTL)]  # a player seeks for a while
    assert sigv4_problem(location) == ""
    fetched = requests.get(location, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == VIDEO
    assert fetched.headers["Content-Type"] == "video/mp4"
    assert fetched.headers["Content-Disposition"] == 'inline; filename="Intro.mp4"'
    assert fetched.headers["Cache-Control"].startswith("private")


def test_the_signed_url_answers_range_requests(s3_media: S3Media, instructor, learner, client_for):
    course, lesson = _lesson(instructor)
    location = _learner_redirect(client_for, learner, course, lesson)["Location"]

    part = requests.get(location, headers={"Range": "bytes=100-299"}, timeout=10)
    tail = requests.get(location, headers={"Range": "bytes=-50"}, timeout=10)

    assert part.status_code == 206
    assert part.content == VIDEO[100:300]
    assert part.headers["Content-Range"] == f"bytes 100-299/{len(VIDEO)}"
    assert tail.status_code == 206
    assert tail.content == VIDEO[-50:]


def test_a_member_without_access_gets_403_and_no_url(s3_media: S3Media, instructor, learner, outsider, client_for):
    course, lesson = _lesson(instructor)
    learning.enrollment_create(user=learner, course=course)
    learner_url = _media_src(client_for(learner), course, lesson)
    outsider_client = client_for(outsider)

    borrowed = outsider_client.get(learner_url)
    anonymous = Client().get(learner_url)
    page = outsider_client.get(f"/courses/{course.slug}/lessons/{lesson.pk}/")

    for response in (borrowed, anonymous, page):
        assert response.status_code == 403
        assert not response.has_header("Location")
        assert s3_media.bucket not in response.content.decode()


def test_the_object_is_not_readable_without_a_signature(s3_media: S3Media, instructor, learner, client_for):
    course, lesson = _lesson(instructor)
    location = _learner_redirect(client_for, learner, course, lesson)["Location"]

    plain = requests.get(s3_media.object_url(lesson.media.name), timeout=10)
    stripped = requests.get(location.split("?", 1)[0], timeout=10)

    assert plain.status_code == 403
    assert stripped.status_code == 403
    assert VIDEO[:64] not in plain.content


def test_with_app_delivery_the_web_process_streams_the_object_itself(
    s3_media: S3Media, instructor, learner, client_for, settings
):
    settings.LYCEUM_MEDIA_DELIVERY = "app"  # an explicit choice wins over the S3 default
    course, lesson = _lesson(instructor)
    learning.enrollment_create(user=learner, course=course)
    client = client_for(learner)
    url = _media_src(client, course, lesson)

    whole = client.get(url)
    part = client.get(url, HTTP_RANGE="bytes=10-19")

    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == VIDEO
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == VIDEO[10:20]


def test_the_signature_covers_the_response_headers_and_the_lifetime(s3_media: S3Media, instructor, learner, client_for):
    # The local server does not check query signatures; this is the check S3/MinIO make.
    course, lesson = _lesson(instructor)
    location = _learner_redirect(client_for, learner, course, lesson)["Location"]
    query = parse_qs(urlsplit(location).query)
    signed_at = dt.datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    lifetime = int(query["X-Amz-Expires"][0])

    as_attachment = location.replace("inline", "attachment")
    longer = location.replace(f"X-Amz-Expires={lifetime}", f"X-Amz-Expires={lifetime * 10}")
    other_type = location.replace("video%2Fmp4", "text%2Fhtml")

    assert sigv4_problem(location) == ""
    assert sigv4_problem(as_attachment) == "signature does not match"
    assert sigv4_problem(longer) == "signature does not match"
    assert sigv4_problem(other_type) == "signature does not match"
    assert sigv4_problem(location, secret="someone-elses-secret") == "signature does not match"
    assert sigv4_problem(location, now=signed_at + dt.timedelta(seconds=lifetime + 1)) == "expired"


def test_studio_preview_of_a_file_is_signed_for_the_short_lifetime(s3_media: S3Media, instructor, client_for):
    _course, lesson = _lesson(
        instructor, kind=LessonKind.FILE, content=_pdf("Handout"), name="h.pdf", mime="application/pdf"
    )

    response = client_for(instructor).get(f"/studio/lessons/{lesson.pk}/media/")

    assert response.status_code == 302
    location = response["Location"]
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["300"]
    fetched = requests.get(location, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == s3_media.read(lesson.media.name)
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Content-Disposition"] == f'inline; filename="lesson-{lesson.pk}.pdf"'


def test_pdfs_for_learners_are_read_from_the_bucket_and_watermarked_by_the_app(
    s3_media: S3Media, instructor, learner, client_for
):
    from pypdf import PdfReader

    original = _pdf("Lesson handout")
    course, lesson = _lesson(instructor, kind=LessonKind.FILE, content=original, name="h.pdf", mime="application/pdf")

    response = _learner_redirect(client_for, learner, course, lesson)

    assert response.status_code == 200  # personal bytes: never a redirect to the shared object
    served = b"".join(response.streaming_content)
    assert served != original
    text = PdfReader(io.BytesIO(served)).pages[0].extract_text()
    assert "Lesson handout" in text
    assert "le***@example.org" in text
    assert response["Cache-Control"] == "private, no-store"


def test_replacing_and_deleting_a_lesson_file_removes_the_old_objects(
    s3_media: S3Media, instructor, django_capture_on_commit_callbacks
):
    _course, lesson = _lesson(instructor)
    first = lesson.media.name
    replacement = tiny_video(seconds=2.0)

    with django_capture_on_commit_callbacks(execute=True):
        courses.lesson_update(
            actor=instructor,
            lesson=lesson,
            data=courses.LessonData(title="Intro, take two", kind=LessonKind.VIDEO),
            upload=SimpleUploadedFile("take2.mp4", replacement, content_type="video/mp4"),
        )
    lesson.refresh_from_db()

    assert lesson.media.name != first
    assert s3_media.keys() == [lesson.media.name]
    assert s3_media.read(lesson.media.name) == replacement

    with django_capture_on_commit_callbacks(execute=True):
        courses.lesson_delete(actor=instructor, lesson=lesson)

    assert s3_media.keys() == []


# --- Public uploads: stable /media/ addresses redirected to signed URLs --------------------------


def test_an_avatar_goes_to_the_bucket_and_its_page_address_works(s3_media: S3Media, learner, settings):
    png = tiny_png()

    user_update_profile(actor=learner, user=learner, avatar=SimpleUploadedFile("me.png", png, content_type="image/png"))

    learner.refresh_from_db()
    name = learner.avatar.name
    assert name.startswith("avatars/")
    assert s3_media.keys() == [name]
    page_url = learner.avatar.url
    assert page_url == f"/media/{name}"  # stable: safe in pages the page cache keeps
    response = Client().get(page_url)
    assert response.status_code == 302
    keep = settings.LYCEUM_MEDIA_PUBLIC_SECONDS // 2
    assert response["Cache-Control"] == f"public, max-age={keep}"
    location = response["Location"]
    assert location.startswith(f"{s3_media.object_url(name)}?")
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == [str(settings.LYCEUM_MEDIA_PUBLIC_SECONDS)]
    fetched = requests.get(location, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == png
    assert fetched.headers["Content-Type"] == "image/png"
    assert fetched.headers["Cache-Control"] == f"public, max-age={keep}"


def test_a_course_cover_goes_to_the_bucket_shows_on_the_cached_catalog_page_and_is_replaced(
    s3_media: S3Media, instructor, django_capture_on_commit_callbacks
):
    png = tiny_png((32, 18))
    course = make_course(instructor)

    courses.course_update(
        actor=instructor, course=course, cover=SimpleUploadedFile("cover.png", png, content_type="image/png")
    )
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.PUBLISHED, published_at=timezone.now())
    course.refresh_from_db()

    name = course.cover.name
    assert name.startswith("covers/")
    assert s3_media.keys() == [name]
    assert course.cover.url == f"/media/{name}"
    catalog = Client().get("/courses/")
    assert f'src="/media/{name}"' in catalog.content.decode()  # no signature to expire in a cached page
    location = Client().get(course.cover.url)["Location"]
    fetched = requests.get(location, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == png

    with django_capture_on_commit_callbacks(execute=True):
        courses.course_update(
            actor=instructor, course=course, cover=SimpleUploadedFile("new.png", tiny_png(), content_type="image/png")
        )

    course.refresh_from_db()
    assert s3_media.keys() == [course.cover.name] != [name]


def test_public_media_answers_404_for_missing_or_non_public_names(s3_media: S3Media, instructor):
    _course, lesson = _lesson(instructor)
    client = Client()

    missing = client.get("/media/avatars/2026/11/nobody.png")
    climbing = client.get(f"/media/avatars/../{lesson.media.name}")

    assert missing.status_code == 404
    assert climbing.status_code == 404
    assert not climbing.has_header("Location")


# --- Without a bucket nothing changes -------------------------------------------------------------


def test_signed_delivery_without_a_bucket_streams_from_disk_instead_of_failing(
    instructor, learner, client_for, settings
):
    settings.LYCEUM_MEDIA_DELIVERY = "signed"
    course, lesson = _lesson(instructor)

    response = _learner_redirect(client_for, learner, course, lesson)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == VIDEO


def test_public_media_on_disk_is_still_served_by_the_app(learner):
    png = tiny_png()
    user_update_profile(actor=learner, user=learner, avatar=SimpleUploadedFile("me.png", png, content_type="image/png"))
    learner.refresh_from_db()

    response = Client().get(learner.avatar.url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png
    assert response["Cache-Control"] == "public, max-age=86400"
