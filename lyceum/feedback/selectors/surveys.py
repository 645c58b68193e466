"""Reads for surveys (问卷): who is asked, what is open for whom, results, CSV rows.

Audiences (``SurveyAudience``), decided at the moment of asking:

- **all** — every active account holding the learner role.
- **course** — learners with an *active* enrollment in the course (not revoked, access
  not expired), the same rule as lesson access.
- **completed** — learners whose enrollment in the course has ``completed_at`` set (also
  when the access has since ended; revoked enrollments still count: they finished).
- **dropped** — learners who started the course and walked away: enrollment not revoked,
  not completed, progress below 100 %, and no learning activity for ``DROPPED_AFTER_DAYS``
  (30) days (``last_activity_at``, or the enrollment date when they never opened a lesson).
  Revoked enrollments (refunds, ended memberships) are *excluded*: the platform took the
  access away, the learner did not necessarily leave, and asking "why did you stop?" would
  be the wrong question.

Everyone asked must be an active, not erased account. Each targeting read is one query.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.accounts.models import Role, User
from lyceum.core.csvexport import csv_safe
from lyceum.core.errors import NotFound
from lyceum.learning.models import Enrollment

from ..models import QuestionKind, Survey, SurveyAnswer, SurveyAudience, SurveyQuestion, SurveyResponse, SurveyStatus

DROPPED_AFTER_DAYS = 30
TEXT_PREVIEW = 5  # free-text answers shown per question on the results page
TEXT_PAGE_SIZE = 50

# --- targeting --------------------------------------------------------------------------------


def _learner_role_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}groups__name": Role.LEARNER})


def _enrollment_audience_q(audience: str, now: datetime) -> Q:
    """Conditions on an Enrollment row for a course audience."""
    if audience == SurveyAudience.COURSE:
        return Q(revoked_at__isnull=True) & (Q(access_until__isnull=True) | Q(access_until__gt=now))
    if audience == SurveyAudience.COMPLETED:
        return Q(completed_at__isnull=False)
    if audience == SurveyAudience.DROPPED:
        return Q(revoked_at__isnull=True, completed_at__isnull=True, progress_percent__lt=100)
    raise ValueError(audience)


def _enrollments_for(audience: str, now: datetime) -> QuerySet[Enrollment]:
    qs = Enrollment.objects.filter(_enrollment_audience_q(audience, now))
    if audience == SurveyAudience.DROPPED:
        qs = qs.alias(idle_since=Coalesce("last_activity_at", "created_at")).filter(
            idle_since__lt=now - timedelta(days=DROPPED_AFTER_DAYS)
        )
    return qs


def survey_audience_users(*, survey: Survey, now: datetime | None = None) -> QuerySet[User]:
    """Everyone the survey asks (a lazy queryset: one query when evaluated)."""
    now = now or timezone.now()
    users = User.objects.filter(is_active=True, erased_at__isnull=True)
    if survey.audience == SurveyAudience.ALL:
        return users.filter(pk__in=User.objects.filter(_learner_role_q()).values("pk"))
    if survey.course_id is None:
        return users.none()
    enrolled = _enrollments_for(survey.audience, now).filter(course_id=survey.course_id)
    return users.filter(pk__in=enrolled.values("user_id"))


def survey_audience_user_ids(*, survey: Survey, now: datetime | None = None) -> set[int]:
    return set(survey_audience_users(survey=survey, now=now).values_list("pk", flat=True))


def _open_q(now: datetime) -> Q:
    return Q(status=SurveyStatus.SCHEDULED, opens_at__lte=now) & (Q(closes_at__isnull=True) | Q(closes_at__gt=now))


def _surveys_targeting(user: Any, now: datetime, *, or_answered: bool = False) -> QuerySet[Survey]:
    """Surveys whose audience holds ``user`` now (``or_answered``: or which they answered)."""
    is_learner = Exists(User.groups.through.objects.filter(user_id=user.pk, group__name=Role.LEARNER))
    q = Q(audience=SurveyAudience.ALL, is_learner_=True)
    for audience in (SurveyAudience.COURSE, SurveyAudience.COMPLETED, SurveyAudience.DROPPED):
        enrolled = _enrollments_for(audience, now).filter(user_id=user.pk, course_id=OuterRef("course_id"))
        q |= Q(Q(audience=audience), Exists(enrolled))
    if or_answered:
        q |= Q(Exists(SurveyResponse.objects.filter(survey=OuterRef("pk"), user_id=user.pk)))
    return Survey.objects.alias(is_learner_=is_learner).filter(q)


def surveys_open_for(*, user: Any, now: datetime | None = None, unanswered_only: bool = False) -> list[Survey]:
    """Open surveys that ask ``user``, each with ``answered`` (bool). One query; none for visitors."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    now = now or timezone.now()
    answered = Exists(SurveyResponse.objects.filter(survey=OuterRef("pk"), user_id=user.pk))
    qs = _surveys_targeting(user, now).filter(_open_q(now)).annotate(answered=answered)
    if unanswered_only:
        qs = qs.filter(answered=False)
    return list(qs.select_related("course").order_by(Coalesce("closes_at", "opens_at").asc(), "pk"))


