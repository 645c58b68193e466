"""Demo learning paths: three curated paths over the demo courses' prerequisite chains, and an
active path for the demo learner (learner@example.com). Idempotent: paths are found by slug,
the learner's path is started only when they have none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lyceum.accounts.models import User
from lyceum.core.errors import ApplicationError
from lyceum.courses.models import Course, CourseStatus

from .models import CuratedPath, LearningPath
from .services_paths import curated_path_save, path_start

CURATED = [
    (
        "become-a-data-analyst",
        "成为数据分析师 / Become a data analyst",
        "From SQL and Python to pandas and telling stories with charts: the skills an analyst uses "
        "every day.\n从 SQL、Python 到 pandas 与数据可视化叙事：数据分析师每天用到的技能。",
        ["sql-for-analysts", "python-for-everyone", "data-analysis-with-pandas", "data-visualisation-storytelling"],
    ),
    (
        "python-to-web-apps",
        "从 Python 到 Web 应用 / From Python to web apps",
        "Learn Python, version control and the front end, then build and ship a Django web app.\n"
        "学 Python、Git 和前端基础，然后用 Django 做出并上线一个 Web 应用。",
        ["python-for-everyone", "git-and-github", "web-frontend-basics", "django-web-apps"],
    ),
    (
        "build-ai-products",
        "打造 AI 产品 / Build AI products",
        "Prompting, machine-learning foundations and building applications on large language models. "
        "The planner adds the data-analysis prerequisites you still need.\n"
        "提示词、机器学习基础，以及基于大语言模型构建应用。",
        ["prompt-engineering-zh", "machine-learning-foundations", "building-llm-apps"],
    ),
]
DEMO_LEARNER = "learner@example.com"
DEMO_GOAL = "curated:become-a-data-analyst"


def seed(ctx: Any) -> None:
    operator = User.objects.filter(groups__name="operator", email__endswith="@example.com").order_by("pk").first()
    slugs = {s for *_, courses in CURATED for s in courses}
    ids = dict(Course.objects.filter(slug__in=slugs, status=CourseStatus.PUBLISHED).values_list("slug", "pk"))
    created = 0
    for slug, title, description, courses in CURATED:
        course_ids = [ids[s] for s in courses if s in ids]
        if operator is None or not course_ids or CuratedPath.objects.filter(slug=slug).exists():
            continue
        curated_path_save(actor=operator, slug=slug, title=title, description=description, course_ids=course_ids)
        created += 1
    learner = User.objects.filter(email=DEMO_LEARNER).first()
    started = 0
    if learner is not None and not LearningPath.objects.filter(user=learner).exists():
        try:
            path_start(user=learner, goal=DEMO_GOAL, now=ctx.now - timedelta(days=9))
            started = 1
        except ApplicationError as exc:  # the demo carries on without the path (e.g. courses missing)
            ctx.stdout.write(f"learning paths: demo path not started ({exc})")
    ctx.stdout.write(f"learning paths: {created} curated paths created, {started} learner path started")
