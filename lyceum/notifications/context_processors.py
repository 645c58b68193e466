from django.http import HttpRequest


def unread(request: HttpRequest) -> dict[str, object]:
    """``notifications_unread``: the header badge (one indexed COUNT, only for signed-in pages)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}

    def count() -> int:
        from .models import Notification

        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    from django.utils.functional import SimpleLazyObject

    return {"notifications_unread": SimpleLazyObject(count)}
