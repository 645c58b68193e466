from django.http import HttpRequest


def unread(request: HttpRequest) -> dict[str, object]:
    """``notifications_unread``: the header badge (from the cache, ``unread_cache``; only for
    signed-in pages, and only when the template shows it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}

    def count() -> int:
        from lyceum.accounts.user_cache import viewer_prefetched

        from .unread_cache import unread_count

        return unread_count(user_id=user.pk, prefetched=viewer_prefetched(request, "unread"))

    from django.utils.functional import SimpleLazyObject

    return {"notifications_unread": SimpleLazyObject(count)}
