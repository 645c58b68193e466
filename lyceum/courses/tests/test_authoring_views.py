import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.courses import services
from lyceum.courses.models import Course, CourseChange, Lesson, LessonKind, Module, Question
from lyceum.courses.tests.authoring_helpers import (
    add_lessons,
    add_module,
    make_course,
    publish,
    tiny_png,
    tiny_video,
)

# --- Who gets into the studio ---


def test_studio_needs_sign_in(client, db):
    response = client.get("/studio/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["learner", "moderator"])
@pytest.mark.parametrize("path", ["/studio/", "/studio/courses/new/"])
def test_studio_is_for_instructors_and_operators(request, client_for, persona, path):
    user = request.getfixturevalue(persona)

    response = client_for(user).post(path, {"title": "Sneaky", "language": "en", "level": "beginner"})

    assert response.status_code == 403
    assert not Course.objects.exists()


def test_instructor_sees_only_own_courses_and_operator_sees_all(client_for, instructor, operator):
    make_course(instructor, title="Mine")
    other = make_user("other@example.org", Role.INSTRUCTOR)
    make_course(other, title="Theirs")

    mine = client_for(instructor).get("/studio/").content.decode()
    everything = client_for(operator).get("/studio/").content.decode()

    assert "Mine" in mine and "Theirs" not in mine
    assert "Mine" in everything and "Theirs" in everything


def test_studio_list_query_count_does_not_grow_with_courses(client_for, instructor, django_assert_max_num_queries):
    colleague = make_user("colleague@example.org", Role.INSTRUCTOR)
    for index in range(12):
        course = make_course(instructor, title=f"Course {index}")
        services.course_instructor_add(actor=instructor, course=course, email=colleague.email)
        add_lessons(instructor, add_module(instructor, course, "M")[0], "a", "b")
    client = client_for(instructor)
    client.get("/studio/")  # warm the session and permission caches

    # session, user, roles, 2FA check, courses with counts, instructors: flat in the number of courses
    with django_assert_max_num_queries(7):  # + the unread-notifications badge
        response = client.get("/studio/")

    assert response.status_code == 200
    assert response.content.decode().count("/studio/courses/") >= 12


def test_studio_course_page_query_count_does_not_grow_with_the_outline(
    client_for, instructor, django_assert_max_num_queries
):
    course = make_course(instructor, ready=True)
    for module in add_module(instructor, course, "Two", "Three", "Four"):
        add_lessons(instructor, module, "a", "b", "c")
    services.lesson_create(
        actor=instructor, module=course.modules.first(), data=services.LessonData(title="Q", kind=LessonKind.QUIZ)
    )
    client = client_for(instructor)
    client.get(f"/studio/courses/{course.pk}/")

    with django_assert_max_num_queries(13):  # + the readiness check of a draft, the badge
        response = client.get(f"/studio/courses/{course.pk}/")

    assert response.content.decode().count('class="outline-lesson"') == 11


# --- Creating and editing ---


def test_create_course_from_a_chinese_title(client_for, instructor):
    response = client_for(instructor).post(
        "/studio/courses/new/", {"title": "零基础 Python", "language": "zh-hans", "level": "beginner"}
    )

    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/studio/courses/{course.pk}/edit/"
    assert course.slug.startswith("python-")
    assert course.language == "zh-hans"


def test_a_duplicate_slug_is_a_form_error_not_a_500(client_for, instructor):
    make_course(instructor, title="Taken")  # slug "taken"
    client = client_for(instructor)

    response = client.post(
        "/studio/courses/new/", {"title": "Another", "slug": "taken", "language": "en", "level": "beginner"}
    )

    assert response.status_code == 200
    assert "Another course already uses this address." in response.content.decode()
    assert Course.objects.count() == 1


def _details(course, **changes):
    data = {
        "title": course.title,
        "subtitle": course.subtitle,
        "slug": course.slug,
        "description": course.description,
        "objectives": course.objectives,
        "level": course.level,
        "language": course.language,
        "estimated_hours": str(course.estimated_hours),
        "tags": "",
        "is_free": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"estimated_hours": "lots"}, "estimated_hours"),
        ({"estimated_hours": "-2"}, "estimated_hours"),
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"level": "guru"}, "level"),
        ({"category": "99999"}, "category"),
        ({"slug": "Bad Slug"}, "slug"),
    ],
)
def test_course_form_reports_bad_input_and_saves_nothing(client_for, instructor, changes, field):
    course = make_course(instructor, title="Keep me")

    response = client_for(instructor).post(f"/studio/courses/{course.pk}/edit/", _details(course, **changes))

    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    course.refresh_from_db()
    assert course.title == "Keep me"


