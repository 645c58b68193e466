"""Day-by-day learner behaviour for the demo data, with real signal for a churn model.

Why a simulator: the churn-risk model learns from what learners did in the weeks before
a snapshot day (active days and their trend, study minutes, lesson pace, quiz scores...).
If demo learners did everything in one burst right after enrolling, those features would
carry no information. Here every learner has a *latent motivation* that drifts from day
to day, and everything observable follows from it:

* ``motivation0`` ~ Beta(2.4, 2); the daily value is a mean-reverting random walk on the
  logit scale around it (an Ornstein-Uhlenbeck process), plus a "honeymoon" boost in the
  first days after signing up that fades within a couple of weeks.
* About half the learners (fewer among the motivated ones) are *churners*: they have a
  last day ("life") drawn from a gamma distribution. In the 2-5 weeks before it their
  motivation decays steadily (the decline phase), the last day itself is a final visit,
  and after it nothing happens ever again. A life beyond today means the learner is
  still here, and possibly declining right now ("at risk" today).
* The others keep their rhythm. To keep the model honest, some of them have a temporary
  dip that recovers, and some take a holiday break of 1-3 weeks with no activity at all
  (shorter than the 30 days that would make it churn).
* Each day a learner is active with a probability growing with motivation and with the
  weekly hours they planned in the needs survey. An active day is a sign-in and usually a
  study session whose length grows with motivation. Sessions move through the lessons of
  the enrolled courses in order (each lesson needs some minutes of work), submit quizzes
  whose share of right answers grows with motivation, and, when the enrolled content is
  done, enroll in another course or review earlier lessons and retake quizzes.

The study time the analytics rollup estimates is the sum of gaps (up to 30 minutes)
between a learner's ``lesson.viewed`` / ``video.progressed`` / ``quiz.submitted`` events of
a day, so a session never leaves a longer gap: reading a text lesson records a lesson view
when it is opened and again at least every 27 minutes (the learner comes back to the page),
the next lesson's view closes the gap, and the session's last lesson gets a closing view;
watching a video or audio lesson emits ``video.progressed`` every few minutes, like the
player does at each 10 % step.

:func:`plan_learner` is pure (no database): from an ``random.Random`` and a few facts about
the learner it returns the whole :class:`Plan` (steps with their times, the daily
motivation, the churn day), so it is unit-testable. :func:`write_plan` replays a plan
through the real learning services with backdated ``at=``. Sign-ins and video progress
are written with ``core.events.emit`` (0.15 ms each, cheap enough, and exactly what the
real sign-in and player would store) instead of bulk-created ``Event`` rows.

Speed: the services dominate (``lesson_view_record`` ~2 ms, ``lesson_complete`` ~12 ms as it
builds the course page to check access, ``quiz_attempt_submit`` ~17 ms), and one
transaction per learner keeps SQLite from syncing after every row. That is why a session
records only the views that study time needs, and why lessons take realistic minutes of
work (reading, notes, exercises: 2-3.5 times their nominal length), so 200 learners are
about 17,000 steps and 40 s on a 2-core machine.

With the default 200 learners, about 35-40 % of the learners who joined 90+ days ago have
churned, around 15 are in their decline today, and the churn model reaches a held-out
ROC-AUC around 0.85.

Days are calendar days in the platform time zone (``settings.TIME_ZONE``), like the rollup's,
and no session crosses midnight, so a session's study time lands on one rollup day.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from lyceum.core.events import emit
from lyceum.courses.models import Course, Lesson, LessonKind, QuestionKind

from . import services

# What a plan step does, and what :func:`write_plan` turns it into.
SIGN_IN = "sign_in"  # user.signed_in
ENROLL = "enroll"  # services.enrollment_create
VIEW = "view"  # services.lesson_view_record -> lesson.viewed
PROGRESS = "progress"  # video.progressed (video and audio lessons)
COMPLETE = "complete"  # services.lesson_complete (not for quizzes: passing completes them)
QUIZ = "quiz"  # services.quiz_attempt_submit
ACTIVITY_KINDS = frozenset({SIGN_IN, VIEW, PROGRESS, QUIZ})  # kinds that make a day "active"

# Model constants. Kept together so the shape of the demo can be tuned in one place.
REVERSION = 0.08  # per day pull of the logit motivation back to its baseline
VOLATILITY = 0.25  # per day noise of the logit motivation
HONEYMOON = 1.0  # extra logit motivation on the sign-up day...
HONEYMOON_DAYS = 7.0  # ...fading with this time constant
LIFE_SHAPE, LIFE_SCALE, LIFE_MIN = 1.6, 28.0, 6  # churners' life in days: LIFE_MIN + Gamma
DECLINE_DAYS = (14, 35)  # length of the decline phase before a churner's last day
DECLINE_DEPTH = (2.2, 3.6)  # logits lost by the end of the decline
MAX_SESSION_MINUTES = 150
MIN_GAP_MINUTES = 0.5


@dataclass(frozen=True)
class QuestionSpec:
    key: int  # the question's pk
    points: int
    answerable: bool  # False when no right answer can be built (regex short answers)


@dataclass(frozen=True)
class LessonSpec:
    key: int  # the lesson's pk
    minutes: float  # nominal study minutes (reading or watching time, or quiz time)
    is_media: bool = False  # video or audio: progress events instead of repeated views
    questions: tuple[QuestionSpec, ...] | None = None  # a quiz lesson's questions
    pass_percent: int = 60
    max_attempts: int = 0  # 0 = unlimited

    @property
    def is_quiz(self) -> bool:
        return self.questions is not None


@dataclass(frozen=True)
class CourseSpec:
    key: int  # the course's pk
    lessons: tuple[LessonSpec, ...]  # the lessons a learner can reach now, in order (drip lessons cut)


@dataclass(frozen=True)
class Step:
    at: datetime
    kind: str
    course: int | None = None
    lesson: int | None = None
    percent: int = 0  # PROGRESS: how far into the video
    correct: tuple[bool, ...] = ()  # QUIZ: one flag per question of the lesson's spec


@dataclass(frozen=True)
class Traits:
    motivation0: float
    hours_factor: float  # from the weekly hours planned in the needs survey
    effort: float  # minutes of work per nominal lesson minute
    ability: float  # share of right quiz answers at average motivation
    start_hour: float  # local hour the learner usually starts studying
    weekend: float  # activity factor on Saturdays and Sundays
    life: int | None  # churners: day index of the last activity (may lie beyond today)
    decline_days: int  # churners: length of the decline before ``life``
    decline_depth: float  # churners: logit motivation lost by the end of the decline
    dip: tuple[int, int, float] | None  # retained: a temporary dip (start day, length, depth)
    holiday: tuple[int, int] | None  # retained: days [start, end) with no activity at all


@dataclass
class Plan:
    traits: Traits
    tz: tzinfo  # days are calendar days here
    first_day: date  # the sign-up day (day index 0)
    days: int  # day indexes 0..days-1 were simulated (the last one is today)
    motivation: list[float]  # per simulated day
    steps: list[Step] = field(default_factory=list)

    @property
    def churn_day(self) -> date | None:
        """The churner's last active day, when it lies in the simulated past."""
        life = self.traits.life
        return self.first_day + timedelta(days=life) if life is not None and life < self.days else None

    @property
    def active_days(self) -> list[date]:
        return sorted({s.at.astimezone(self.tz).date() for s in self.steps if s.kind in ACTIVITY_KINDS})


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def draw_traits(rng: random.Random, *, weekly_hours: int | None, has_courses: bool, regular: bool = False) -> Traits:
    """Draw a learner's fixed traits. Low initial motivation makes churn likelier.

    ``regular`` learners are motivated and never churn (the demo's own sign-in persona, so
    its pages show a learner in the middle of their courses); they draw the same values.
    """
    m0 = rng.betavariate(2.4, 2.0)
    if regular:
        m0 = 0.6 + 0.3 * m0
    elif not has_courses:
        m0 *= 0.7  # found nothing to study: browsing only
    hours = 4 if weekly_hours is None else weekly_hours
    hours_factor = min(max(hours / 5, 0.4), 2.0) ** 0.5
    churner = rng.random() < min(max(0.95 - 0.85 * m0, 0.1), 0.9) and not regular
    life = LIFE_MIN + int(rng.gammavariate(LIFE_SHAPE, LIFE_SCALE))
    decline = rng.randint(*DECLINE_DAYS)
    depth = rng.uniform(*DECLINE_DEPTH)
    dip_start, dip_len, dip_depth = rng.randint(10, 150), rng.randint(7, 21), rng.uniform(0.8, 1.8)
    holiday_start, holiday_len = rng.randint(14, 170), rng.randint(7, 20)
    has_dip, has_holiday = rng.random() < 0.3, rng.random() < 0.3
    return Traits(
        motivation0=m0,
        hours_factor=hours_factor,
        effort=rng.uniform(2.0, 3.5),
        ability=min(max(rng.gauss(0.72, 0.1), 0.35), 0.95),
        start_hour=rng.choice([7.5, 12.5, 19.5, 20.5, 21.0]) + rng.uniform(-1, 1),
        weekend=rng.uniform(0.6, 1.4),
        life=life if churner else None,
        decline_days=min(decline, max(life - 2, 1)),
        decline_depth=depth,
        dip=(dip_start, dip_len, dip_depth) if has_dip and not churner else None,
        holiday=(holiday_start, holiday_start + holiday_len) if has_holiday and not churner else None,
    )


