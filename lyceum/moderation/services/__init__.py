"""Moderation's writes, by area: ``rules`` (publish, accept), ``reports`` (members report),
``cases`` (the queue's decisions and sanctions), ``appeals`` and ``takedowns`` (copyright).
``common`` holds the log, the open case of a target and the notices."""