def test_course_form_saves_details_cover_and_tags(client_for, instructor):
    course = make_course(instructor)
    cover = SimpleUploadedFile("c.png", tiny_png(), content_type="image/png")

    response = client_for(instructor).post(
        f"/studio/courses/{course.pk}/edit/",
        _details(course, description="# Hello", tags="Python, 数据", estimated_hours="3.5", cover=cover),
    )

    assert response.status_code == 302
    course.refresh_from_db()
    assert course.description == "# Hello"
    assert sorted(t.name for t in course.tags.all()) == ["Python", "数据"]
    assert course.cover.name.startswith("covers/")


def test_the_no_javascript_preview_shows_sanitised_html_and_saves_nothing(client_for, instructor):
    course = make_course(instructor)

    response = client_for(instructor).post(
        f"/studio/courses/{course.pk}/edit/",
        _details(course, description="**bold** <script>alert(1)</script>", preview="1"),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)" not in page
    course.refresh_from_db()
    assert course.description == ""


def test_markdown_preview_endpoint_returns_sanitised_html(client_for, instructor):
    response = client_for(instructor).post(
        "/studio/preview/", {"text": "*hi* <script>x()</script><a href='javascript:y()'>l</a>"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "<em>hi</em>" in html
    assert "<script" not in html and "javascript:" not in html


def test_markdown_preview_is_not_for_learners_nor_get(client_for, client, learner, instructor):
    assert client_for(learner).post("/studio/preview/", {"text": "x"}).status_code == 403
    assert client_for(instructor).get("/studio/preview/").status_code == 405
    assert client.post("/studio/preview/", {"text": "x"}).status_code == 302


def test_course_page_in_the_studio_shows_the_outline(client_for, instructor):
    course = make_course(instructor, title="Outline")
    module = add_module(instructor, course, "Chapter one")[0]
    add_lessons(instructor, module, "First steps")

    page = client_for(instructor).get(f"/studio/courses/{course.pk}/").content.decode()

    assert "Chapter one" in page and "First steps" in page
    assert f'data-reorder-url="/studio/modules/{module.pk}/lessons/order/"' in page


# --- Modules and lessons through the pages ---


def test_modules_are_added_moved_and_reordered_through_the_pages(client_for, instructor):
    course = make_course(instructor)
    client = client_for(instructor)
    for title in ("One", "Two", "Three"):
        assert client.post(f"/studio/courses/{course.pk}/modules/new/", {"title": title}).status_code == 302
    one, two, three = course.modules.order_by("position")

    client.post(f"/studio/modules/{three.pk}/move/", {"direction": "up"})
    assert list(course.modules.order_by("position").values_list("title", flat=True)) == ["One", "Three", "Two"]

    response = client.post(f"/studio/courses/{course.pk}/modules/order/", {"order": [two.pk, one.pk, three.pk]})
    assert response.status_code == 200
    assert json.loads(response.content) == {"ok": True}
    assert list(course.modules.order_by("position").values_list("title", flat=True)) == ["Two", "One", "Three"]


@pytest.mark.parametrize("order", [["x", "y"], ["1"], []])
def test_a_bad_drag_and_drop_order_is_a_json_error(client_for, instructor, order):
    course = make_course(instructor)
    add_module(instructor, course, "One", "Two")

    response = client_for(instructor).post(f"/studio/courses/{course.pk}/modules/order/", {"order": order})

    assert response.status_code == 422
    assert json.loads(response.content)["code"] == "validation_error"
    assert list(course.modules.order_by("position").values_list("title", flat=True)) == ["One", "Two"]


def test_lesson_reorder_through_the_page(client_for, instructor):
    module = add_module(instructor, make_course(instructor), "M")[0]
    a, b, c = add_lessons(instructor, module, "a", "b", "c")

    response = client_for(instructor).post(
        f"/studio/modules/{module.pk}/lessons/order/", {"order": f"{c.pk},{a.pk},{b.pk}"}
    )

    assert response.status_code == 200
    assert list(module.lessons.order_by("position").values_list("title", flat=True)) == ["c", "a", "b"]


def test_lesson_form_creates_a_video_lesson(client_for, instructor):
    module = add_module(instructor, make_course(instructor), "M")[0]
    video = SimpleUploadedFile("clip.mp4", tiny_video(), content_type="video/mp4")

    response = client_for(instructor).post(
        f"/studio/modules/{module.pk}/lessons/new/",
        {"title": "Watch", "kind": "video", "media": video, "is_required": "on", "release_after_days": "2"},
    )

    assert response.status_code == 302
    lesson = Lesson.objects.get()
    assert (lesson.kind, lesson.duration_seconds, lesson.release_after_days) == ("video", 1, 2)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "Live", "kind": "live", "live_starts_at": "2030-01-01T10:00"}, "live_url"),
        (
            {"title": "Live", "kind": "live", "live_url": "https://x.example", "live_starts_at": "soon"},
            "live_starts_at",
        ),
        ({"title": "File", "kind": "file"}, "media"),
        ({"title": "Odd", "kind": "hologram"}, "kind"),
        ({"title": "", "kind": "text"}, "title"),
        ({"title": "Drip", "kind": "text", "release_after_days": "-1"}, "release_after_days"),
    ],
)
def test_lesson_form_reports_bad_input(client_for, instructor, data, field):
    module = add_module(instructor, make_course(instructor), "M")[0]

    response = client_for(instructor).post(f"/studio/modules/{module.pk}/lessons/new/", data)

    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert not Lesson.objects.exists()


