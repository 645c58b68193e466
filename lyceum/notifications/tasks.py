from celery import shared_task

from .services import digest_send, email_send_pending


@shared_task(acks_late=True)
def email_send_pending_task(notification_ids: list[int] | None = None, dedupe_key: str | None = None) -> int:
    return email_send_pending(notification_ids=notification_ids, dedupe_key=dedupe_key)


@shared_task(acks_late=True)
def digest_send_task() -> int:
    """For Celery beat (daily); cron runs ``manage.py send_notification_digest`` instead."""
    return digest_send()
