import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lyceum.core.markdown import render_markdown
from lyceum.core.models import Event
from lyceum.courses import services
from lyceum.courses.models import (
    Choice,
    Course,
    CourseInstructor,
    CourseStatus,
    Lesson,
    LessonKind,
    MatchMode,
    Module,
    Question,
    QuestionKind,
    Quiz,
    Tag,
)
from lyceum.courses.tests.authoring_helpers import (
    add_lessons,
    add_module,
    make_course,
    make_expert_reviewer,
    publish,
)

# --- Creating courses and their addresses ---


def test_instructor_creates_a_draft_and_becomes_its_instructor(instructor):
    course = services.course_create(actor=instructor, title="Intro to Python", subtitle="From zero")

    assert course.slug == "intro-to-python"
    assert course.status == CourseStatus.DRAFT
    assert list(course.instructors.all()) == [instructor]
    assert Event.objects.filter(name="course.created", object_id=str(course.pk)).count() == 1


def test_a_taken_latin_slug_gets_a_short_suffix(instructor):
    first = services.course_create(actor=instructor, title="Intro to Python")
    second = services.course_create(actor=instructor, title="Intro to Python")

    assert first.slug == "intro-to-python"
    assert re.fullmatch(r"intro-to-python-[0-9a-f]{6}", second.slug)


@pytest.mark.parametrize(
    ("title", "pattern"),
    [
        ("零基础学 Python 编程", r"python-[0-9a-f]{6}"),
        ("数据分析入门", r"course-[0-9a-f]{6}"),
        ("AI 产品经理 101", r"ai-101-[0-9a-f]{6}"),
    ],
)
def test_chinese_titles_get_a_readable_latin_slug_with_a_suffix(instructor, title, pattern):
    course = services.course_create(actor=instructor, title=title)

    assert re.fullmatch(pattern, course.slug)


def test_an_explicit_duplicate_slug_is_a_field_error(instructor):
    services.course_create(actor=instructor, title="One", slug="data-101")

    with pytest.raises(ValidationFailed) as error:
        services.course_create(actor=instructor, title="Two", slug="data-101")

    assert error.value.field == "slug"
    assert Course.objects.count() == 1


@pytest.mark.parametrize("slug", ["has space", "数据", "UPPER!", "-dash-first", "x" * 121])
def test_a_malformed_slug_is_refused(instructor, slug):
    with pytest.raises(ValidationFailed) as error:
        services.course_create(actor=instructor, title="T", slug=slug)

    assert error.value.field == "slug"
    assert not Course.objects.exists()


@pytest.mark.parametrize("persona", ["learner", "moderator"])
def test_only_instructors_and_operators_create_courses(request, persona):
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        services.course_create(actor=user, title="Mine")

    assert not Course.objects.exists()


def test_operator_may_create_a_course(operator):
    assert services.course_create(actor=operator, title="House course").instructors.get() == operator


def test_an_empty_title_is_refused(instructor):
    with pytest.raises(ValidationFailed) as error:
        services.course_create(actor=instructor, title="   ")

    assert error.value.field == "title"


# --- Editing details ---


def test_update_changes_details_tags_and_emits_one_event(instructor):
    course = make_course(instructor)

    services.course_update(
        actor=instructor,
        course=course,
        description="New **text**",
        estimated_hours=Decimal("12.25"),
        tags=["Python", "数据分析", "python"],
        is_free=False,
    )

    course.refresh_from_db()
    assert course.description == "New **text**"
    assert course.estimated_hours == Decimal("12.2")
    assert not course.is_free
    assert sorted(t.name for t in course.tags.all()) == ["Python", "数据分析"]
    chinese = Tag.objects.get(name="数据分析")
    assert re.fullmatch(r"tag-[0-9a-f]{8}", chinese.slug)
    event = Event.objects.get(name="course.updated")
    assert event.props["fields"] == ["description", "estimated_hours", "is_free", "tags"]


def test_existing_tags_are_reused_case_insensitively(instructor):
    Tag.objects.create(slug="python", name="Python")
    course = make_course(instructor)

    services.course_update(actor=instructor, course=course, tags=["PYTHON"])

    assert Tag.objects.count() == 1
    assert course.tags.get().slug == "python"


