"""Survey pages: the operator's list, builder, results and CSV; the learner's open surveys and
answer page. Operators only for everything under /operator/surveys/."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lyceum.accounts.decorators import role_required
from lyceum.accounts.models import Role
from lyceum.core.csvexport import stream_csv
from lyceum.core.errors import ApplicationError, NotFound
from lyceum.core.forms import form_add_application_error

from ..forms_surveys import AnswerForm, QuestionForm, SurveyForm
from ..models import Survey, SurveyQuestion, SurveyStatus
from ..selectors import surveys as selectors
from ..services import surveys as services

SURVEYS_PER_PAGE = 30


def _survey(survey_id: int) -> Survey:
    try:
        return selectors.survey_get_for_operator(survey_id=survey_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _question(survey: Survey, question_id: int) -> SurveyQuestion:
    question = SurveyQuestion.objects.filter(survey=survey, pk=question_id).first()
    if question is None:
        raise Http404(_("No such question."))
    question.survey = survey
    return question


def _initial(survey: Survey) -> dict[str, Any]:
    fields = ("title", "intro", "audience", "course", "opens_at", "closes_at")
    return {name: getattr(survey, name) for name in fields}


def _details(form: SurveyForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {k: data.get(k) for k in ("title", "intro", "audience", "course", "opens_at", "closes_at")}


# --- operator ---------------------------------------------------------------------------------


@role_required(Role.OPERATOR)
def survey_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.survey_list_for_operator(), SURVEYS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(s, selectors.survey_phase(s)) for s in page.object_list]
    return render(request, "feedback/surveys/survey_list.html", {"page": page, "rows": rows})


@role_required(Role.OPERATOR)
def survey_create(request: HttpRequest) -> HttpResponse:
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(actor=request.user, **_details(form))
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Survey created. Now add its questions."))
            return redirect("feedback:survey-edit", survey_id=survey.pk)
    return render(request, "feedback/surveys/survey_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required(Role.OPERATOR)
def survey_edit(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The builder: details, the questions with edit/remove/↑/↓, a form to add one."""
    survey = _survey(survey_id)
    form = SurveyForm(request.POST or None, initial=_initial(survey))
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_update(actor=request.user, survey=survey, **_details(form))
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Survey saved."))
            return redirect("feedback:survey-edit", survey_id=survey.pk)
    return _builder(request, survey, form=form, question_form=QuestionForm())


def _builder(request: HttpRequest, survey: Survey, *, form: SurveyForm, question_form: QuestionForm) -> HttpResponse:
    context = {
        "survey": survey,
        "phase": selectors.survey_phase(survey),
        "form": form,
        "question_form": question_form,
        "questions": selectors.survey_questions(survey=survey),
        "is_draft": survey.status == SurveyStatus.DRAFT,
        "audience_size": selectors.survey_audience_users(survey=survey).count(),
    }
    status = 400 if form.errors or question_form.errors else 200
    return render(request, "feedback/surveys/survey_builder.html", context, status=status)


