import pytest


@pytest.fixture
def run_events(django_capture_on_commit_callbacks):
    """``with run_events(): ...`` runs the event handlers the block schedules (as after a commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