def test_live_lesson_start_is_read_in_the_instructors_time_zone(client_for, instructor):
    instructor.timezone = "Asia/Shanghai"
    instructor.save(update_fields=["timezone"])
    module = add_module(instructor, make_course(instructor), "M")[0]

    client_for(instructor).post(
        f"/studio/modules/{module.pk}/lessons/new/",
        {
            "title": "Live",
            "kind": "live",
            "live_url": "https://meet.example.org/a",
            "live_starts_at": "2030-01-01T20:00",
        },
    )

    assert Lesson.objects.get().live_starts_at.isoformat() == "2030-01-01T12:00:00+00:00"


def test_quiz_builder_adds_questions_of_each_kind(client_for, instructor):
    module = add_module(instructor, make_course(instructor), "M")[0]
    client = client_for(instructor)
    response = client.post(f"/studio/modules/{module.pk}/lessons/new/", {"title": "Check", "kind": "quiz"})
    lesson = Lesson.objects.get()
    url = f"/studio/lessons/{lesson.pk}/quiz/"
    assert response["Location"] == url

    posts = [
        {"kind": "single", "prompt": "2+2?", "points": "1", "choice_1": "4", "correct_1": "on", "choice_2": "5"},
        {
            "kind": "multiple",
            "prompt": "Primes",
            "points": "2",
            "choice_1": "2",
            "correct_1": "on",
            "choice_2": "3",
            "correct_2": "on",
            "choice_3": "4",
        },
        {"kind": "true_false", "prompt": "Water is wet", "points": "1", "true_false_answer": "true"},
        {
            "kind": "short",
            "prompt": "Colour?",
            "points": "1",
            "accepted_answers": "^colou?r$",
            "match_mode": "regex",
            "explanation": "Both.",
        },
    ]
    for data in posts:
        assert client.post(url, {**data, "add_question": "1"}).status_code == 302
    client.post(url, {"save_settings": "1", "pass_percent": "75", "max_attempts": "2"})

    kinds = list(Question.objects.order_by("position").values_list("kind", flat=True))
    assert kinds == ["single", "multiple", "true_false", "short"]
    true_false = Question.objects.get(kind="true_false")
    with translation.override("zh-hans"):  # worded in the course's language
        expected = [(gettext("True"), True), (gettext("False"), False)]
    assert [(c.text, c.is_correct) for c in true_false.choices.all()] == expected
    lesson.quiz.refresh_from_db()
    assert (lesson.quiz.pass_percent, lesson.quiz.max_attempts) == (75, 2)


