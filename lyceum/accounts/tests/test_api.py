import json
import re

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

from conftest import PASSWORD, TOTP_SECRET
from lyceum.accounts.models import ApiToken, LearnerProfile
from lyceum.accounts.services import SurveyAnswers, learner_profile_save
from lyceum.core.models import Event


def _bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _current_totp() -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(TOTP_SECRET, counters[len(counters) // 2]))


# --- Tokens ---------------------------------------------------------------------------


def test_token_issue_then_use_then_revoke(client, learner):
    response = client.post(
        "/api/v1/auth/token",
        {"email": "LEARNER@example.org", "password": PASSWORD, "name": "cli"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    key = body["token"]
    assert key.startswith("lyc_")
    assert body["name"] == "cli"
    stored = ApiToken.objects.get(pk=body["id"])
    assert key not in (stored.key_hash, stored.prefix)  # only a hash is stored

    me = client.get("/api/v1/me", **_bearer(key))
    assert me.status_code == 200
    assert me.json()["email"] == "learner@example.org"

    listed = client.get("/api/v1/auth/tokens", **_bearer(key)).json()
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0]

    revoked = client.delete(f"/api/v1/auth/tokens/{body['id']}", **_bearer(key))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/me", **_bearer(key)).status_code == 401
    assert Event.objects.filter(name__in=["token.created", "token.revoked"], actor=learner).count() == 2


def test_token_issue_with_a_wrong_password_is_401_and_creates_nothing(client, learner):
    response = client.post(
        "/api/v1/auth/token", {"email": learner.email, "password": "wrong"}, content_type="application/json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_token_issue_is_rate_limited(client, learner, settings):
    payload = json.dumps({"email": learner.email, "password": "wrong"})
    statuses = [
        client.post("/api/v1/auth/token", payload, content_type="application/json").status_code for _ in range(12)
    ]

    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]


def test_staff_need_their_second_factor_for_a_token(client, operator):
    url = "/api/v1/auth/token"
    without = client.post(url, {"email": operator.email, "password": PASSWORD}, content_type="application/json")
    assert without.status_code == 422
    assert without.json()["field"] == "otp"

    wrong = client.post(
        url, {"email": operator.email, "password": PASSWORD, "otp": "000000"}, content_type="application/json"
    )
    assert wrong.status_code == 401
    assert not ApiToken.objects.exists()

    right = client.post(
        url, {"email": operator.email, "password": PASSWORD, "otp": _current_totp()}, content_type="application/json"
    )
    assert right.status_code == 201


def test_cannot_revoke_another_users_token(client, learner, outsider, api_token):
    theirs_key = api_token(outsider)
    theirs = ApiToken.objects.get(user=outsider)

    response = client.delete(f"/api/v1/auth/tokens/{theirs.pk}", **_bearer(api_token(learner)))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert client.get("/api/v1/me", **_bearer(theirs_key)).status_code == 200


# --- /me --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer lyc_not-a-real-token"}, {"HTTP_AUTHORIZATION": "Basic abc"}],
)
def test_me_without_a_valid_token_is_401_json(client, db, headers):
    response = client.get("/api/v1/me", **headers)

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided or are invalid.",
        "code": "not_authenticated",
    }


def test_me_with_a_token(client, learner, api_token):
    body = client.get("/api/v1/me", **_bearer(api_token(learner))).json()

    assert body["display_name"] == "Lena Learner"
    assert body["roles"] == ["learner"]
    assert body["two_factor"] is False


def test_me_works_with_the_browser_session(client_for, learner):
    assert client_for(learner).get("/api/v1/me").json()["id"] == learner.pk


def test_session_writes_need_the_csrf_token(learner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)

    response = client.put("/api/v1/me/profile", {"goals": ["exam"]}, content_type="application/json")

    assert response.status_code in (401, 403)
    assert not LearnerProfile.objects.filter(user=learner).exists()


def test_deactivated_users_token_stops_working(client, learner, api_token):
    key = api_token(learner)
    learner.is_active = False
    learner.save(update_fields=["is_active"])

    assert client.get("/api/v1/me", **_bearer(key)).status_code == 401


# --- /me/profile -------------------------------------------------------------------------


def test_profile_get_before_the_survey_is_empty(client, learner, api_token):
    body = client.get("/api/v1/me/profile", **_bearer(api_token(learner))).json()

    assert body["completed_at"] is None
    assert body["goals"] == [] and body["interests"] == []


def test_profile_put_then_get(client, learner, api_token):
    key = api_token(learner)
    payload = {
        "goals": ["skill_up"],
        "interests": [{"topic": "ai", "level": "intermediate"}, {"topic": "data", "level": "beginner"}],
        "weekly_hours": 8,
        "formats": ["video", "text"],
        "study_time": "morning",
    }

    put = client.put("/api/v1/me/profile", payload, content_type="application/json", **_bearer(key))

    assert put.status_code == 200
    body = client.get("/api/v1/me/profile", **_bearer(key)).json()
    assert body["goals"] == ["skill_up"]
    assert sorted((i["topic"], i["level"]) for i in body["interests"]) == [("ai", "intermediate"), ("data", "beginner")]
    assert body["weekly_hours"] == 8
    assert body["completed_at"] is not None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"weekly_hours": "lots"}, "weekly_hours"),
        ({"weekly_hours": 500}, "weekly_hours"),
        ({"weekly_hours": -1}, "weekly_hours"),
        ({"goals": "skill_up"}, "goals"),
        ({"goals": ["world_domination"]}, "goals"),
        ({"formats": ["hologram"]}, "formats"),
        ({"interests": [{"topic": "alchemy", "level": "beginner"}]}, "interests"),
        ({"interests": [{"topic": "ai", "level": "guru"}]}, "interests"),
        ({"interests": [{"level": "beginner"}]}, "interests.0.topic"),
        ({"interests": [{"topic": "ai"}, {"topic": "ai"}]}, "interests"),
        ({"study_time": "'; DROP TABLE accounts_user; --"}, "study_time"),
    ],
)
def test_profile_put_with_bad_input_is_422_naming_the_field_and_changes_nothing(
    client, learner, api_token, payload, field
):
    learner_profile_save(
        actor=learner, user=learner, answers=SurveyAnswers(["hobby"], {"design": "beginner"}, 3, [], "")
    )
    key = api_token(learner)

    response = client.put("/api/v1/me/profile", payload, content_type="application/json", **_bearer(key))

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["code"] == "validation_error"
    profile = LearnerProfile.objects.get(user=learner)
    assert [g.goal for g in profile.goals.all()] == ["hobby"]
    assert profile.weekly_hours == 3


@pytest.mark.parametrize("body", ["{not json", '{"goals": [', "\xff\xfe", "[1, 2"])
def test_malformed_json_is_422_not_500(client, learner, api_token, body):
    response = client.put("/api/v1/me/profile", body, content_type="application/json", **_bearer(api_token(learner)))

    assert response.status_code == 422
    assert response.json()["code"] in {"malformed_body", "validation_error"}
    assert response.json()["field"] == "body" or response.json()["field"]


def test_topics_are_public(client, db):
    body = client.get("/api/v1/topics").json()

    assert {"slug": "programming", "name": "Programming"} in body


def test_openapi_schema_and_docs_are_served(client, db):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/auth/token" in schema.json()["paths"]

    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)  # every asset from our own origin


def test_unknown_api_path_is_json_404(client, db):
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
