"""Placeholder: being written (this session)."""


def register() -> None:
    pass