@pytest.mark.parametrize(
    "data",
    [
        {
            "kind": "single",
            "prompt": "?",
            "points": "1",
            "choice_1": "a",
            "correct_1": "on",
            "choice_2": "b",
            "correct_2": "on",
        },
        {"kind": "true_false", "prompt": "?", "points": "1"},
        {"kind": "short", "prompt": "?", "points": "1", "accepted_answers": "(", "match_mode": "regex"},
        {"kind": "single", "prompt": "?", "points": "many"},
    ],
)
def test_quiz_builder_reports_bad_questions(client_for, instructor, data):
    module = add_module(instructor, make_course(instructor), "M")[0]
    lesson = services.lesson_create(
        actor=instructor, module=module, data=services.LessonData(title="Q", kind=LessonKind.QUIZ)
    )

    response = client_for(instructor).post(f"/studio/lessons/{lesson.pk}/quiz/", {**data, "add_question": "1"})

    assert response.status_code == 400
    assert response.context["question_form"].errors
    assert not Question.objects.exists()


def test_a_text_lesson_has_no_quiz_page(client_for, instructor):
    lesson = add_lessons(instructor, add_module(instructor, make_course(instructor), "M")[0], "Text")[0]

    assert client_for(instructor).get(f"/studio/lessons/{lesson.pk}/quiz/").status_code == 404


# --- Another instructor or a learner: 403 everywhere, nothing changes ---


@pytest.fixture
def world(instructor):
    course = make_course(instructor, title="Guarded", ready=True)
    module = course.modules.get()
    lesson = module.lessons.get()
    quiz_lesson = services.lesson_create(
        actor=instructor, module=module, data=services.LessonData(title="Quiz", kind=LessonKind.QUIZ)
    )
    question = services.question_create(
        actor=instructor,
        quiz=quiz_lesson.quiz,
        data=services.QuestionData(kind="short", prompt="?", accepted_answers=["x"]),
    )
    return {"c": course.pk, "m": module.pk, "l": lesson.pk, "q": quiz_lesson.pk, "qq": question.pk}


GUARDED = [
    ("get", "/studio/courses/{c}/"),
    ("get", "/studio/courses/{c}/edit/"),
    ("post", "/studio/courses/{c}/edit/"),
    ("post", "/studio/courses/{c}/instructors/"),
    ("post", "/studio/courses/{c}/submit/"),
    ("post", "/studio/courses/{c}/archive/"),
    ("post", "/studio/courses/{c}/unarchive/"),
    ("post", "/studio/courses/{c}/changes/"),
    ("get", "/studio/courses/{c}/modules/new/"),
    ("post", "/studio/courses/{c}/modules/new/"),
    ("post", "/studio/courses/{c}/modules/order/"),
    ("get", "/studio/modules/{m}/edit/"),
    ("post", "/studio/modules/{m}/edit/"),
    ("get", "/studio/modules/{m}/delete/"),
    ("post", "/studio/modules/{m}/delete/"),
    ("post", "/studio/modules/{m}/move/"),
    ("get", "/studio/modules/{m}/lessons/new/"),
    ("post", "/studio/modules/{m}/lessons/new/"),
    ("post", "/studio/modules/{m}/lessons/order/"),
    ("get", "/studio/lessons/{l}/edit/"),
    ("post", "/studio/lessons/{l}/edit/"),
    ("get", "/studio/lessons/{l}/delete/"),
    ("post", "/studio/lessons/{l}/delete/"),
    ("post", "/studio/lessons/{l}/move/"),
    ("get", "/studio/lessons/{l}/media/"),
    ("get", "/studio/lessons/{q}/quiz/"),
    ("post", "/studio/lessons/{q}/quiz/"),
    ("get", "/studio/questions/{qq}/edit/"),
    ("post", "/studio/questions/{qq}/edit/"),
    ("get", "/studio/questions/{qq}/delete/"),
    ("post", "/studio/questions/{qq}/delete/"),
    ("post", "/studio/questions/{qq}/move/"),
]