def motivation_path(rng: random.Random, traits: Traits, days: int) -> list[float]:
    """Daily motivation in (0, 1) for day indexes 0..days-1."""
    base = _logit(traits.motivation0)
    x = base
    path = []
    for d in range(days):
        shaped = x + HONEYMOON * math.exp(-d / HONEYMOON_DAYS)
        if traits.life is not None:
            start = traits.life - traits.decline_days
            if d >= start:
                ramp = min((d - start) / traits.decline_days, 1.0) ** 0.7  # steep at first
                shaped -= traits.decline_depth * ramp
        if traits.dip is not None:
            dip_start, dip_len, depth = traits.dip
            if dip_start <= d < dip_start + dip_len:
                # Down and back up: a triangle over the dip.
                half = dip_len / 2
                shaped -= depth * (1 - abs(d - dip_start - half) / half)
        path.append(_sigmoid(shaped))
        x += REVERSION * (base - x) + VOLATILITY * rng.gauss(0, 1)
    return path


def activity_probability(traits: Traits, motivation: float, day: date) -> float:
    """Chance of being active on a day: grows with motivation and with the planned hours."""
    p = 0.04 + 0.8 * motivation**1.3 * traits.hours_factor
    if day.weekday() >= 5:
        p *= traits.weekend
    return min(p, 0.95)