def test_another_instructor_cannot_edit_and_nothing_changes(instructor):
    course = make_course(instructor, title="Original")
    other = make_user("other@example.org", Role.INSTRUCTOR)

    with pytest.raises(PermissionDenied):
        services.course_update(actor=other, course=course, title="Hijacked")

    course.refresh_from_db()
    assert course.title == "Original"
    assert not Event.objects.filter(name="course.updated").exists()


def test_a_co_instructor_who_lost_the_role_cannot_edit(instructor, operator):
    course = make_course(instructor)
    from lyceum.accounts.services import role_revoke

    role_revoke(actor=operator, user=instructor, role=Role.INSTRUCTOR)

    with pytest.raises(PermissionDenied):
        services.course_update(actor=instructor, course=course, title="Still mine?")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("estimated_hours", Decimal("-1")),
        ("estimated_hours", Decimal("10000")),
        ("level", "wizard"),
        ("language", "fr"),
        ("title", ""),
        ("subtitle", "x" * 241),
    ],
)
def test_bad_values_are_field_errors(instructor, field, value):
    course = make_course(instructor, title="Keep")

    with pytest.raises(ValidationFailed) as error:
        services.course_update(actor=instructor, course=course, **{field: value})

    assert error.value.field == field
    course.refresh_from_db()
    assert course.title == "Keep"


def test_prerequisites_must_be_published_other_courses_without_loops(instructor, operator):
    reviewer = operator
    base = publish(make_course(instructor, title="Base", ready=True), instructor, reviewer)
    middle = publish(make_course(instructor, title="Middle", ready=True), instructor, reviewer)
    services.course_update(actor=instructor, course=middle, prerequisites=[base])
    draft = make_course(instructor, title="Draft")

    with pytest.raises(ValidationFailed, match="itself"):
        services.course_update(actor=instructor, course=base, prerequisites=[base])
    with pytest.raises(ValidationFailed, match="loop"):
        services.course_update(actor=instructor, course=base, prerequisites=[middle])
    with pytest.raises(ValidationFailed, match="published"):
        services.course_update(actor=instructor, course=middle, prerequisites=[draft])

    assert list(middle.prerequisites.all()) == [base]
    assert not base.prerequisites.exists()


def test_the_slug_is_fixed_once_published(instructor, operator):
    course = publish(make_course(instructor, ready=True), instructor, operator)

    with pytest.raises(ValidationFailed) as error:
        services.course_update(actor=instructor, course=course, slug="new-address")

    assert error.value.field == "slug"


def test_markdown_script_in_a_description_is_neutralised_on_render(instructor):
    course = make_course(instructor)
    services.course_update(
        actor=instructor,
        course=course,
        description='Hi <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror="alert(3)">',
    )

    html = str(render_markdown(Course.objects.get(pk=course.pk).description))

    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html


# --- Co-instructors ---


def test_co_instructor_is_added_by_email_and_may_then_edit(instructor):
    course = make_course(instructor)
    colleague = make_user("colleague@example.org", Role.INSTRUCTOR)

    services.course_instructor_add(actor=instructor, course=course, email="Colleague@Example.org ")
    services.course_update(actor=colleague, course=course, subtitle="Co-written")

    assert set(course.instructors.all()) == {instructor, colleague}


@pytest.mark.parametrize("email", ["nobody@example.org", "learner@example.org", "instructor@example.org", ""])
def test_co_instructor_must_be_another_existing_instructor(instructor, learner, email):
    course = make_course(instructor)

    with pytest.raises(ValidationFailed) as error:
        services.course_instructor_add(actor=instructor, course=course, email=email)

    assert error.value.field == "email"
    assert course.course_instructors.count() == 1


def test_the_last_instructor_cannot_be_removed(instructor):
    course = make_course(instructor)

    with pytest.raises(ValidationFailed):
        services.course_instructor_remove(actor=instructor, course=course, user_id=instructor.pk)
    with pytest.raises(NotFound):
        services.course_instructor_remove(actor=instructor, course=course, user_id=999_999)

    assert CourseInstructor.objects.filter(course=course).count() == 1


# --- Modules and lessons: order ---


def _titles(queryset):
    return list(queryset.order_by("position", "id").values_list("title", flat=True))


