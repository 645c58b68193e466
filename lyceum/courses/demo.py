"""Demo catalog: categories, instructors and ~30 published courses in English and Chinese.

Courses are written through the authoring services (create, outline, quiz, submit,
approve), as an instructor and the demo operator would; only the dates are backdated
afterwards. Deterministic and idempotent: every random value is drawn before checking
whether a course exists, and a course that exists is left alone.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from lyceum.accounts import services as account_services
from lyceum.accounts.demo import DEMO_DOMAIN, DEMO_PASSWORD, DEMO_TOTP_SECRET
from lyceum.accounts.models import Role, Topic, User

from . import services
from .demo_content import COURSES, EXERCISES, INSTRUCTORS, PARAGRAPHS, TIPS, WORDS, CourseSpec
from .models import REVIEW_CHECKLIST, Category, Course, CourseChange, CourseReview, CourseStatus, LessonKind

VIDEO_SIZE = (320, 180)
VIDEO_SECONDS = 4
VIDEO_FPS = 10


def demo_video() -> bytes:
    """A few seconds of H.264 in MP4: a title card with a moving bar (PyAV + Pillow)."""
    import av
    from PIL import Image, ImageDraw

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=VIDEO_FPS)
        stream.width, stream.height = VIDEO_SIZE
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "30"}
        width, height = VIDEO_SIZE
        frames = VIDEO_SECONDS * VIDEO_FPS
        for i in range(frames):
            image = Image.new("RGB", VIDEO_SIZE, (59, 91, 219))
            draw = ImageDraw.Draw(image)
            draw.text((20, 24), "Lyceum", fill=(255, 255, 255))
            draw.text((20, 48), f"demo lesson  {i // VIDEO_FPS + 1}/{VIDEO_SECONDS}", fill=(220, 228, 255))
            x = 20 + (width - 80) * i // (frames - 1)
            draw.rounded_rectangle((x, height - 50, x + 40, height - 30), radius=6, fill=(245, 159, 0))
            for packet in stream.encode(av.VideoFrame.from_image(image)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def _lesson_body(spec: CourseSpec, title: str, draw: dict[str, int]) -> str:
    lang = spec.language
    values = {"lesson": title, "lesson_lower": title[:1].lower() + title[1:], "course": spec.title}
    paragraphs = PARAGRAPHS[lang]
    first = paragraphs[draw["p1"] % len(paragraphs)]
    second = paragraphs[(draw["p1"] + 1 + draw["p2"] % (len(paragraphs) - 1)) % len(paragraphs)]
    words = WORDS[lang]
    return (
        f"{first.format(**values)}\n\n{second.format(**values)}\n\n"
        f"### {words['exercise']}\n\n{EXERCISES[lang][draw['exercise'] % len(EXERCISES[lang])].format(**values)}\n\n"
        f"> **{words['tip']}:** {TIPS[lang][draw['tip'] % len(TIPS[lang])]}\n"
    )


def _draw_course(rng: Any, spec: CourseSpec) -> dict[str, Any]:
    """Every random value one course needs, drawn in a fixed order whatever exists already."""
    lessons = [
        {"p1": rng.randrange(100), "p2": rng.randrange(100), "exercise": rng.randrange(100),
         "tip": rng.randrange(100), "minutes": rng.randint(6, 18)}
        for _module, titles in spec.modules for _title in titles
    ]  # fmt: skip
    return {
        "days_ago": rng.randint(3, 420),
        "review_hours": rng.randint(2, 72),
        "second_preview": rng.random() < 0.5,
        "lessons": lessons,
    }


def _instructors(password_hash: str, now: Any) -> dict[str, User]:
    people: dict[str, User] = {}
    for key, (local, display_name, locale) in INSTRUCTORS.items():
        email = f"{local}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            with transaction.atomic():
                user = account_services.user_create(
                    email=email, display_name=display_name, password_hash=password_hash, roles=(Role.INSTRUCTOR,),
                    locale=locale, joined_at=now - timedelta(days=400), method="demo",
                )  # fmt: skip
        account_services.mfa_totp_enable(user=user, secret=DEMO_TOTP_SECRET)
        people[key] = user
    return people


def _categories() -> dict[str, Category]:
    # No service writes categories (operators curate them in the admin); they mirror the topics.
    categories = {}
    for topic in Topic.objects.order_by("position", "slug"):
        categories[topic.slug], _created = Category.objects.get_or_create(
            slug=topic.slug,
            defaults={"name_en": topic.name_en, "name_zh": topic.name_zh, "topic": topic, "position": topic.position},
        )
    return categories


def _build_course(
    spec: CourseSpec,
    draw: dict[str, Any],
    *,
    people: dict[str, User],
    reviewer: User,
    category: Category | None,
    video: bytes,
    now: Any,
) -> Course:
    author = people[spec.teachers[0]]
    words = WORDS[spec.language]
    course = services.course_create(
        actor=author, title=spec.title, subtitle=spec.subtitle, slug=spec.slug, language=spec.language, level=spec.level
    )
    for key in spec.teachers[1:]:
        services.course_instructor_add(actor=author, course=course, email=people[key].email)
    services.course_update(
        actor=author,
        course=course,
        description=spec.description,
        objectives="\n".join(spec.objectives),
        estimated_hours=Decimal(spec.hours),
        is_free=spec.free,
        category=category,
        tags=list(spec.tags),
        prerequisites=list(Course.objects.filter(slug__in=spec.requires)),
    )
    lesson_draws = iter(draw["lessons"])
    # One or two free previews: the welcome video counts as one.
    text_previews = 1 + draw["second_preview"] - spec.video
    for module_index, (module_title, lesson_titles) in enumerate(spec.modules):
        module = services.module_create(actor=author, course=course, title=module_title)
        if module_index == 0 and spec.video:
            upload = SimpleUploadedFile("welcome.mp4", video, content_type="video/mp4")
            services.lesson_create(
                actor=author,
                module=module,
                data=services.LessonData(
                    title=words["welcome"],
                    kind=LessonKind.VIDEO,
                    body=words["welcome_body"].format(course=spec.title),
                    is_preview=True,
                ),
                upload=upload,
            )
        for lesson_index, title in enumerate(lesson_titles):
            lesson_draw = next(lesson_draws)
            preview = module_index == 0 and lesson_index < text_previews
            services.lesson_create(
                actor=author,
                module=module,
                data=services.LessonData(
                    title=title,
                    body=_lesson_body(spec, title, lesson_draw),
                    is_preview=preview,
                    duration_seconds=lesson_draw["minutes"] * 60,
                ),
            )
        if module_index == len(spec.modules) - 1 and spec.quiz:
            quiz_lesson = services.lesson_create(
                actor=author,
                module=module,
                data=services.LessonData(
                    title=words["quiz"], kind=LessonKind.QUIZ, body=words["quiz_body"], duration_seconds=300
                ),
            )
            quiz = services.quiz_update(actor=author, lesson=quiz_lesson, pass_percent=60, max_attempts=0)
            for kind, prompt, explanation, choices, accepted in spec.quiz:
                services.question_create(
                    actor=author,
                    quiz=quiz,
                    data=services.QuestionData(
                        kind=kind,
                        prompt=prompt,
                        explanation=explanation,
                        choices=list(choices),
                        accepted_answers=list(accepted),
                    ),
                )
    review = services.course_submit(actor=author, course=course)
    services.review_approve(actor=reviewer, review=review, checklist=[key for key, _label in REVIEW_CHECKLIST])

    # Backdate: the course went live ``days_ago`` days ago, a little after it was submitted.
    published_at = now - timedelta(days=draw["days_ago"])
    submitted_at = published_at - timedelta(hours=draw["review_hours"])
    Course.objects.filter(pk=course.pk).update(published_at=published_at, submitted_at=submitted_at)
    CourseReview.objects.filter(pk=review.pk).update(submitted_at=submitted_at, decided_at=published_at)
    CourseChange.objects.filter(course=course, version=1).update(created_at=published_at)
    course.refresh_from_db()
    return course


def seed(ctx: Any) -> None:
    rng = ctx.rng
    draws = [_draw_course(rng, spec) for spec in COURSES]  # all randomness first: reruns stay identical

    people = _instructors(make_password(DEMO_PASSWORD), ctx.now)
    reviewer = User.objects.get(email=f"operator@{DEMO_DOMAIN}")
    categories = _categories()
    existing = set(Course.objects.filter(slug__in=[s.slug for s in COURSES]).values_list("slug", flat=True))
    video = demo_video() if any(s.video and s.slug not in existing for s in COURSES) else b""

    created = 0
    for spec, draw in ctx.progress(list(zip(COURSES, draws, strict=True)), desc="courses", total=len(COURSES)):
        if spec.slug in existing:
            continue
        with transaction.atomic():
            _build_course(
                spec, draw, people=people, reviewer=reviewer, category=categories.get(spec.category),
                video=video, now=ctx.now,
            )  # fmt: skip
        created += 1

    indexed = services.course_search_reindex_all()
    published = Course.objects.filter(status=CourseStatus.PUBLISHED).count()
    ctx.stdout.write(f"courses: {created} created, {published} published, {indexed} in the search index")
