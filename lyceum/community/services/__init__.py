"""Writes for the community, one module per area: ``spaces``, ``groups``, ``events``.

Every function is ``noun_verb(*, actor, ...)``, runs in one transaction and emits its event.
"""
