"""Keyword analysis on a tiny bilingual fixture, every figure counted by hand."""

import pytest

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.feedback.analysis import Document, analyse, phrases, terms, tokens
from lyceum.feedback.models import (
    QuestionKind,
    Review,
    Survey,
    SurveyAnswer,
    SurveyAudience,
    SurveyQuestion,
    SurveyResponse,
)
from lyceum.feedback.selectors.analysis import feedback_for_course, feedback_overview
from lyceum.feedback.services.reviews import review_hide, review_save
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course


def test_english_is_lower_cased_and_stop_words_dropped():
    assert tokens("The AUDIO quality is BAD!") == ["audio", "quality", "bad"]


def test_stop_words_and_punctuation_end_a_phrase():
    assert phrases("The audio quality is bad. Audio quality, sadly") == [
        ["audio", "quality"],
        ["bad"],
        ["audio", "quality"],
        ["sadly"],
    ]
    assert terms("the audio quality is bad") == {"audio", "quality", "audio quality", "bad"}  # no "quality bad"


def test_chinese_is_segmented_and_single_characters_joined():
    assert phrases("讲得太快了，练习太少") == [["讲得", "太快"], ["练习", "太少"]]
    assert terms("练习太少") == {"练习", "太少", "练习太少"}


def test_mixed_text_numbers_and_single_letters():
    assert tokens("Python 3 的 for 循环 x 很好懂") == ["python", "循环", "好懂"]
    assert terms("Python 循环") == {"python", "循环", "python 循环"}


def test_contractions_are_stop_words_and_curly_quotes_normalised():
    assert tokens("I don\u2019t like the pacing") == ["pacing"]


def test_fullwidth_text_is_normalised():
    assert tokens("ＡＵＤＩＯ　Ｑｕａｌｉｔｙ") == ["audio", "quality"]


DOCS = [
    Document("The audio quality is poor and too fast", rating=1),  # negative
    Document("讲得太快了，练习太少", rating=2),  # negative
    Document("Audio quality could be better, but great examples", rating=3),
    Document("练习太少，但是例子很好", rating=4),
    Document("Great examples! 例子很好", rating=5),
    Document("希望多一些练习，音质一般"),  # a survey answer: never negative
]


def test_counts_are_documents_mentioning_each_term_and_negative_share_is_of_negative_reviews():
    result = analyse(DOCS, limit=50)
    by_term = {t.term: t for t in result.terms}

    assert (result.documents, result.reviews, result.negative_reviews) == (6, 5, 2)
    assert result.negative_share == pytest.approx(0.4)
    # "audio quality": docs 1 and 3; negative: doc 1 of the 2 negative reviews.
    assert (by_term["audio quality"].count, by_term["audio quality"].negative_count) == (2, 1)
    assert by_term["audio quality"].negative_share == pytest.approx(0.5)
    # 练习太少: docs 2 and 4; 练习 also in doc 6 (3 documents, so it stays as a word).
    assert (by_term["练习太少"].count, by_term["练习太少"].negative_count) == (2, 1)
    assert (by_term["练习"].count, by_term["练习"].negative_count) == (3, 1)
    # "great examples": docs 3 and 5, never negative.
    assert (by_term["great examples"].count, by_term["great examples"].negative_share) == (2, 0.0)
    # 例子: docs 4 and 5 (例子很好 → 例子 | 好: 很 is a stop word and 好 is one character).
    assert by_term["例子"].count == 2


def test_a_word_a_listed_phrase_already_says_is_left_out():
    result = analyse(DOCS, limit=50)
    listed = {t.term for t in result.terms}

    assert "audio quality" in listed
    assert "audio" not in listed and "quality" not in listed  # same counts as the phrase
    assert "太少" not in listed  # same counts as 练习太少
    assert "练习" in listed  # more mentions than the phrase


def test_terms_mentioned_once_are_left_out_and_order_is_by_count():
    result = analyse(DOCS, limit=50)

    assert "fast" not in {t.term for t in result.terms}  # once only
    assert result.terms[0].term == "练习"  # 3 mentions; the rest have 2
    assert [t.count for t in result.terms] == sorted((t.count for t in result.terms), reverse=True)


def test_complaints_are_terms_of_negative_reviews_most_mentioned_first():
    result = analyse(DOCS, limit=50)

    # 太快 is in a negative review but mentioned once only, so it is not listed.
    assert [t.term for t in result.complaints] == ["练习", "audio quality", "练习太少"]
    assert all(t.negative_count > 0 for t in result.complaints)


def test_no_negative_reviews_means_no_share():
    result = analyse([Document("good examples", 5), Document("good examples", 4)])

    assert result.negative_share == 0.0
    assert result.terms[0].negative_share is None
    assert result.complaints == []


def test_empty_input():
    result = analyse([])

    assert (result.documents, result.terms, result.negative_share) == (0, [], None)


# --- the selectors: reviews + survey free text, hidden reviews left out ---------------------------------------------


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor, title="音视频入门")


def _review(course, name, rating, text):
    user = make_user(f"{name}@example.org", Role.LEARNER)
    enrollment_create(user=user, course=course)
    return review_save(actor=user, course=course, rating=rating, text=text)[0]


def _survey_answer(course, user, text, *, kind=QuestionKind.TEXT):
    survey = Survey.objects.filter(course=course).first() or Survey.objects.create(
        title="Course check-in", audience=SurveyAudience.COURSE, course=course
    )
    question = SurveyQuestion.objects.create(survey=survey, kind=kind, text="Anything else?")
    response, _created = SurveyResponse.objects.get_or_create(survey=survey, user=user)
    SurveyAnswer.objects.create(response=response, question=question, text=text)


