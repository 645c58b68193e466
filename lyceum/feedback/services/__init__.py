"""Writes for feedback: ``reviews`` and ``surveys``."""
