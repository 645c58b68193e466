"""Two-factor sign-in, social providers from settings, closed sign-up, the admin."""

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

from conftest import PASSWORD, TOTP_SECRET
from lyceum.accounts.models import User


def _code() -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(TOTP_SECRET, counters[len(counters) // 2]))


def test_sign_in_with_two_factor_asks_for_the_code(client, operator):
    response = client.post("/accounts/login/", {"login": operator.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/dashboard/").status_code == 302  # not signed in with the password alone

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get("/dashboard/").status_code == 302

    right = client.post("/accounts/2fa/authenticate/", {"code": _code()})
    assert right.status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_social_providers_switch_on_from_settings(client, db, settings):
    page = client.get("/accounts/login/").content.decode()
    assert "GitHub" not in page

    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {"APPS": [{"client_id": "lyceum-test", "secret": "s3cret"}]},
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "campus-sso",
                    "name": "Campus SSO",
                    "client_id": "lyceum",
                    "secret": "s3cret",
                    "settings": {"server_url": "https://sso.example.edu"},
                }
            ]
        },
    }

    page = client.get("/accounts/login/").content.decode()
    assert "GitHub" in page
    assert "Campus SSO" in page


def test_sign_up_can_be_closed_from_settings(client, db, settings):
    settings.LYCEUM_SIGNUP_OPEN = False

    client.post(
        "/accounts/signup/",
        {
            "display_name": "X",
            "email": "x@example.org",
            "password1": "long-enough-pass",
            "password2": "long-enough-pass",
        },
    )

    assert not User.objects.filter(email="x@example.org").exists()


def test_operators_can_use_the_admin_and_learners_cannot(client_for, operator, learner):
    assert client_for(operator).get("/admin/accounts/user/").status_code == 200
    assert client_for(operator).get("/admin/core/event/").status_code == 200
    assert client_for(learner).get("/admin/").status_code == 302


def test_demo_staff_can_sign_in_with_the_printed_code(client, db):
    import io

    from django.core.management import call_command

    call_command("seed_demo", users=0, stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_otp", stdout=out)
    code = out.getvalue().strip()

    client.post("/accounts/login/", {"login": "operator@example.com", "password": "lyceum-demo-2026"})
    response = client.post("/accounts/2fa/authenticate/", {"code": code})

    assert len(code) == 6 and code.isdigit()
    assert response.status_code == 302
    assert client.get("/operator/needs/").status_code == 200


def test_operators_manage_prices_in_the_admin_but_cannot_edit_orders(client_for, operator):
    client = client_for(operator)

    assert client.get("/admin/commerce/product/add/").status_code == 200
    assert client.get("/admin/commerce/coupon/add/").status_code == 200
    assert client.get("/admin/commerce/order/").status_code == 200
    assert client.get("/admin/commerce/order/add/").status_code == 403