def test_course_analysis_reads_reviews_and_text_survey_answers(course, operator, moderator, learner):
    _review(course, "a", 1, "Audio quality is poor")
    _review(course, "b", 2, "audio quality, 太快了")
    _review(course, "c", 5, "Great examples")
    hidden = _review(course, "d", 1, "spam spam spam link")
    review_hide(actor=moderator, review=hidden)
    _survey_answer(course, learner, "Fix the audio quality please")
    _survey_answer(course, learner, "spam link spam", kind=QuestionKind.SINGLE)  # not a text question

    feedback = feedback_for_course(user=operator, slug=course.slug)
    by_term = {t.term: t for t in feedback.analysis.terms}

    assert feedback.summary.count == 3
    assert (feedback.negative_count, feedback.negative_percent) == (2, 67)
    assert feedback.analysis.documents == 4  # 3 visible reviews + 1 text answer
    assert (by_term["audio quality"].count, by_term["audio quality"].negative_count) == (3, 2)
    assert by_term["audio quality"].negative_share == 1.0
    assert "spam" not in by_term and "link" not in by_term


def test_overview_lists_courses_with_feedback_most_negative_reviews_first(operator, instructor):
    calm = make_course(instructor=instructor, title="Calm course")
    rough = make_course(instructor=instructor, title="Rough course")
    make_course(instructor=instructor, title="Silent course")
    _review(calm, "c1", 5, "great examples")
    _review(calm, "c2", 4, "great examples")
    _review(rough, "r1", 1, "audio quality poor")
    _review(rough, "r2", 2, "audio quality poor")
    _review(rough, "r3", 5, "fine")

    overview = feedback_overview(user=operator)

    assert [row.course.title for row in overview.courses] == ["Rough course", "Calm course"]
    rough_row = overview.courses[0]
    assert (rough_row.summary.count, rough_row.negative_percent) == (3, 67)
    # audio, quality and poor say nothing the phrases do not (same counts), so only phrases remain.
    assert [(t.term, t.negative_count, t.negative_percent) for t in rough_row.top_complaints] == [
        ("audio quality", 2, 100),
        ("quality poor", 2, 100),
    ]
    assert overview.overall.documents == 5


def test_overview_query_count_is_fixed(operator, instructor, django_assert_max_num_queries):
    for i in range(3):
        course = make_course(instructor=instructor)
        _review(course, f"q{i}", 1 + i, "audio quality")
    operator.roles  # noqa: B018 - loaded once per request by the page
    with django_assert_max_num_queries(3):
        feedback_overview(user=operator)


def test_inner_hyphens_stay_in_a_word_and_dashes_break_phrases():
    assert phrases("Please re-record it -- the audio - bad") == [["re-record"], ["audio"], ["bad"]]


def test_each_term_carries_up_to_two_negative_reviews_as_examples():
    docs = [
        Document("audio quality is poor", rating=1),
        Document("Audio quality:\n  really   bad", rating=2),
        Document("audio quality again " + "x" * 300, rating=1),
        Document("audio quality is great", rating=5),
    ]

    term = next(t for t in analyse(docs).complaints if t.term == "audio quality")

    assert term.examples == ("audio quality is poor", "Audio quality: really bad")


def test_long_examples_are_cut_to_200_characters():
    term = analyse([Document("slow " + "y" * 400, rating=1), Document("slow", rating=1)]).complaints[0]

    assert term.term == "slow"
    assert len(term.examples[0]) == 200 and term.examples[0].endswith("…")


def test_the_period_keeps_recent_reviews_and_answers_only(course, operator, learner):
    from datetime import timedelta

    from django.utils import timezone

    from lyceum.feedback.selectors.analysis import period_since

    old = _review(course, "old", 1, "audio quality")
    Review.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=100))
    _review(course, "new1", 1, "too fast pace")
    _review(course, "new2", 2, "pace too fast")
    _survey_answer(course, learner, "audio quality again")
    SurveyResponse.objects.update(submitted_at=timezone.now() - timedelta(days=200))

    key, since = period_since("90", timezone.now())
    recent = feedback_for_course(user=operator, slug=course.slug, since=since)
    everything = feedback_for_course(user=operator, slug=course.slug)

    assert key == "90"
    assert (recent.summary.count, recent.analysis.documents) == (2, 2)
    assert (everything.summary.count, everything.analysis.documents) == (3, 4)
    assert period_since("bogus", timezone.now()) == ("all", None)


def test_the_analysis_pages_take_a_period(client_for, operator, course):
    _review(course, "p1", 1, "audio quality")

    response = client_for(operator).get("/operator/feedback/?period=30")

    assert response.status_code == 200
    assert response.context["period"] == "30"
    assert f"/operator/feedback/{course.slug}/?period=30" in response.content.decode()
    assert client_for(operator).get(f"/operator/feedback/{course.slug}/?period=nope").context["period"] == "all"


def test_identical_complaints_are_quoted_once():
    term = analyse([Document("too slow", rating=1), Document("Too  slow", rating=1)]).complaints[0]

    assert term.examples == ("too slow", "Too slow")
    term = analyse([Document("too slow", rating=1), Document("too slow", rating=2)]).complaints[0]
    assert term.examples == ("too slow",)
