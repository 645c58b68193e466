"""The personalisation /api/v1 routes, one router per area, mounted together:
``/me/interests`` (``api_interests``), ``/me/recommendations`` (``api_recs``),
``/me/learning-path`` (``api_paths``)."""

from __future__ import annotations

from ninja import Router

from .api_interests import router as interests_router
from .api_paths import router as paths_router
from .api_recs import router as recs_router

router = Router(tags=["recommendations"])
router.add_router("/", interests_router)
router.add_router("/", recs_router)
router.add_router("/", paths_router)
