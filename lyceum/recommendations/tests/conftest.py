"""Fixtures shared by the learning-path tests."""

from __future__ import annotations

import pytest

from lyceum.learning.tests.factories import make_course


@pytest.fixture
def chain():
    """basics (2 h) → analysis (3 h, intermediate), three text lessons each (45 min < estimate)."""
    basics = make_course(title="Basics", estimated_hours=2)
    analysis = make_course(title="Analysis", estimated_hours=3, level="intermediate")
    analysis.prerequisites.add(basics)
    return basics, analysis