def session_minutes(rng: random.Random, traits: Traits, motivation: float) -> float:
    """Length of a study session: a log-normal whose median grows with motivation."""
    median = 5 + 40 * motivation**1.2 * traits.hours_factor
    return min(median * math.exp(rng.gauss(0, 0.45)), MAX_SESSION_MINUTES)


def quiz_correctness(traits: Traits, motivation: float) -> float:
    """Chance of answering a quiz question right: ability, shifted by current motivation."""
    return min(max(traits.ability + 0.5 * (motivation - 0.55), 0.05), 0.98)


@dataclass
class _CourseState:
    spec: CourseSpec
    index: int = 0  # the next lesson to work on
    done: float = 0.0  # minutes of work already spent on it
    attempts: int = 0  # failed attempts at the current quiz
    finished: list[LessonSpec] = field(default_factory=list)  # lessons passed or completed, for review


class _Session:
    """Appends one study session's steps, keeping the clock and the last study event."""

    def __init__(self, steps: list[Step], at: datetime, end: datetime) -> None:
        self.steps, self.at, self.end = steps, at, end
        self.last_study = at  # time of the last study event
        self.open_lesson: tuple[int, LessonSpec] | None = None  # a text lesson read since then

    def add(self, kind: str, course: int | None = None, lesson: int | None = None, **extra: Any) -> None:
        self.steps.append(Step(at=self.at, kind=kind, course=course, lesson=lesson, **extra))
        if kind in (VIEW, PROGRESS, QUIZ):
            self.last_study, self.open_lesson = self.at, None

    def wait(self, minutes: float) -> None:
        self.at += timedelta(minutes=max(minutes, MIN_GAP_MINUTES))

    @property
    def left(self) -> float:
        return (self.end - self.at).total_seconds() / 60


