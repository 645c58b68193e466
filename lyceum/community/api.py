"""The community's ``/api/v1`` routes (spaces and threads; groups and events)."""

from ninja import Router

router = Router(tags=["community"])