def test_modules_and_lessons_append_in_order(instructor):
    course = make_course(instructor)
    first, second = add_module(instructor, course, "One", "Two")
    add_lessons(instructor, first, "a", "b", "c")

    assert [m.position for m in course.modules.order_by("position")] == [0, 1]
    assert _titles(first.lessons) == ["a", "b", "c"]
    assert list(first.lessons.order_by("position").values_list("position", flat=True)) == [0, 1, 2]
    assert second.position == 1


def test_moving_up_and_down_swaps_neighbours_and_stops_at_the_ends(instructor):
    course = make_course(instructor)
    one, two, three = add_module(instructor, course, "One", "Two", "Three")

    assert services.module_move(actor=instructor, module=three, direction="up") is True
    assert _titles(course.modules) == ["One", "Three", "Two"]
    assert services.module_move(actor=instructor, module=one, direction="up") is False
    assert services.module_move(actor=instructor, module=two, direction="down") is False
    assert services.module_move(actor=instructor, module=one, direction="down") is True
    assert _titles(course.modules) == ["Three", "One", "Two"]

    with pytest.raises(ValidationFailed):
        services.module_move(actor=instructor, module=one, direction="sideways")


def test_lessons_move_within_their_module(instructor):
    course = make_course(instructor)
    module = add_module(instructor, course, "M")[0]
    _a, _b, c = add_lessons(instructor, module, "a", "b", "c")

    services.lesson_move(actor=instructor, lesson=c, direction="up")
    services.lesson_move(actor=instructor, lesson=c, direction="up")

    assert _titles(module.lessons) == ["c", "a", "b"]


def test_reorder_puts_every_item_in_the_given_order(instructor):
    course = make_course(instructor)
    one, two, three = add_module(instructor, course, "One", "Two", "Three")
    a, b = add_lessons(instructor, one, "a", "b")

    services.module_reorder(actor=instructor, course=course, module_ids=[three.pk, one.pk, two.pk])
    services.lesson_reorder(actor=instructor, module=one, lesson_ids=[b.pk, a.pk])

    assert _titles(course.modules) == ["Three", "One", "Two"]
    assert list(course.modules.order_by("position").values_list("position", flat=True)) == [0, 1, 2]
    assert _titles(one.lessons) == ["b", "a"]


@pytest.mark.parametrize("case", ["empty", "missing", "duplicate", "foreign", "unknown"])
def test_reorder_refuses_an_incomplete_or_foreign_list(instructor, case):
    course = make_course(instructor)
    one, two = add_module(instructor, course, "One", "Two")
    other = add_module(instructor, make_course(instructor, title="Other"), "X")[0]
    ids = {
        "empty": [],
        "missing": [one.pk],
        "duplicate": [one.pk, one.pk],
        "foreign": [one.pk, other.pk],
        "unknown": [one.pk, two.pk, 999_999],
    }[case]

    with pytest.raises(ValidationFailed):
        services.module_reorder(actor=instructor, course=course, module_ids=ids)

    assert _titles(course.modules) == ["One", "Two"]


def test_an_outsider_cannot_reorder_and_nothing_moves(instructor):
    course = make_course(instructor)
    one, two = add_module(instructor, course, "One", "Two")
    other = make_user("other@example.org", Role.INSTRUCTOR)

    with pytest.raises(PermissionDenied):
        services.module_reorder(actor=other, course=course, module_ids=[two.pk, one.pk])
    with pytest.raises(PermissionDenied):
        services.module_move(actor=other, module=two, direction="up")

    assert _titles(course.modules) == ["One", "Two"]


def test_deleting_renumbers_what_is_left(instructor):
    course = make_course(instructor)
    _one, two, three = add_module(instructor, course, "One", "Two", "Three")
    a, _b, _c = add_lessons(instructor, three, "a", "b", "c")

    services.lesson_delete(actor=instructor, lesson=a)
    services.module_delete(actor=instructor, module=two)

    assert list(course.modules.values_list("title", "position")) == [("One", 0), ("Three", 1)]
    assert list(three.lessons.values_list("title", "position")) == [("b", 0), ("c", 1)]


# --- Lessons of each kind ---


