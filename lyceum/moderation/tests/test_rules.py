"""The community rules: operators publish versions (both languages, sanitised), members read
them in their language and accept, and accept again after a new version."""

from __future__ import annotations

import pytest

from lyceum.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lyceum.core.models import Event
from lyceum.moderation.models import CommunityRules, RulesAcceptance
from lyceum.moderation.selectors import has_accepted_rules, rules_in_force
from lyceum.moderation.services import rules as services

pytestmark = pytest.mark.django_db

EN = "# Be kind\n\nNo ads. <script>alert(1)</script>"
ZH = "# 友善交流\n\n禁止广告。"


@pytest.fixture
def v1(operator):
    return services.rules_publish(actor=operator, body_en=EN, body_zh=ZH)


def test_publishing_makes_a_sanitised_version(operator, v1):
    assert (v1.version, v1.published_by) == (1, operator)
    assert "<h1>Be kind</h1>" in v1.body_en_html and "<script>" not in v1.body_en_html
    assert "友善交流" in v1.body_zh_html
    assert rules_in_force() == v1
    assert Event.objects.filter(name="rules.updated").count() == 1


def test_a_new_version_needs_a_summary_and_members_accept_again(operator, learner, v1):
    services.rules_accept(actor=learner, version=1)
    assert has_accepted_rules(learner)
    with pytest.raises(ValidationFailed) as exc:
        services.rules_publish(actor=operator, body_en=EN, body_zh=ZH, summary="")
    assert exc.value.field == "summary"

    v2 = services.rules_publish(actor=operator, body_en=EN + "\n\nNo piracy.", body_zh=ZH, summary="No piracy")

    assert v2.version == 2
    assert not has_accepted_rules(learner)
    services.rules_accept(actor=learner)
    assert has_accepted_rules(learner)


@pytest.mark.parametrize(
    ("field", "en", "zh"), [("body_en", "", ZH), ("body_zh", EN, "  "), ("body_en", "x" * 20_001, ZH)]
)
def test_both_languages_are_required(operator, field, en, zh):
    with pytest.raises(ValidationFailed) as exc:
        services.rules_publish(actor=operator, body_en=en, body_zh=zh)
    assert exc.value.field == field
    assert not CommunityRules.objects.exists()


@pytest.mark.parametrize("who", ["learner", "moderator", "instructor"])
def test_only_operators_publish(request, who):
    with pytest.raises(PermissionDenied):
        services.rules_publish(actor=request.getfixturevalue(who), body_en=EN, body_zh=ZH)
    assert not CommunityRules.objects.exists()


def test_accepting_twice_is_one_row_and_an_old_version_is_a_conflict(operator, learner, v1):
    services.rules_accept(actor=learner, version=1)
    services.rules_accept(actor=learner, version="1")
    assert RulesAcceptance.objects.filter(user=learner).count() == 1
    assert Event.objects.filter(name="rules.accepted").count() == 1
    services.rules_publish(actor=operator, body_en=EN, body_zh=ZH, summary="Clarified")
    with pytest.raises(Conflict):
        services.rules_accept(actor=learner, version=1)
    with pytest.raises(ValidationFailed):
        services.rules_accept(actor=learner, version="v2; DROP")


def test_nothing_to_accept_without_rules(learner):
    with pytest.raises(NotFound):
        services.rules_accept(actor=learner)


# --- pages --------------------------------------------------------------------------------------


def test_the_rules_page_speaks_the_viewers_language(client, v1):
    assert "Be kind" in client.get("/community/rules/").content.decode()
    zh = client.get("/community/rules/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "友善交流" in zh


def test_a_member_accepts_and_goes_back_to_a_local_page(client_for, learner, v1):
    client = client_for(learner)
    page = client.get("/community/rules/?next=/community/")
    assert "I accept the community rules" in page.content.decode()

    response = client.post("/community/rules/", {"version": 1, "next": "/community/"})

    assert response.status_code == 302 and response["Location"] == "/community/"
    assert has_accepted_rules(learner)
    assert "You accepted these rules." in client.get("/community/rules/").content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_accepting_never_redirects_off_site(client_for, learner, v1, next_url):
    response = client_for(learner).post("/community/rules/", {"version": 1, "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/community/rules/"


def test_visitors_are_sent_to_sign_in(client, v1):
    response = client.post("/community/rules/", {"version": 1})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not RulesAcceptance.objects.exists()


def test_the_rules_page_without_rules(client):
    assert client.get("/community/rules/").status_code == 200


def test_operators_preview_and_publish(client_for, operator):
    client = client_for(operator)
    assert client.get("/operator/moderation/rules/").status_code == 200

    preview = client.post("/operator/moderation/rules/", {"body_en": EN, "body_zh": ZH, "preview": "1"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "<h1>Be kind</h1>" in html and "<script>alert(1)</script>" not in html
    assert not CommunityRules.objects.exists()

    response = client.post("/operator/moderation/rules/", {"body_en": EN, "body_zh": ZH, "publish": "1"})
    assert response.status_code == 302
    assert CommunityRules.objects.get().version == 1
    again = client.post("/operator/moderation/rules/", {"body_en": EN, "body_zh": "", "publish": "1"})
    assert again.status_code == 422
    assert CommunityRules.objects.count() == 1


@pytest.mark.parametrize("who", ["learner", "moderator"])
def test_non_operators_cannot_edit_the_rules(client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get("/operator/moderation/rules/").status_code == 403
    assert client.post("/operator/moderation/rules/", {"body_en": EN, "body_zh": ZH}).status_code == 403
    assert not CommunityRules.objects.exists()
