"""Browser fixtures: Debian's chromium driven by Playwright against pytest-django's live server.

Playwright's sync API keeps an asyncio event loop running in the test thread while the
browser is open, so Django's "you are in an async context" guard would refuse the ORM
calls the tests make to arrange data. DJANGO_ALLOW_ASYNC_UNSAFE lifts that guard, but
only while the browser tests run: set for the whole process it would leak into the rest
of the suite (``manage.py check --deploy`` in a subprocess rightly refuses it).
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SKIP_REASON = "Debian's chromium is not installed (run `make browser-deps`)"

requires_chromium = pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)


@pytest.fixture(scope="module")
def allow_orm_beside_playwright() -> Iterator[None]:
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(allow_orm_beside_playwright) -> Iterator[object]:
    if CHROMIUM is None:
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def reference_data(transactional_db) -> None:
    """Roles and survey topics come from a data migration; transactional tests flush them."""
    from django.apps import apps

    migration = importlib.import_module("lyceum.accounts.migrations.0002_roles_and_topics")
    migration.forwards(apps, None)


@pytest.fixture
def new_page(live_server, reference_data, browser) -> Iterator[Callable[..., object]]:
    """``new_page(locale="en-US")``: a fresh browser context (own cookies) on the live server."""
    contexts = []

    def make(locale: str = "en-US", width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request) -> Callable[[object, str], None]:
    """Save a full-page PNG into e2e/artifacts/ only when LYCEUM_SCREENSHOTS is set."""
    enabled = bool(os.environ.get("LYCEUM_SCREENSHOTS"))
    prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)

    def take(page, name: str) -> None:
        if enabled:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{prefix}-{name}.png"), full_page=True)

    return take


def fresh_totp(secret: str) -> str:
    """The current TOTP code, waiting out the last seconds of a window so the code is still
    valid when the browser submits it (allauth accepts only the current 30 s window)."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    if period - time.time() % period < 8:
        time.sleep(period - time.time() % period + 0.5)
    return format_hotp_value(hotp_value(secret, int(time.time() // period)))


def sign_in(page, email: str, *, otp: bool = False) -> None:
    """Sign in through the allauth form (the test password); ``otp``: then the staff TOTP step."""
    from conftest import PASSWORD, TOTP_SECRET

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    if otp:
        page.get_by_label("Code").fill(fresh_totp(TOTP_SECRET))
        page.get_by_role("main").get_by_role("button", name="Sign In").click()
