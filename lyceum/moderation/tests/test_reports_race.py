"""Members reporting the same post at the same moment: one case, every report counted, the
post hidden once (PostgreSQL: real row locks)."""

from __future__ import annotations

import os

import pytest
from django.test import override_settings

from conftest import make_user, run_concurrently
from lyceum.moderation.models import Action, ActionKind, Case, Report
from lyceum.moderation.services.reports import report_file

from .workflow_helpers import make_thread, screening_off

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
    ),
    pytest.mark.django_db(transaction=True),
]


@override_settings(LYCEUM_REPORTS_TO_HIDE=3)
def test_racing_reports_make_one_case_and_one_auto_hide(monkeypatch):
    screening_off(monkeypatch)
    thread = make_thread(make_user("author@example.org"), title="Spam")
    reporters = [make_user(f"racer{i}@example.org") for i in range(8)]

    errors = run_concurrently(
        lambda i: report_file(actor=reporters[i], kind="thread", target_id=thread.pk, reason="spam"), len(reporters)
    )

    assert errors == []
    case = Case.objects.get()
    assert (case.report_count, case.report_weight) == (8, 8.0)
    assert Report.objects.filter(case=case).count() == 8
    assert Action.objects.filter(kind=ActionKind.AUTO_HIDE).count() == 1


def test_one_member_reporting_twice_at_once_makes_one_report(monkeypatch):
    screening_off(monkeypatch)
    thread = make_thread(make_user("author@example.org"), title="Spam")
    reporter = make_user("twice@example.org")

    errors = run_concurrently(
        lambda i: report_file(actor=reporter, kind="thread", target_id=thread.pk, reason="spam"), 4
    )

    assert errors == []
    assert Report.objects.count() == 1
    assert Case.objects.get().report_count == 1
