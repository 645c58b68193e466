"""surveys routes of /api/v1."""

from ninja import Router

router = Router(tags=["surveys"])
