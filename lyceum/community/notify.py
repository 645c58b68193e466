"""Event handlers that turn community activity into notifications (registered on import)."""