def survey_targets_user(*, survey: Survey, user: Any, now: datetime | None = None) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.erased_at is not None:
        return False
    now = now or timezone.now()
    return _surveys_targeting(user, now).filter(pk=survey.pk).exists()


def survey_is_open(survey: Survey, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        survey.status == SurveyStatus.SCHEDULED
        and survey.opens_at <= now
        and (survey.closes_at is None or survey.closes_at > now)
    )


def survey_phase(survey: Survey, now: datetime | None = None) -> str:
    """draft, upcoming, open, ended (past closes_at) or closed (closed by hand)."""
    now = now or timezone.now()
    if survey.status == SurveyStatus.DRAFT:
        return "draft"
    if survey.status == SurveyStatus.CLOSED:
        return "closed"
    if survey.opens_at > now:
        return "upcoming"
    if survey.closes_at is not None and survey.closes_at <= now:
        return "ended"
    return "open"


# --- fetchers ---------------------------------------------------------------------------------


def survey_get_for_operator(*, survey_id: int) -> Survey:
    survey = Survey.objects.select_related("course").filter(pk=survey_id).first()
    if survey is None:
        raise NotFound(_("No such survey."))
    return survey


def survey_list_for_operator() -> QuerySet[Survey]:
    return (
        Survey.objects.select_related("course")
        .annotate(question_count=Count("questions"))
        .order_by("-created_at", "-pk")
    )


