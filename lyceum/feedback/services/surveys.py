"""Writes for surveys (问卷): operators build, publish and close questionnaires; targeted
learners answer them once.

Life cycle: draft (questions editable) → ``survey_publish`` → scheduled (open between
``opens_at`` and ``closes_at``) → ``survey_close`` → closed. Answer errors name the
question as ``answers.<question id>``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.accounts.models import Role
from lyceum.core import events
from lyceum.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lyceum.courses.models import Course

from ..models import QuestionKind, Survey, SurveyAnswer, SurveyAudience, SurveyQuestion, SurveyResponse, SurveyStatus
from ..selectors import surveys as selectors

MIN_OPTIONS = 2
MAX_OPTIONS = 20
MAX_OPTION_LENGTH = 200
MAX_QUESTION_LENGTH = 300
MAX_TEXT_ANSWER = 4000
MAX_QUESTIONS = 50
SCALE_RANGE = (1, 5)
NPS_RANGE = (0, 10)


class AnswersInvalid(ValidationFailed):
    """Every bad answer of one submission; the exception itself carries the first."""

    def __init__(self, errors: list[ValidationFailed]) -> None:
        first = errors[0]
        super().__init__(first.message, code=first.code, field=first.field)
        self.errors = errors


def _require_operator(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.has_role(Role.OPERATOR)):
        raise PermissionDenied(_("Only operators manage surveys."))


def _require_draft(survey: Survey) -> None:
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict(_("Questions can only be changed while the survey is a draft."), code="not_draft")


# --- surveys ----------------------------------------------------------------------------------


def _clean_details(
    *,
    title: str,
    intro: str,
    audience: str,
    course: Course | None,
    opens_at: datetime | None,
    closes_at: datetime | None,
) -> dict[str, Any]:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("Give the survey a title."), field="title")
    if len(title) > 160:
        raise ValidationFailed(_("The title is too long (160 characters at most)."), field="title")
    intro = (intro or "").strip()
    if len(intro) > 2000:
        raise ValidationFailed(_("The introduction is too long (2000 characters at most)."), field="intro")
    if audience not in SurveyAudience.values:
        raise ValidationFailed(_("Choose who is asked."), field="audience")
    if audience == SurveyAudience.ALL:
        course = None
    elif course is None:
        raise ValidationFailed(_("Choose the course this audience is about."), field="course")
    opens_at = opens_at or timezone.now()
    if closes_at is not None and closes_at <= opens_at:
        raise ValidationFailed(_("The survey must close after it opens."), field="closes_at")
    return {
        "title": title,
        "intro": intro,
        "audience": audience,
        "course": course,
        "opens_at": opens_at,
        "closes_at": closes_at,
    }


@transaction.atomic
def survey_create(
    *,
    actor: Any,
    title: str,
    intro: str = "",
    audience: str = SurveyAudience.ALL,
    course: Course | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Survey:
    _require_operator(actor)
    fields = _clean_details(
        title=title, intro=intro, audience=audience, course=course, opens_at=opens_at, closes_at=closes_at
    )
    survey = Survey.objects.create(created_by=actor, status=SurveyStatus.DRAFT, **fields)
    events.emit("questionnaire.created", actor=actor, obj=survey, audience=survey.audience)
    return survey


@transaction.atomic
def survey_update(
    *,
    actor: Any,
    survey: Survey,
    title: str,
    intro: str = "",
    audience: str = SurveyAudience.ALL,
    course: Course | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Survey:
    """Details may change until the survey is closed; who is asked only until someone answered."""
    _require_operator(actor)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status == SurveyStatus.CLOSED:
        raise Conflict(_("A closed survey can no longer be changed."), code="survey_closed")
    fields = _clean_details(
        title=title, intro=intro, audience=audience, course=course, opens_at=opens_at, closes_at=closes_at
    )
    if survey.response_count and (
        fields["audience"] != survey.audience or (fields["course"].pk if fields["course"] else None) != survey.course_id
    ):
        raise ValidationFailed(_("Who is asked cannot change once people have answered."), field="audience")
    for name, value in fields.items():
        setattr(survey, name, value)
    survey.save(update_fields=[*fields, "updated_at"])
    events.emit("questionnaire.updated", actor=actor, obj=survey, part="details", action="edited")
    return survey


@transaction.atomic
def survey_publish(*, actor: Any, survey: Survey) -> Survey:
    _require_operator(actor)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict(_("Only a draft can be published."), code="not_draft")
    if not survey.questions.exists():
        raise ValidationFailed(_("Add at least one question before publishing."), field="questions")
    if survey.closes_at is not None and survey.closes_at <= timezone.now():
        raise ValidationFailed(_("The closing time has already passed."), field="closes_at")
    survey.status = SurveyStatus.SCHEDULED
    survey.save(update_fields=["status", "updated_at"])
    events.emit("questionnaire.published", actor=actor, obj=survey, audience=survey.audience)
    return survey


@transaction.atomic
def survey_close(*, actor: Any, survey: Survey) -> Survey:
    _require_operator(actor)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != SurveyStatus.SCHEDULED:
        raise Conflict(_("Only a published survey can be closed."), code="not_published")
    now = timezone.now()
    survey.status = SurveyStatus.CLOSED
    if survey.closes_at is None or survey.closes_at > now:
        survey.closes_at = max(now, survey.opens_at)
    survey.save(update_fields=["status", "closes_at", "updated_at"])
    events.emit("questionnaire.closed", actor=actor, obj=survey, responses=survey.response_count)
    return survey


# --- questions --------------------------------------------------------------------------------


def _clean_question(*, kind: str, text: str, options: list[str] | None) -> tuple[str, list[str]]:
    if kind not in QuestionKind.values:
        raise ValidationFailed(_("Choose a question type."), field="kind")
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Write the question."), field="text")
    if len(text) > MAX_QUESTION_LENGTH:
        raise ValidationFailed(_("The question is too long (300 characters at most)."), field="text")
    if kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return text, []
    cleaned = [str(o).strip() for o in (options or []) if str(o).strip()]
    if not MIN_OPTIONS <= len(cleaned) <= MAX_OPTIONS:
        raise ValidationFailed(_("A choice question needs between 2 and 20 options."), field="options")
    if any(len(o) > MAX_OPTION_LENGTH for o in cleaned):
        raise ValidationFailed(_("An option is too long (200 characters at most)."), field="options")
    if len(set(cleaned)) != len(cleaned):
        raise ValidationFailed(_("Options must differ from each other."), field="options")
    return text, cleaned


@transaction.atomic
def survey_question_add(
    *, actor: Any, survey: Survey, kind: str, text: str, options: list[str] | None = None, required: bool = True
) -> SurveyQuestion:
    _require_operator(actor)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _require_draft(survey)
    text, options = _clean_question(kind=kind, text=text, options=options)
    if survey.questions.count() >= MAX_QUESTIONS:
        raise ValidationFailed(_("A survey has 50 questions at most."), field="text")
    last = survey.questions.aggregate(m=Max("position"))["m"]
    question = SurveyQuestion.objects.create(
        survey=survey,
        position=0 if last is None else last + 1,
        kind=kind,
        text=text,
        options=options,
        required=required,
    )
    events.emit("questionnaire.updated", actor=actor, obj=survey, part="question", action="added")
    return question


@transaction.atomic
def survey_question_update(
    *,
    actor: Any,
    question: SurveyQuestion,
    kind: str,
    text: str,
    options: list[str] | None = None,
    required: bool = True,
) -> SurveyQuestion:
    _require_operator(actor)
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    _require_draft(survey)
    text, options = _clean_question(kind=kind, text=text, options=options)
    question.kind, question.text, question.options, question.required = kind, text, options, required
    question.save(update_fields=["kind", "text", "options", "required"])
    events.emit("questionnaire.updated", actor=actor, obj=survey, part="question", action="edited")
    return question


@transaction.atomic
def survey_question_remove(*, actor: Any, question: SurveyQuestion) -> None:
    _require_operator(actor)
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    _require_draft(survey)
    question.delete()
    _renumber(survey, [q.pk for q in survey.questions.order_by("position", "pk")])
    events.emit("questionnaire.updated", actor=actor, obj=survey, part="question", action="removed")


def _renumber(survey: Survey, ordered_ids: list[int]) -> None:
    questions = {q.pk: q for q in survey.questions.all()}
    changed = []
    for position, pk in enumerate(ordered_ids):
        q = questions[pk]
        if q.position != position:
            q.position = position
            changed.append(q)
    SurveyQuestion.objects.bulk_update(changed, ["position"])


@transaction.atomic
def survey_questions_reorder(*, actor: Any, survey: Survey, order: list[int]) -> None:
    """``order``: every question id of the survey, in the new order."""
    _require_operator(actor)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _require_draft(survey)
    current = set(survey.questions.values_list("pk", flat=True))
    if len(order) != len(current) or set(order) != current:
        raise ValidationFailed(_("The new order must list every question once."), field="order")
    _renumber(survey, list(order))
    events.emit("questionnaire.updated", actor=actor, obj=survey, part="question", action="reordered")


@transaction.atomic
def survey_question_move(*, actor: Any, question: SurveyQuestion, direction: str) -> None:
    """Move one question up or down by one place (the ↑/↓ buttons of the builder)."""
    if direction not in ("up", "down"):
        raise ValidationFailed(_("Move a question up or down."), field="direction")
    ids = list(
        SurveyQuestion.objects.filter(survey_id=question.survey_id)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    i = ids.index(question.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    survey_questions_reorder(actor=actor, survey=question.survey, order=ids)


# --- answering --------------------------------------------------------------------------------

_INT = re.compile(r"^-?\d{1,6}$")


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT.match(value.strip()):
        return int(value.strip())
    return None


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, list) and not value)


def _clean_answer(question: SurveyQuestion, value: Any) -> dict[str, Any]:
    """The SurveyAnswer fields for one value, or ValidationFailed (field set by the caller)."""
    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        raw = value if isinstance(value, list) else [value]
        indexes = [_as_int(v) for v in raw]
        if any(i is None for i in indexes):
            raise ValidationFailed(_("Pick from the options."), code="wrong_type")
        if any(not 0 <= i < len(question.options) for i in indexes):  # type: ignore[operator]
            raise ValidationFailed(_("That option does not exist."), code="out_of_range")
        if kind == QuestionKind.SINGLE and len(indexes) != 1:
            raise ValidationFailed(_("Pick exactly one option."), code="one_choice")
        if len(set(indexes)) != len(indexes):
            raise ValidationFailed(_("Pick each option at most once."), code="duplicate_choice")
        return {"choices": sorted(indexes)}  # type: ignore[type-var]
    if kind in (QuestionKind.SCALE, QuestionKind.NPS):
        low, high = SCALE_RANGE if kind == QuestionKind.SCALE else NPS_RANGE
        number = _as_int(value)
        if number is None:
            raise ValidationFailed(_("Answer with a whole number."), code="wrong_type")
        if not low <= number <= high:
            raise ValidationFailed(
                _("Answer with a number from %(low)s to %(high)s.") % {"low": low, "high": high}, code="out_of_range"
            )
        return {"number": number}
    if not isinstance(value, str):
        raise ValidationFailed(_("Answer with text."), code="wrong_type")
    text = value.strip()
    if len(text) > MAX_TEXT_ANSWER:
        raise ValidationFailed(_("The answer is too long (4000 characters at most)."), code="too_long")
    return {"text": text}


def survey_answers_clean(
    *, questions: list[SurveyQuestion], answers: dict[Any, Any]
) -> list[tuple[SurveyQuestion, dict[str, Any]]]:
    """Validate a whole submission; raises AnswersInvalid listing every bad answer."""
    by_id = {q.pk: q for q in questions}
    errors: list[ValidationFailed] = []
    values: dict[int, Any] = {}
    for key, value in (answers or {}).items():
        qid = _as_int(key)
        if qid is None or qid not in by_id:
            errors.append(
                ValidationFailed(
                    _("This survey has no such question."), code="unknown_question", field=f"answers.{key}"
                )
            )
        else:
            values[qid] = value
    cleaned = []
    for q in questions:
        value = values.get(q.pk)
        if _is_blank(value):
            if q.required:
                errors.append(
                    ValidationFailed(_("This question needs an answer."), code="required", field=f"answers.{q.pk}")
                )
            continue
        try:
            cleaned.append((q, _clean_answer(q, value)))
        except ValidationFailed as exc:
            exc.field = f"answers.{q.pk}"
            errors.append(exc)
    if errors:
        raise AnswersInvalid(errors)
    return cleaned


def survey_answer(
    *, actor: Any, survey: Survey, answers: dict[Any, Any], now: datetime | None = None, at: datetime | None = None
) -> SurveyResponse:
    """Store one learner's answers: targeted learners only (else NotFound), while open (else
    Conflict ``survey_not_open``), once (else Conflict ``already_answered``), every answer valid
    (else AnswersInvalid naming ``answers.<question id>``). Atomic. ``at`` backdates the
    response and its event (demo, imports); who is asked and openness are checked at ``now``."""
    now = now or timezone.now()
    if survey.status == SurveyStatus.DRAFT or not selectors.survey_targets_user(survey=survey, user=actor, now=now):
        raise NotFound(_("No such survey."))
    if not selectors.survey_is_open(survey, now):
        raise Conflict(_("This survey is not open."), code="survey_not_open")
    if SurveyResponse.objects.filter(survey=survey, user=actor).exists():
        raise Conflict(_("You have already answered this survey."), code="already_answered")
    cleaned = survey_answers_clean(questions=selectors.survey_questions(survey=survey), answers=answers)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(survey=survey, user=actor, submitted_at=at or now)
            SurveyAnswer.objects.bulk_create(
                [SurveyAnswer(response=response, question=q, **fields) for q, fields in cleaned]
            )
            Survey.objects.filter(pk=survey.pk).update(response_count=F("response_count") + 1)
            events.emit("questionnaire.answered", actor=actor, obj=survey, at=at or now, survey=survey.pk)
    except IntegrityError as exc:  # a second submit raced the first past the check above
        raise Conflict(_("You have already answered this survey."), code="already_answered") from exc
    return response