def _work(
    rng: random.Random, s: _Session, course: int, lesson: LessonSpec, minutes: float, start: float, total: float
) -> None:
    """Spend ``minutes`` on ``lesson``, ``start`` of its ``total`` minutes done, emitting study events.

    Opening the lesson records a view. The rollup counts gaps between study events up to
    30 minutes, so a text lesson read for longer records another view (the learner comes
    back to the page) at least every 27 minutes, and a media lesson emits progress every few
    minutes like the player. The next lesson's view closes the gap; :func:`_close` closes
    the session's last one.
    """
    total = max(total, 0.1)
    s.add(VIEW, course, lesson.key)
    if lesson.is_media:
        spent = 0.0
        while spent < minutes:
            step = min(rng.uniform(3, 6), minutes - spent)
            s.wait(step)
            spent += step
            s.add(PROGRESS, course, lesson.key, percent=min(100, int(100 * (start + spent) / total)))
        return
    pieces = math.ceil(minutes / 27)
    for _ in range(pieces - 1):
        s.wait(minutes / pieces)
        s.add(VIEW, course, lesson.key)
    s.wait(minutes / pieces)
    s.open_lesson = (course, lesson)


def _close(s: _Session) -> None:
    """End the session on a study event, so the rollup counts the time on the last text lesson."""
    if s.open_lesson is not None and s.at - s.last_study > timedelta(minutes=3):
        course, lesson = s.open_lesson
        s.add(VIEW, course, lesson.key)


def _quiz(rng: random.Random, s: _Session, course: int, lesson: LessonSpec, p_right: float) -> bool:
    """Submit the quiz now; return whether the plan expects it to pass."""
    questions = lesson.questions or ()
    correct = tuple(q.answerable and rng.random() < p_right for q in questions)
    s.add(QUIZ, course, lesson.key, correct=correct)
    total = sum(q.points for q in questions)
    score = sum(q.points for q, ok in zip(questions, correct, strict=True) if ok)
    percent = 100 if total == 0 else score * 100 // total
    return percent >= lesson.pass_percent


def _study(
    rng: random.Random,
    s: _Session,
    traits: Traits,
    motivation: float,
    enrolled: list[_CourseState],
    spares: list[CourseSpec],
) -> None:
    """Fill the session: next lessons in enrollment order, then new courses or review."""
    p_right = quiz_correctness(traits, motivation)
    while s.left > 1:
        target = next((c for c in enrolled if c.index < len(c.spec.lessons)), None)
        if target is None:
            if spares and rng.random() < 0.2 + 0.4 * motivation:
                spec = spares.pop(0)
                enrolled.append(_CourseState(spec))
                s.add(ENROLL, spec.key)
                s.wait(rng.uniform(0.5, 2))
                continue
            reviewable = [(c.spec.key, lesson) for c in enrolled for lesson in c.finished]
            if not reviewable:
                return
            quizzes = [(course, lesson) for course, lesson in reviewable if lesson.is_quiz]
            # Quizzes are few (one per course at most), so practice favours them.
            course, lesson = rng.choice(quizzes if quizzes and rng.random() < 0.3 else reviewable)
            if lesson.is_quiz:  # practice: retake a passed quiz
                s.add(VIEW, course, lesson.key)
                s.wait(min(lesson.minutes * traits.effort, s.left))
                _quiz(rng, s, course, lesson, p_right)
            else:
                review = min(rng.uniform(8, 25), s.left)
                _work(rng, s, course, lesson, review, 0, review)
            s.wait(rng.uniform(0.5, 3))
            continue
        lesson = target.spec.lessons[target.index]
        need = lesson.minutes * traits.effort - target.done
        spend = min(need, s.left)
        if lesson.is_quiz:
            s.add(VIEW, target.spec.key, lesson.key)
            s.wait(spend)
            if spend < need:
                target.done += spend
                s.open_lesson = (target.spec.key, lesson)
                return
            target.done = 0
            if _quiz(rng, s, target.spec.key, lesson, p_right):
                target.finished.append(lesson)
                target.index += 1
                target.attempts = 0
            else:
                target.attempts += 1
                if lesson.max_attempts and target.attempts >= lesson.max_attempts:
                    target.index += 1  # out of attempts: move on without passing
                return  # a failed quiz ends the session; the learner retries another day
        else:
            _work(rng, s, target.spec.key, lesson, spend, target.done, lesson.minutes * traits.effort)
            if spend < need:
                target.done += spend
                return
            s.add(COMPLETE, target.spec.key, lesson.key)
            target.finished.append(lesson)
            target.index += 1
            target.done = 0
        s.wait(rng.uniform(0.5, 2))