def survey_get_for_learner(*, user: Any, survey_id: int) -> Survey:
    """A published survey that asks ``user`` (open or not), with ``answered``; else NotFound."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("No such survey."))
    now = timezone.now()
    answered = Exists(SurveyResponse.objects.filter(survey=OuterRef("pk"), user_id=user.pk))
    survey = (
        _surveys_targeting(user, now, or_answered=True)
        .exclude(status=SurveyStatus.DRAFT)
        .filter(pk=survey_id)
        .annotate(answered=answered)
        .select_related("course")
        .first()
    )
    if survey is None:
        raise NotFound(_("No such survey."))
    return survey


def survey_questions(*, survey: Survey) -> list[SurveyQuestion]:
    return list(survey.questions.order_by("position", "pk"))


# --- results ----------------------------------------------------------------------------------


@dataclass
class Bucket:
    label: str
    count: int
    percent: float


@dataclass
class Nps:
    promoters: int
    passives: int
    detractors: int
    total: int
    score: float | None  # −100..100, None without answers

    @property
    def gauge(self) -> dict[str, float]:
        """Segment widths and offsets on a 200-unit SVG bar: detractors, passives, promoters."""
        if not self.total:
            return {"d": 0.0, "s": 0.0, "p": 0.0, "s_x": 0.0, "p_x": 0.0}
        d = round(200 * self.detractors / self.total, 2)
        s = round(200 * self.passives / self.total, 2)
        p = round(200 - d - s, 2)
        return {"d": d, "s": s, "p": p, "s_x": d, "p_x": round(d + s, 2)}


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int = 0
    buckets: list[Bucket] = field(default_factory=list)
    mean: float | None = None
    nps: Nps | None = None
    texts: list[SurveyAnswer] = field(default_factory=list)


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def nps_from_counts(counts: dict[int, int]) -> Nps:
    """NPS = % promoters (9–10) − % detractors (0–6) of those who answered (METRICS.md)."""
    promoters = sum(n for v, n in counts.items() if v >= 9)
    passives = sum(n for v, n in counts.items() if 7 <= v <= 8)
    detractors = sum(n for v, n in counts.items() if v <= 6)
    total = promoters + passives + detractors
    score = round(100 * (promoters - detractors) / total, 1) if total else None
    return Nps(promoters, passives, detractors, total, score)


def survey_results(*, survey: Survey) -> list[QuestionResult]:
    """Per question: distributions with percentages, scale mean, NPS, the latest free-text
    answers. Four queries whatever the number of questions and responses."""
    questions = survey_questions(survey=survey)
    results = {q.pk: QuestionResult(question=q) for q in questions}
    numbers: dict[int, dict[int, int]] = {q.pk: {} for q in questions}
    for question_id, number, n in (
        SurveyAnswer.objects.filter(question__survey=survey)
        .values("question_id", "number")
        .annotate(n=Count("pk"))
        .values_list("question_id", "number", "n")
    ):
        results[question_id].answered += n
        if number is not None:
            numbers[question_id][number] = n
    picked: dict[int, dict[int, int]] = {q.pk: {} for q in questions}
    choice_ids = [q.pk for q in questions if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)]
    if choice_ids:
        for question_id, choices in SurveyAnswer.objects.filter(question_id__in=choice_ids).values_list(
            "question_id", "choices"
        ):
            for index in set(choices or []):
                picked[question_id][index] = picked[question_id].get(index, 0) + 1
    text_ids = [q.pk for q in questions if q.kind == QuestionKind.TEXT]
    if text_ids:
        latest = (
            SurveyAnswer.objects.filter(question_id__in=text_ids)
            .exclude(text="")
            .annotate(rank=Window(RowNumber(), partition_by=[F("question_id")], order_by=[F("pk").desc()]))
            .filter(rank__lte=TEXT_PREVIEW)
            .order_by("question_id", "-pk")
        )
        for answer in latest:
            results[answer.question_id].texts.append(answer)
    for q in questions:
        r = results[q.pk]
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            r.buckets = [
                Bucket(label, picked[q.pk].get(i, 0), _percent(picked[q.pk].get(i, 0), r.answered))
                for i, label in enumerate(q.options)
            ]
        elif q.kind in (QuestionKind.SCALE, QuestionKind.NPS):
            low, high = (1, 5) if q.kind == QuestionKind.SCALE else (0, 10)
            counts = numbers[q.pk]
            r.buckets = [
                Bucket(str(v), counts.get(v, 0), _percent(counts.get(v, 0), r.answered)) for v in range(low, high + 1)
            ]
            total = sum(counts.values())
            r.mean = round(sum(v * n for v, n in counts.items()) / total, 2) if total else None
            if q.kind == QuestionKind.NPS:
                r.nps = nps_from_counts(counts)
    return [results[q.pk] for q in questions]


def survey_text_answers(*, question: SurveyQuestion) -> QuerySet[SurveyAnswer]:
    """Free-text answers to one question, newest first (paginate in the view)."""
    return SurveyAnswer.objects.filter(question=question).exclude(text="").order_by("-pk")


# --- CSV export -------------------------------------------------------------------------------


def respondent_pseudonym(user_id: int) -> str:
    """A stable pseudonymous id: HMAC-SHA256 of the user id under the site secret, 16 hex.

    Stable across exports and surveys (answers can be joined with other pseudonymised
    exports) but it cannot be turned back into a person without the secret key."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"respondent:{user_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def _cell(question: SurveyQuestion, answer: SurveyAnswer | None) -> Any:
    if answer is None:
        return ""
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        labels = [question.options[i] for i in answer.choices if 0 <= i < len(question.options)]
        return "; ".join(labels)
    if question.kind in (QuestionKind.SCALE, QuestionKind.NPS):
        return answer.number if answer.number is not None else ""
    return answer.text


def survey_csv_rows(*, survey: Survey) -> tuple[list[str], Any]:
    """Header and a lazy iterator of rows: one row per response, one column per question.

    No names or e-mails: the respondent column is ``respondent_pseudonym``. Cells are
    formula-safe. Three queries (questions, then responses and their answers in chunks)."""
    questions = survey_questions(survey=survey)
    header = ["respondent", "submitted_at"] + [f"Q{i}. {q.text}" for i, q in enumerate(questions, 1)]
    header = [csv_safe(h) for h in header]

    def rows() -> Any:
        responses = (
            SurveyResponse.objects.filter(survey=survey).order_by("submitted_at", "pk").prefetch_related("answers")
        )
        for response in responses.iterator(chunk_size=500):
            by_question = {a.question_id: a for a in response.answers.all()}
            yield [
                respondent_pseudonym(response.user_id),
                timezone.localtime(response.submitted_at).isoformat(timespec="seconds"),
                *(csv_safe(_cell(q, by_question.get(q.pk))) for q in questions),
            ]

    return header, rows()
