from celery import shared_task

from .services import MailNotSent, digest_send, email_send_pending


@shared_task(
    acks_late=True,
    autoretry_for=(MailNotSent,),
    retry_backoff=60,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
)
def email_send_pending_task(notification_ids: list[int] | None = None, dedupe_key: str | None = None) -> int:
    """Mail notifications off the request. A failed send (SMTP error) retries the task with
    backoff; what was sent is claimed (``emailed_at``) and not mailed again by the retry. After
    the last retry the daily digest run still catches up what is left."""
    return email_send_pending(notification_ids=notification_ids, dedupe_key=dedupe_key, raise_on_failure=True)


@shared_task(acks_late=True)
def digest_send_task() -> int:
    """For Celery beat (daily); cron runs ``manage.py send_notification_digest`` instead."""
    return digest_send()