def _local(day: date, hour: float, tz: tzinfo) -> datetime:
    minutes = int(hour * 60)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)


def plan_learner(
    rng: random.Random,
    *,
    joined: datetime,
    now: datetime,
    tz: tzinfo,
    courses: list[CourseSpec],
    spares: list[CourseSpec] | None = None,
    weekly_hours: int | None = None,
    regular: bool = False,
) -> Plan:
    """The whole behaviour of one learner from ``joined`` to ``now``, without the database.

    ``courses`` are enrolled in order: the first on the sign-up day, the others on the
    first active day at least 0-20 days later. ``spares`` are enrolled one at a time when a
    learner runs out of lessons; ``regular`` learners never churn. Every step is at or
    after ``joined`` and at or before ``now``; a churner has nothing after the plan's
    ``churn_day``.
    """
    traits = draw_traits(rng, weekly_hours=weekly_hours, has_courses=bool(courses), regular=regular)
    enroll_after = [0 if i == 0 else rng.randint(0, 20) for i in range(len(courses))]
    first_day = joined.astimezone(tz).date()
    days = (now.astimezone(tz).date() - first_day).days + 1
    path = motivation_path(rng, traits, days)
    plan = Plan(traits=traits, tz=tz, first_day=first_day, days=days, motivation=path)
    last = days - 1 if traits.life is None else min(days - 1, traits.life)
    pending = list(zip(enroll_after, courses, strict=True))
    enrolled: list[_CourseState] = []
    spare_list = list(spares or ())
    steps: list[Step] = []
    for d in range(last + 1):
        day = first_day + timedelta(days=d)
        m = path[d]
        # The sign-up day and a churner's last day (a final visit) are always active.
        forced = d == 0 or d == traits.life
        holiday = traits.holiday is not None and traits.holiday[0] <= d < traits.holiday[1]
        if not forced and (holiday or rng.random() >= activity_probability(traits, m, day)):
            continue
        minutes = session_minutes(rng, traits, m) if rng.random() < 0.35 + 0.6 * m else 0.0
        midnight = _local(day + timedelta(days=1), 0, tz)
        if d == 0:
            start = joined + timedelta(minutes=rng.uniform(1, 5))
        else:
            latest = 23.5 - minutes / 60
            start = _local(day, min(max(traits.start_hour + rng.gauss(0, 0.75), 6.0), latest), tz)
        start = max(start, joined)
        end = min(start + timedelta(minutes=minutes), midnight - timedelta(minutes=5))
        s = _Session(steps, start, end)
        s.add(SIGN_IN)
        s.wait(rng.uniform(0.5, 3))
        while pending and pending[0][0] <= d:
            enrolled.append(_CourseState(pending.pop(0)[1]))
            s.add(ENROLL, enrolled[-1].spec.key)
            s.wait(rng.uniform(0.5, 2))
        if minutes:
            _study(rng, s, traits, m, enrolled, spare_list)
            _close(s)
        if s.at >= now:
            break
    # Cut what would lie in the future (today's session may run past now); the sign-up
    # day's sign-in is kept at ``now`` at the latest so every learner has one.
    plan.steps = [st for st in steps if st.at <= now]
    if not plan.steps and steps:
        plan.steps = [Step(at=now, kind=SIGN_IN)]
    return plan


# --- From the database and back --------------------------------------------------------------


def right_answer(question: Any) -> Any:
    """The answer that grades ``question`` right, or None when none can be built (regex)."""
    correct = [c.pk for c in question.choices.all() if c.is_correct]
    if question.kind == QuestionKind.MULTIPLE:
        return correct
    if correct:
        return correct[0]
    if question.kind == QuestionKind.TRUE_FALSE:
        return str((question.accepted_answers or ["true"])[0]).lower() in {"true", "1", "yes"}
    if question.match_mode == "exact" and question.accepted_answers:
        return str(question.accepted_answers[0])
    return None


