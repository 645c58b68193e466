"""The feedback /api/v1 routes: course reviews and questionnaires."""

from ninja import Router

from .api_reviews import router as reviews_router
from .api_surveys import router as surveys_router

router = Router()
router.add_router("", reviews_router)
router.add_router("", surveys_router)
