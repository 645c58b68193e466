import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parents[3]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "-production-secret-from-the-environment-" + "y" * 20,
    "ALLOWED_HOSTS": "lyceum.example.com",
    "LYCEUM_SITE_URL": "https://lyceum.example.com",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_every_page_is_sent_with_a_content_security_policy(client, db):
    response = client.get("/")

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp


def test_pages_load_no_asset_from_another_origin(client, db):
    html = client.get("/").content.decode()

    for attr in ('src="http', "src='http", 'href="http', "href='http", 'src="//', 'href="//'):
        assert attr not in html


@pytest.mark.parametrize(
    ("helper", "value"),
    [(lambda: env_bool("LYCEUM_TEST_VAR"), "maybe"), (lambda: env_int("LYCEUM_TEST_VAR", 1), "ten")],
)
def test_a_malformed_environment_value_fails_loudly(monkeypatch, helper, value):
    monkeypatch.setenv("LYCEUM_TEST_VAR", value)

    with pytest.raises(ImproperlyConfigured):
        helper()


def test_env_helpers_read_values(monkeypatch):
    monkeypatch.setenv("LYCEUM_TEST_VAR", " a, b ,,c ")
    assert env_list("LYCEUM_TEST_VAR") == ["a", "b", "c"]
    monkeypatch.setenv("LYCEUM_TEST_VAR", "Yes")
    assert env_bool("LYCEUM_TEST_VAR") is True
    monkeypatch.setenv("LYCEUM_TEST_VAR", "42")
    assert env_int("LYCEUM_TEST_VAR", 0) == 42
