"""Payment providers behind one interface. ``get_provider(name)`` returns the configured one."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .base import PaymentProvider, ProviderError, ProviderEvent, StartedCheckout, WebhookRejected

__all__ = ["PaymentProvider", "ProviderError", "ProviderEvent", "StartedCheckout", "WebhookRejected", "get_provider"]


def get_provider(name: str) -> PaymentProvider:
    """The provider registered under ``name`` in ``LYCEUM_PAYMENT_PROVIDERS`` (KeyError if none)."""
    path = settings.LYCEUM_PAYMENT_PROVIDERS[name]
    provider: PaymentProvider = import_string(path)()
    return provider
