"""The feedback /api/v1 routes."""

from ninja import Router

router = Router(tags=["feedback"])