def wrong_answer(question: Any) -> Any:
    """A plausible wrong answer (a wrong choice, the opposite of true/false), or None (left blank)."""
    choices = list(question.choices.all())
    wrong = [c.pk for c in choices if not c.is_correct]
    if question.kind == QuestionKind.MULTIPLE:
        right = [c.pk for c in choices if c.is_correct]
        # Ticking only some of the right ones, or a wrong one too, both grade wrong.
        return right[:-1] + wrong[:1] if right[:-1] or wrong else None
    if choices:
        return wrong[0] if wrong else None
    expected = right_answer(question)
    if isinstance(expected, bool):
        return not expected
    return None


def quiz_answers(quiz: Any, correct: tuple[bool, ...]) -> dict[str, Any]:
    """Answers for ``quiz``: right where ``correct`` says so, wrong or blank elsewhere."""
    answers: dict[str, Any] = {}
    for question, ok in zip(quiz.questions.all(), correct, strict=False):
        answer = right_answer(question) if ok else wrong_answer(question)
        if answer is not None:
            answers[str(question.pk)] = answer
    return answers


def course_spec(course: Course) -> CourseSpec:
    """The lessons a learner can work through now (up to the first drip lesson).

    Expects ``modules`` and ``lessons__quiz__questions__choices`` to be prefetched.
    """
    modules = {module.pk: module for module in course.modules.all()}

    def order(lesson: Lesson) -> tuple[int, int, int, int]:
        module = modules.get(lesson.module_id)
        return (module.position if module else 0, lesson.module_id, lesson.position, lesson.pk)

    specs = []
    for lesson in sorted(course.lessons.all(), key=order):
        module = modules.get(lesson.module_id)
        if (
            lesson.release_at
            or lesson.release_after_days
            or (module and (module.release_at or module.release_after_days))
        ):
            break  # drip lessons (or modules) open later; the demo learner stops here
        if lesson.kind == LessonKind.QUIZ:
            quiz = getattr(lesson, "quiz", None)
            if quiz is None:
                break  # a quiz lesson without its quiz cannot be completed: stop like at a drip
            questions = tuple(
                QuestionSpec(key=q.pk, points=q.points, answerable=right_answer(q) is not None)
                for q in quiz.questions.all()
            )
            specs.append(
                LessonSpec(
                    key=lesson.pk,
                    minutes=1 + 1.5 * len(questions),
                    questions=questions,
                    pass_percent=quiz.pass_percent,
                    max_attempts=quiz.max_attempts,
                )
            )
        else:
            media = lesson.kind in (LessonKind.VIDEO, LessonKind.AUDIO)
            minutes = max(lesson.duration_seconds / 60, 3.0 if media else 5.0)
            specs.append(LessonSpec(key=lesson.pk, minutes=minutes, is_media=media))
    return CourseSpec(key=course.pk, lessons=tuple(specs))


def write_plan(*, user: Any, plan: Plan, courses: dict[int, Course]) -> int:
    """Replay ``plan`` for ``user`` through the learning services; returns the steps written.

    The caller wraps it in a transaction and decides whether the learner was done before.
    ``courses`` maps course pks to courses with lessons and quizzes prefetched.
    """
    lessons: dict[int, Lesson] = {lesson.pk: lesson for c in courses.values() for lesson in c.lessons.all()}
    for step in plan.steps:
        if step.kind == SIGN_IN:
            emit("user.signed_in", actor=user, obj=user, at=step.at, method="demo")
            continue
        if step.kind == ENROLL:
            services.enrollment_create(user=user, course=courses[step.course or 0], at=step.at)
            continue
        lesson = lessons[step.lesson or 0]
        if step.kind == VIEW:
            services.lesson_view_record(user=user, lesson=lesson, at=step.at)
        elif step.kind == PROGRESS:
            emit("video.progressed", actor=user, obj=lesson, at=step.at, course=step.course, percent=step.percent)
        elif step.kind == COMPLETE:
            services.lesson_complete(user=user, lesson_id=lesson.pk, at=step.at)
        elif step.kind == QUIZ:
            answers = quiz_answers(lesson.quiz, step.correct)
            services.quiz_attempt_submit(user=user, quiz_id=lesson.quiz.pk, answers=answers, at=step.at)
    return len(plan.steps)
