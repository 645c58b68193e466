"""Shared fixtures: the personas every view and API test talks about."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation

from lyceum.accounts.models import Role, User
from lyceum.accounts.services import mfa_totp_enable, token_create, user_create

PASSWORD = "correct-horse-battery-staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # A request as a zh-hans member activates Chinese for the thread (as middleware does for a
    # real request); every test starts in the default language and time zone again.
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    cache.clear()
    yield
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


def make_user(email: str, *roles: str, display_name: str = "", **kwargs) -> User:
    user = user_create(
        email=email,
        display_name=display_name or email.split("@")[0].title(),
        password=PASSWORD,
        roles=roles or (Role.LEARNER,),
        **kwargs,
    )
    if set(roles) - {Role.LEARNER}:
        mfa_totp_enable(user=user, secret=TOTP_SECRET)
    return user


@pytest.fixture
def learner(db) -> User:
    return make_user("learner@example.org", Role.LEARNER, display_name="Lena Learner")


@pytest.fixture
def outsider(db) -> User:
    return make_user("outsider@example.org", Role.LEARNER, display_name="Otto Outsider")


@pytest.fixture
def instructor(db) -> User:
    return make_user("instructor@example.org", Role.INSTRUCTOR, display_name="Ada Instructor")


@pytest.fixture
def moderator(db) -> User:
    return make_user("moderator@example.org", Role.MODERATOR, display_name="Max Moderator")


@pytest.fixture
def operator(db) -> User:
    return make_user("operator@example.org", Role.OPERATOR, display_name="Olga Operator")


@pytest.fixture
def client_for():
    """``client_for(user)``: a test client signed in as ``user``."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_token():
    """``api_token(user)``: a fresh bearer key for ``user``."""

    def make(user: User) -> str:
        return token_create(user=user, name="test")[1]

    return make


@pytest.fixture
def api(api_token):
    """``api(user)("post", "/threads/1/vote", {...})``: a JSON call to ``/api/v1`` with ``user``'s
    bearer token (anonymous when ``user`` is None)."""
    import json

    from django.test import Client

    def make(user=None):
        client = Client()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(user)}"} if user is not None else {}

        def call(method, url, body=None):
            kwargs = dict(headers)
            if body is not None:
                kwargs.update(data=json.dumps(body), content_type="application/json")
            return getattr(client, method)(f"/api/v1{url}", **kwargs)

        return call

    return make


def run_concurrently(target, count: int) -> list[BaseException]:
    """Run ``target(i)`` for i in range(count) in threads that start together, each on its own
    database connection (PostgreSQL race tests); returns what the threads raised."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            target(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors
