"""Reads for the community, one module per area: ``spaces``, ``groups``, ``events``."""
