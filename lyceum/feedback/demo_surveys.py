"""Demo surveys."""

from typing import Any


def seed(ctx: Any) -> None:
    return None