@require_POST
@role_required(Role.OPERATOR)
def survey_question_add(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.survey_question_add(
                actor=request.user,
                survey=survey,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                options=form.option_list(),
                required=form.cleaned_data["required"],
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Question added."))
            return redirect("feedback:survey-edit", survey_id=survey.pk)
    return _builder(request, survey, form=SurveyForm(initial=_initial(survey)), question_form=form)


@role_required(Role.OPERATOR)
def survey_question_edit(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    question = _question(survey, question_id)
    form = QuestionForm.for_question(question, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_question_update(
                actor=request.user,
                question=question,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                options=form.option_list(),
                required=form.cleaned_data["required"],
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Question saved."))
            return redirect("feedback:survey-edit", survey_id=survey.pk)
    return render(
        request,
        "feedback/surveys/question_form.html",
        {"survey": survey, "question": question, "form": form},
        status=400 if form.errors else 200,
    )


def _act(request: HttpRequest, action: Any, success: str) -> None:
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


@require_POST
@role_required(Role.OPERATOR)
def survey_question_remove(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    question = _question(survey, question_id)
    _act(
        request, lambda: services.survey_question_remove(actor=request.user, question=question), _("Question removed.")
    )
    return redirect("feedback:survey-edit", survey_id=survey.pk)


@require_POST
@role_required(Role.OPERATOR)
def survey_question_move(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    question = _question(survey, question_id)
    direction = request.POST.get("direction", "")
    _act(
        request,
        lambda: services.survey_question_move(actor=request.user, question=question, direction=direction),
        _("Question moved."),
    )
    return redirect("feedback:survey-edit", survey_id=survey.pk)


@require_POST
@role_required(Role.OPERATOR)
def survey_questions_reorder(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The whole new order at once (drag and drop in surveys.js): ``order=3,1,2``."""
    survey = _survey(survey_id)
    raw = request.POST.get("order", "")
    try:
        order = [int(x) for x in raw.split(",") if x.strip()]
    except ValueError:
        order = []
    _act(
        request,
        lambda: services.survey_questions_reorder(actor=request.user, survey=survey, order=order),
        _("Questions reordered."),
    )
    return redirect("feedback:survey-edit", survey_id=survey.pk)


@require_POST
@role_required(Role.OPERATOR)
def survey_publish(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    _act(request, lambda: services.survey_publish(actor=request.user, survey=survey), _("Survey published."))
    return redirect("feedback:survey-edit", survey_id=survey.pk)


@require_POST
@role_required(Role.OPERATOR)
def survey_close(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    _act(request, lambda: services.survey_close(actor=request.user, survey=survey), _("Survey closed."))
    return redirect("feedback:survey-edit", survey_id=survey.pk)


@role_required(Role.OPERATOR)
def survey_results(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    context = {
        "survey": survey,
        "phase": selectors.survey_phase(survey),
        "results": selectors.survey_results(survey=survey),
        "preview": selectors.TEXT_PREVIEW,
        "audience_size": selectors.survey_audience_users(survey=survey).count(),
    }
    return render(request, "feedback/surveys/survey_results.html", context)


@role_required(Role.OPERATOR)
def survey_text_answers(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    question = _question(survey, question_id)
    page = Paginator(selectors.survey_text_answers(question=question), selectors.TEXT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "feedback/surveys/text_answers.html", {"survey": survey, "question": question, "page": page})


@role_required(Role.OPERATOR)
def survey_results_csv(request: HttpRequest, survey_id: int) -> StreamingHttpResponse:
    """One row per response, pseudonymised respondents (selectors.respondent_pseudonym)."""
    survey = _survey(survey_id)
    header, rows = selectors.survey_csv_rows(survey=survey)
    return stream_csv(header, rows, f"survey-{survey.pk}-responses.csv")


# --- learner ----------------------------------------------------------------------------------


@login_required
def my_surveys(request: HttpRequest) -> HttpResponse:
    surveys = selectors.surveys_open_for(user=request.user)
    return render(request, "feedback/surveys/my_surveys.html", {"surveys": surveys})


@login_required
def survey_answer(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Not asked (or a draft): 404. Asked but not open: the page says so. Answered: thank you."""
    try:
        survey = selectors.survey_get_for_learner(user=request.user, survey_id=survey_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    is_open = selectors.survey_is_open(survey)
    questions = selectors.survey_questions(survey=survey) if is_open and not survey.answered else []
    form = AnswerForm(request.POST or None, questions=questions)
    status = 200
    if request.method == "POST" and is_open and not survey.answered:
        if form.is_valid():
            try:
                services.survey_answer(actor=request.user, survey=survey, answers=form.answers())
            except services.AnswersInvalid as exc:
                for error in exc.errors:
                    name = AnswerForm.name_for((error.field or "").removeprefix("answers."))
                    form.add_error(name if name in form.fields else None, error.message)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, _("Thank you! Your answers were saved."))
                return redirect("feedback:survey-answer", survey_id=survey.pk)
        status = 400
    elif request.method == "POST":
        status = 409
    context = {"survey": survey, "form": form, "is_open": is_open, "phase": selectors.survey_phase(survey)}
    return render(request, "feedback/surveys/survey_answer.html", context, status=status)
