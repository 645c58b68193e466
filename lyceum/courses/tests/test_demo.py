"""The demo catalog from ``manage.py seed_demo``: deterministic, idempotent, realistic."""

import io

import av
import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from lyceum.accounts.models import Role, User
from lyceum.courses.models import Course, CourseChange, CourseStatus, Lesson, LessonKind, Question, QuestionKind
from lyceum.courses.search import course_search

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    counts = {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label != "sessions"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM courses_search")
        counts["courses_search"] = cursor.fetchone()[0]
    return counts


def _media_files() -> list[str]:
    files = []
    directories = ["protected/lessons"]
    while directories:
        directory = directories.pop()
        if not default_storage.exists(directory):
            continue
        subdirs, names = default_storage.listdir(directory)
        directories += [f"{directory}/{d}" for d in subdirs]
        files += [f"{directory}/{n}" for n in names]
    return sorted(files)


@pytest.fixture
def seeded():
    call_command("seed_demo", "--users", "5", stdout=io.StringIO())


def test_seeding_twice_changes_nothing(seeded):
    before, files_before = _counts(), _media_files()

    call_command("seed_demo", "--users", "5", stdout=io.StringIO())

    assert _counts() == before
    assert _media_files() == files_before


def test_about_thirty_published_courses_in_both_languages(seeded):
    published = Course.objects.filter(status=CourseStatus.PUBLISHED)

    assert 28 <= published.count() <= 40
    assert published.filter(language="zh-hans").count() >= 10
    assert published.filter(language="en").count() >= 10
    assert published.get(title="零基础学Python编程入门").language == "zh-hans"
    assert published.get(title="Data Analysis with pandas").language == "en"
    assert published.filter(is_free=True).exists() and published.filter(is_free=False).exists()
    assert set(published.values_list("level", flat=True)) == {"beginner", "intermediate", "advanced"}
    assert published.filter(category__isnull=True).count() == 0
    assert published.filter(tags__isnull=True).count() == 0


def test_every_course_is_a_first_published_version_with_a_changelog(seeded):
    now = timezone.now()
    for course in Course.objects.prefetch_related("lessons", "modules"):
        assert course.status == CourseStatus.PUBLISHED
        assert course.version == 1
        assert course.published_at < now
        assert CourseChange.objects.filter(course=course, version=1).exists()
        assert course.description and course.objective_list()
        assert course.modules.count() >= 1
        previews = [lesson for lesson in course.lessons.all() if lesson.is_preview]
        assert 1 <= len(previews) <= 2, course.slug
        assert all(lesson.body for lesson in course.lessons.all())


def test_a_prerequisite_chain(seeded):
    pandas = Course.objects.get(slug="data-analysis-with-pandas")
    ml = Course.objects.get(slug="machine-learning-foundations")
    deep = Course.objects.get(slug="deep-learning-with-pytorch")

    assert list(pandas.prerequisites.values_list("slug", flat=True)) == ["python-for-everyone"]
    assert list(ml.prerequisites.all()) == [pandas]
    assert list(deep.prerequisites.all()) == [ml]


def test_instructors_demo_and_extra_accounts_with_two_factor(seeded):
    teachers = User.objects.filter(instructor_links__isnull=False).distinct()

    assert teachers.filter(email="instructor@example.com").exists()
    assert 3 <= teachers.count() <= 4
    for teacher in teachers:
        assert Role.INSTRUCTOR in teacher.roles
        assert Authenticator.objects.filter(user=teacher, type=Authenticator.Type.TOTP).exists()
    assert Course.objects.filter(course_instructors__user__email="instructor@example.com").count() >= 10


def test_video_lessons_have_a_playable_h264_file(seeded):
    videos = Lesson.objects.filter(kind=LessonKind.VIDEO)
    assert videos.count() >= 5

    for lesson in videos:
        assert lesson.media.name.startswith(f"protected/lessons/{lesson.course_id}/")
        assert lesson.media_type == "video/mp4"
        assert lesson.media_size == default_storage.size(lesson.media.name) > 0
        assert lesson.duration_seconds >= 1
    with default_storage.open(videos.first().media.name) as handle, av.open(handle) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (320, 180)
        assert sum(1 for _frame in container.decode(stream)) > 10


def test_quizzes_use_every_kind_of_question(seeded):
    questions = Question.objects.all()

    assert set(questions.values_list("kind", flat=True)) == set(QuestionKind.values)
    assert not questions.filter(explanation="").exists()
    for question in questions.prefetch_related("choices"):
        choices = list(question.choices.all())
        if question.kind == QuestionKind.SHORT:
            assert question.accepted_answers and not choices
        elif question.kind == QuestionKind.MULTIPLE:
            assert sum(c.is_correct for c in choices) >= 1
        else:
            assert sum(c.is_correct for c in choices) == 1


def test_demo_courses_are_searchable(seeded):
    chinese = Course.objects.get(title="零基础学Python编程入门")
    english = Course.objects.get(title="Data Analysis with pandas")

    assert course_search(query="Python 入门", limit=5, offset=0)[0][0] == chinese.pk
    assert course_search(query="pandas", limit=5, offset=0)[0][0] == english.pk
    assert course_search(query="商务英语", limit=5, offset=0)[1] >= 1
