"""Placeholder: being written (this session)."""

from ninja import Router

router = Router(tags=["recommendations"])
