"""The ``content.screen`` provider (registered in ``apps.py``)."""


def register() -> None:
    """Filled in by the detector work (issue 8)."""