def test_live_lesson_needs_a_link_and_a_start(instructor):
    module = add_module(instructor, make_course(instructor), "M")[0]
    start = timezone.now() + timedelta(days=3)

    for data, field in [
        (services.LessonData(title="Live", kind=LessonKind.LIVE, live_starts_at=start), "live_url"),
        (
            services.LessonData(title="Live", kind=LessonKind.LIVE, live_url="https://meet.example.org/x"),
            "live_starts_at",
        ),
        (
            services.LessonData(title="Live", kind=LessonKind.LIVE, live_url="ftp://x", live_starts_at=start),
            "live_url",
        ),
    ]:
        with pytest.raises(ValidationFailed) as error:
            services.lesson_create(actor=instructor, module=module, data=data)
        assert error.value.field == field
    lesson = services.lesson_create(
        actor=instructor,
        module=module,
        data=services.LessonData(
            title="Live", kind=LessonKind.LIVE, live_url="https://meet.example.org/x", live_starts_at=start
        ),
    )

    assert lesson.live_starts_at == start
    assert Lesson.objects.count() == 1


def test_drip_and_flags_are_stored(instructor):
    module = add_module(instructor, make_course(instructor), "M")[0]
    opens = timezone.now() + timedelta(days=7)

    lesson = services.lesson_create(
        actor=instructor,
        module=module,
        data=services.LessonData(
            title="Later", release_at=opens, release_after_days=3, is_preview=True, is_required=False
        ),
    )
    services.module_update(actor=instructor, module=module, title="M", release_after_days=2)

    lesson.refresh_from_db()
    module.refresh_from_db()
    assert (lesson.release_at, lesson.release_after_days, lesson.is_preview, lesson.is_required) == (
        opens,
        3,
        True,
        False,
    )
    assert module.release_after_days == 2
    with pytest.raises(ValidationFailed) as error:
        services.module_update(actor=instructor, module=module, title="M", release_after_days=4000)
    assert error.value.field == "release_after_days"


def test_a_quiz_lesson_gets_a_quiz(instructor):
    module = add_module(instructor, make_course(instructor), "M")[0]

    lesson = services.lesson_create(
        actor=instructor, module=module, data=services.LessonData(title="Check", kind=LessonKind.QUIZ)
    )
    services.quiz_update(actor=instructor, lesson=lesson, pass_percent=80, max_attempts=3)

    quiz = Quiz.objects.get(lesson=lesson)
    assert (quiz.pass_percent, quiz.max_attempts) == (80, 3)
    with pytest.raises(ValidationFailed) as error:
        services.quiz_update(actor=instructor, lesson=lesson, pass_percent=101, max_attempts=3)
    assert error.value.field == "pass_percent"


# --- Quiz questions ---


@pytest.fixture
def quiz(instructor):
    module = add_module(instructor, make_course(instructor), "M")[0]
    lesson = services.lesson_create(
        actor=instructor, module=module, data=services.LessonData(title="Q", kind=LessonKind.QUIZ)
    )
    return lesson.quiz


