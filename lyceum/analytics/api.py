"""The analytics /api/v1 routes."""

from ninja import Router

router = Router(tags=["analytics"])
