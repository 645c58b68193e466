"""Placeholder: being written (this session)."""

from typing import Any


def seed(ctx: Any) -> None:
    pass