def _snapshot():
    return (
        list(Course.objects.values_list("title", "status", "description", "version")),
        list(Module.objects.values_list("pk", "title", "position")),
        list(Lesson.objects.values_list("pk", "title", "position", "kind")),
        list(Question.objects.values_list("pk", "prompt", "position")),
        list(CourseChange.objects.values_list("pk")),
    )


@pytest.mark.parametrize("persona", ["other_instructor", "learner"])
@pytest.mark.parametrize(("method", "path"), GUARDED)
def test_outsiders_get_403_on_every_studio_page_and_nothing_changes(request, client_for, world, persona, method, path):
    user = (
        make_user("other@example.org", Role.INSTRUCTOR)
        if persona == "other_instructor"
        else request.getfixturevalue(persona)
    )
    client = client_for(user)
    before = _snapshot()
    payload = {
        "title": "Hacked",
        "direction": "up",
        "order": [world["m"]],
        "email": "other@example.org",
        "summary": "x",
        "kind": "text",
        "prompt": "hacked",
        "accepted_answers": "y",
        "points": "1",
        "add_question": "1",
        "level": "beginner",
        "language": "en",
        "estimated_hours": "1",
        "slug": "hacked",
    }

    url = path.format(**world)
    response = client.get(url) if method == "get" else client.post(url, payload)

    assert response.status_code == 403
    assert _snapshot() == before


def test_unknown_ids_are_404_for_instructors(client_for, instructor):
    client = client_for(instructor)

    assert client.get("/studio/courses/999999/").status_code == 404
    assert client.get("/studio/lessons/999999/edit/").status_code == 404


def test_co_instructor_and_operator_may_edit(client_for, instructor, operator, world):
    colleague = make_user("colleague@example.org", Role.INSTRUCTOR)
    services.course_instructor_add(actor=instructor, course=Course.objects.get(), email=colleague.email)

    for user in (colleague, operator):
        response = client_for(user).post(f"/studio/courses/{world['c']}/modules/new/", {"title": f"By {user.pk}"})
        assert response.status_code == 302
    assert Module.objects.count() == 3


def test_co_instructor_add_form_error_is_shown(client_for, instructor):
    course = make_course(instructor)

    response = client_for(instructor).post(f"/studio/courses/{course.pk}/instructors/", {"email": "nobody@example.org"})

    assert response.status_code == 400
    assert "No instructor has this e-mail address." in response.content.decode()


# --- Changelog page and partial ---


def test_changelog_page_lists_versions_for_everyone(client, instructor, operator):
    course = publish(make_course(instructor, title="Logged", ready=True), instructor, operator)
    services.course_change_record(actor=instructor, course=course, summary="Added a **new** lesson on joins.")

    response = client.get(f"/courses/{course.slug}/changes/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Version 2" in page and "Version 1" in page
    assert "<strong>new</strong>" in page
    assert "Updated on" in page


def test_changelog_of_a_draft_is_hidden(client, client_for, instructor):
    course = make_course(instructor)

    assert client.get(f"/courses/{course.slug}/changes/").status_code == 404
    assert client_for(instructor).get(f"/courses/{course.slug}/changes/").status_code == 200
    assert client.get("/courses/no-such-course/changes/").status_code == 404


def test_changelog_partial_renders_on_its_own(instructor, operator):
    from django.template.loader import render_to_string

    from lyceum.courses.selectors import course_changes

    course = publish(make_course(instructor, ready=True), instructor, operator)

    html = render_to_string(
        "courses/partials/_changelog.html", {"course": course, "changes": course_changes(course=course)}
    )

    assert "Version 1" in html
    assert course.changes.get().summary in html


# --- Admin for operators ---


@pytest.mark.parametrize(
    "model", ["category", "tag", "course", "module", "lesson", "quiz", "question", "coursereview", "coursechange"]
)
def test_operators_use_the_courses_admin(client_for, operator, learner, world, model):
    assert client_for(operator).get(f"/admin/courses/{model}/").status_code == 200
    assert client_for(learner).get(f"/admin/courses/{model}/").status_code == 302  # to the admin login


def test_operator_opens_a_course_in_the_admin_but_not_its_workflow_fields(client_for, operator, world):
    response = client_for(operator).get(f"/admin/courses/course/{world['c']}/change/")

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "title" in form.fields
    assert "status" not in form.fields and "version" not in form.fields
