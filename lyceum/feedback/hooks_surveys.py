"""Hook providers of the surveys area (registered by FeedbackConfig.ready)."""


def register() -> None:
    return None
