"""A space for every course already published before the community existed.

New publications get theirs from the ``course.published`` handler
(``services.spaces.space_for_course``); this fills the gap on existing installs.
"""

from django.db import migrations
from django.utils.text import slugify


def create_course_spaces(apps, schema_editor):
    Course = apps.get_model("courses", "Course")
    Space = apps.get_model("community", "Space")
    taken = set(Space.objects.values_list("slug", flat=True))
    have = set(Space.objects.filter(course__isnull=False).values_list("course_id", flat=True))
    for course in Course.objects.filter(status="published").exclude(pk__in=have).order_by("pk"):
        base = (slugify(f"course-{course.slug}") or "course")[:70].strip("-")
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        Space.objects.create(
            slug=slug, name=course.title[:120], description=(course.subtitle or "")[:2000], kind="course",
            course=course, position=100,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0002_search"),
        ("courses", "0002_search"),
    ]

    operations = [
        migrations.RunPython(create_course_spaces, migrations.RunPython.noop),
    ]
