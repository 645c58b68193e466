"""Every write to courses data goes through these functions, one module per area:

catalog (search index, counters), authoring (courses, instructors), outline (modules,
lessons, media), quizzes, review (quality review workflow and changelog)."""

from ._common import MAX_BODY, MAX_CHOICES, MAX_DESCRIPTION, MAX_TAGS, SLUG_RE, UNSET
from .authoring import (
    course_create,
    course_instructor_add,
    course_instructor_remove,
    course_slug_generate,
    course_update,
)
from .catalog import (
    catalog_search_record,
    course_enrollment_count_increment,
    course_search_index_update,
    course_search_reindex_all,
)
from .outline import (
    LessonData,
    lesson_create,
    lesson_delete,
    lesson_move,
    lesson_reorder,
    lesson_set_withdrawn,
    lesson_update,
    module_create,
    module_delete,
    module_move,
    module_reorder,
    module_update,
)
from .quizzes import QuestionData, question_create, question_delete, question_move, question_update, quiz_update
from .review import (
    course_archive,
    course_change_record,
    course_submit,
    course_unarchive,
    review_approve,
    review_send_back,
)

__all__ = [
    "MAX_BODY",
    "MAX_CHOICES",
    "MAX_DESCRIPTION",
    "MAX_TAGS",
    "SLUG_RE",
    "UNSET",
    "LessonData",
    "QuestionData",
    "catalog_search_record",
    "course_archive",
    "course_change_record",
    "course_create",
    "course_enrollment_count_increment",
    "course_instructor_add",
    "course_instructor_remove",
    "course_search_index_update",
    "course_search_reindex_all",
    "course_slug_generate",
    "course_submit",
    "course_unarchive",
    "course_update",
    "lesson_create",
    "lesson_delete",
    "lesson_move",
    "lesson_reorder",
    "lesson_set_withdrawn",
    "lesson_update",
    "module_create",
    "module_delete",
    "module_move",
    "module_reorder",
    "module_update",
    "question_create",
    "question_delete",
    "question_move",
    "question_update",
    "quiz_update",
    "review_approve",
    "review_send_back",
]