def test_each_question_kind_is_stored(instructor, quiz):
    single = services.question_create(
        actor=instructor,
        quiz=quiz,
        data=services.QuestionData(
            kind=QuestionKind.SINGLE, prompt="2+2?", choices=[("4", True), ("5", False), ("", False)]
        ),
    )
    multiple = services.question_create(
        actor=instructor,
        quiz=quiz,
        data=services.QuestionData(
            kind=QuestionKind.MULTIPLE, prompt="Primes?", choices=[("2", True), ("3", True), ("4", False)], points=2
        ),
    )
    true_false = services.question_create(
        actor=instructor,
        quiz=quiz,
        data=services.QuestionData(
            kind=QuestionKind.TRUE_FALSE, prompt="Sky is blue", choices=[("T", True), ("F", False)]
        ),
    )
    short = services.question_create(
        actor=instructor,
        quiz=quiz,
        data=services.QuestionData(
            kind=QuestionKind.SHORT,
            prompt="Colour?",
            accepted_answers=["^colou?r$", " "],
            match_mode=MatchMode.REGEX,
            explanation="Both spellings.",
            choices=[("ignored", True)],
        ),
    )

    assert [c.text for c in single.choices.all()] == ["4", "5"]
    assert [c.is_correct for c in multiple.choices.all()] == [True, True, False]
    assert true_false.choices.count() == 2
    assert short.accepted_answers == ["^colou?r$"]
    assert short.match_mode == MatchMode.REGEX
    assert not short.choices.exists()
    assert list(quiz.questions.values_list("position", flat=True)) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (services.QuestionData(kind=QuestionKind.SINGLE, prompt="?", choices=[("a", True), ("b", True)]), "choices"),
        (services.QuestionData(kind=QuestionKind.SINGLE, prompt="?", choices=[("a", True)]), "choices"),
        (
            services.QuestionData(kind=QuestionKind.MULTIPLE, prompt="?", choices=[("a", False), ("b", False)]),
            "choices",
        ),
        (
            services.QuestionData(
                kind=QuestionKind.TRUE_FALSE, prompt="?", choices=[("a", True), ("b", False), ("c", False)]
            ),
            "choices",
        ),
        (services.QuestionData(kind=QuestionKind.SHORT, prompt="?", accepted_answers=[]), "accepted_answers"),
        (
            services.QuestionData(
                kind=QuestionKind.SHORT, prompt="?", accepted_answers=["(unclosed"], match_mode="regex"
            ),
            "accepted_answers",
        ),
        (
            services.QuestionData(kind=QuestionKind.SHORT, prompt="?", accepted_answers=["a"], match_mode="fuzzy"),
            "match_mode",
        ),
        (services.QuestionData(kind="essay", prompt="?"), "kind"),
        (services.QuestionData(kind=QuestionKind.SINGLE, prompt="  ", choices=[("a", True), ("b", False)]), "prompt"),
        (
            services.QuestionData(kind=QuestionKind.SINGLE, prompt="?", points=0, choices=[("a", True), ("b", False)]),
            "points",
        ),
    ],
)
def test_malformed_questions_are_refused(instructor, quiz, data, field):
    with pytest.raises(ValidationFailed) as error:
        services.question_create(actor=instructor, quiz=quiz, data=data)

    assert error.value.field == field
    assert not Question.objects.exists()


def test_editing_a_question_keeps_its_choice_rows(instructor, quiz):
    question = services.question_create(
        actor=instructor,
        quiz=quiz,
        data=services.QuestionData(
            kind=QuestionKind.SINGLE, prompt="?", choices=[("a", True), ("b", False), ("c", False)]
        ),
    )
    ids = list(question.choices.values_list("pk", flat=True))

    services.question_update(
        actor=instructor,
        question=question,
        data=services.QuestionData(kind=QuestionKind.SINGLE, prompt="Better?", choices=[("A", False), ("B", True)]),
    )

    assert list(question.choices.values_list("pk", "text", "is_correct")) == [
        (ids[0], "A", False),
        (ids[1], "B", True),
    ]
    assert not Choice.objects.filter(pk=ids[2]).exists()


def test_questions_move_and_delete(instructor, quiz):
    questions = [
        services.question_create(
            actor=instructor,
            quiz=quiz,
            data=services.QuestionData(kind=QuestionKind.SHORT, prompt=p, accepted_answers=["x"]),
        )
        for p in ("one", "two", "three")
    ]

    services.question_move(actor=instructor, question=questions[2], direction="up")
    services.question_delete(actor=instructor, question=questions[0])

    assert list(quiz.questions.values_list("prompt", "position")) == [("three", 0), ("two", 1)]


def test_an_outsider_cannot_touch_questions(instructor, quiz):
    other = make_user("other@example.org", Role.INSTRUCTOR)
    data = services.QuestionData(kind=QuestionKind.SHORT, prompt="?", accepted_answers=["x"])

    with pytest.raises(PermissionDenied):
        services.question_create(actor=other, quiz=quiz, data=data)

    assert not Question.objects.exists()


# --- Operators and expert reviewers as editors ---


def test_operator_edits_any_course_but_an_expert_reviewer_does_not(instructor, operator):
    course = make_course(instructor)
    expert = make_expert_reviewer()

    services.module_create(actor=operator, course=course, title="By the operator")
    with pytest.raises(PermissionDenied):
        services.module_create(actor=expert, course=course, title="By the reviewer")

    assert list(Module.objects.values_list("title", flat=True)) == ["By the operator"]


def test_change_record_needs_a_published_course(instructor):
    course = make_course(instructor)

    with pytest.raises(Conflict):
        services.course_change_record(actor=instructor, course=course, summary="New lesson")
