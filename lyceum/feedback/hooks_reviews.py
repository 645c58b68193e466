"""Hook providers of the reviews area (registered by FeedbackConfig.ready)."""


def register() -> None:
    return None
