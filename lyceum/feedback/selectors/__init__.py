"""Reads for feedback: ``reviews``, ``surveys`` and ``analysis``."""
