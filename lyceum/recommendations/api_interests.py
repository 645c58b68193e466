"""``GET /me/interests`` and ``PATCH /me/interests``: the signed-in learner's own profile only."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from . import profile

router = Router(tags=["recommendations"])


class InterestOut(Schema):
    slug: str
    name: str
    score: float
    added: bool = Field(..., description="Added by the learner (not inferred).")
    sources: dict[str, float] = Field(..., description="Decayed contribution of each signal.")
    reasons: list[str]


class TopicRef(Schema):
    slug: str
    name: str


class InterestsOut(Schema):
    topics: list[InterestOut]
    hidden: list[TopicRef]


class InterestsPatch(Schema):
    hide: list[str] = Field(default_factory=list, max_length=50)
    add: list[str] = Field(default_factory=list, max_length=50)
    reset: list[str] = Field(default_factory=list, max_length=50)


def _out(request: HttpRequest) -> dict[str, object]:
    p = profile.interest_profile_for(user=request.auth)
    return {
        "topics": [
            {
                "slug": r.topic.slug,
                "name": r.topic.name,
                "score": r.score,
                "added": r.added,
                "sources": r.sources,
                "reasons": r.reasons,
            }
            for r in p.rows
        ],
        "hidden": [{"slug": t.slug, "name": t.name} for t in p.hidden],
    }


@router.get("/me/interests", response=InterestsOut, summary="Your interest profile, strongest first, with reasons")
def interests_get(request: HttpRequest) -> dict[str, object]:
    return _out(request)


@router.patch("/me/interests", response=InterestsOut, summary="Hide, add or reset topics of your profile (slugs)")
def interests_patch(request: HttpRequest, payload: InterestsPatch) -> dict[str, object]:
    profile.interests_update(
        actor=request.auth, user=request.auth, hide=payload.hide, add=payload.add, reset=payload.reset
    )
    return _out(request)
