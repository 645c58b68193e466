"""Screening in these tests: no provider unless a test installs one (``core/tests/screening_fixtures.py``)."""

from lyceum.core.tests.screening_fixtures import _no_screening_provider, screen_as, screen_raises  # noqa: F401
