"""Results (distributions, scale mean, NPS) and the pseudonymised CSV export."""

from __future__ import annotations

import pytest

from conftest import make_user
from lyceum.feedback.selectors.surveys import (
    csv_safe,
    nps_from_counts,
    respondent_pseudonym,
    survey_csv_rows,
    survey_results,
)
from lyceum.feedback.services.surveys import survey_answer

from .test_surveys_helpers import ALL_KINDS, make_survey, q

pytestmark = pytest.mark.django_db


def test_nps_hand_computed_5_promoters_3_passives_2_detractors_is_30():
    nps = nps_from_counts({10: 3, 9: 2, 8: 2, 7: 1, 6: 1, 0: 1})
    assert (nps.promoters, nps.passives, nps.detractors, nps.total) == (5, 3, 2, 10)
    assert nps.score == 30.0  # 50 % − 20 %


@pytest.mark.parametrize(
    ("counts", "score"),
    [
        ({}, None),
        ({10: 4}, 100.0),
        ({0: 1, 6: 3}, -100.0),
        ({7: 2, 8: 5}, 0.0),
        ({9: 1, 7: 1, 3: 1}, 0.0),
        ({9: 2, 5: 1}, 33.3),  # 66.67 % − 33.33 %
    ],
)
def test_nps_edges(counts, score):
    assert nps_from_counts(counts).score == score


def _answer_many(survey, rows, prefix="r"):
    """rows: list of dicts kind -> value; one learner each."""
    for i, row in enumerate(rows):
        user = make_user(f"{prefix}{i}@example.org")
        survey_answer(actor=user, survey=survey, answers={q(survey, kind).pk: value for kind, value in row.items()})


@pytest.fixture
def answered():
    survey = make_survey(questions=ALL_KINDS)
    nps_values = [10, 10, 10, 9, 9, 8, 8, 7, 6, 0]
    scale_values = [5, 5, 4, 4, 4, 3, 2, 1, 5, 5]
    singles = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    multiples = [[0], [0, 1], [0, 1, 2], [3], [0], [1], [2], [0, 3], [0], [1]]
    texts = ["Great", "", "=cmd|' /C calc'!A0", "More videos", "", "", "Too hard", "", "没时间", ""]
    rows = []
    for i in range(10):
        row = {"single": singles[i], "multiple": multiples[i], "scale": scale_values[i], "nps": nps_values[i]}
        if texts[i]:
            row["text"] = texts[i]
        rows.append(row)
    _answer_many(survey, rows)
    survey.refresh_from_db()
    return survey


def test_results_distributions_mean_nps_and_texts(answered, django_assert_num_queries):
    with django_assert_num_queries(4):
        results = {r.question.kind: r for r in survey_results(survey=answered)}
    single = results["single"]
    assert single.answered == 10
    assert [(b.label, b.count, b.percent) for b in single.buckets] == [
        ("Video", 4, 40.0),
        ("Text", 3, 30.0),
        ("Live", 3, 30.0),
    ]
    multiple = results["multiple"]
    assert [(b.label, b.count, b.percent) for b in multiple.buckets] == [
        ("Quizzes", 6, 60.0),
        ("Forum", 4, 40.0),
        ("Notes", 2, 20.0),
        ("Groups", 2, 20.0),
    ]
    scale = results["scale"]
    assert [b.count for b in scale.buckets] == [1, 1, 1, 3, 4]
    assert scale.mean == 3.8  # 38 / 10
    nps = results["nps"]
    assert [b.count for b in nps.buckets] == [1, 0, 0, 0, 0, 0, 1, 1, 2, 2, 3]
    assert (nps.nps.promoters, nps.nps.passives, nps.nps.detractors, nps.nps.score) == (5, 3, 2, 30.0)
    text = results["text"]
    assert text.answered == 5
    assert [a.text for a in text.texts] == ["没时间", "Too hard", "More videos", "=cmd|' /C calc'!A0", "Great"]


def test_results_query_count_does_not_grow_with_responses(answered, django_assert_num_queries):
    _answer_many(answered, [{"single": 0, "multiple": [1], "scale": 3, "nps": 5, "text": "x"}] * 3, prefix="more")
    with django_assert_num_queries(4):
        survey_results(survey=answered)


def test_results_without_answers():
    survey = make_survey(questions=ALL_KINDS)
    results = {r.question.kind: r for r in survey_results(survey=survey)}
    assert results["nps"].nps.score is None and results["scale"].mean is None
    assert all(b.percent == 0 for b in results["single"].buckets)


def test_csv_one_row_per_response_pseudonymised_and_formula_safe(answered, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        header, rows = survey_csv_rows(survey=answered)
        rows = list(rows)
    assert header[:2] == ["respondent", "submitted_at"]
    assert header[2:] == [f"Q{i}. {text}" for i, (_k, text, _o, _r) in enumerate(ALL_KINDS, 1)]
    assert len(rows) == 10
    emails = [f"r{i}@example.org" for i in range(10)]
    flat = " ".join(str(c) for row in rows for c in row)
    assert not any(e in flat for e in emails) and "R0" not in flat
    from lyceum.accounts.models import User

    ids = {respondent_pseudonym(u.pk) for u in User.objects.filter(email__in=emails)}
    assert {row[0] for row in rows} == ids
    assert all(len(row[0]) == 16 for row in rows)
    third = rows[2]
    assert third[2:] == ["Video", "Quizzes; Forum; Notes", 4, 10, "'=cmd|' /C calc'!A0"]
    second = rows[1]
    assert second[-1] == ""  # left the optional question out


def test_pseudonyms_are_stable_and_distinct():
    assert respondent_pseudonym(7) == respondent_pseudonym(7)
    assert respondent_pseudonym(7) != respondent_pseudonym(8)


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("ok", "ok"),
        (-2, -2),
    ],
)
def test_csv_cells_are_neutralised(value, safe):
    assert csv_safe(value) == safe


def test_csv_header_from_a_question_text_is_neutralised():
    survey = make_survey(questions=[("text", "=HYPERLINK(x)", [], True)])
    header, _rows = survey_csv_rows(survey=survey)
    assert header[2] == "Q1. =HYPERLINK(x)"  # starts with Q: already safe
