"""Moderation's event handlers (registered in ``apps.py``)."""


def register() -> None:
    """Filled in by the moderation workflow (issue 8)."""
