from celery import shared_task

from lyceum.core.events import event_dispatch


@shared_task(acks_late=True)
def event_dispatch_task(event_id: int) -> int:
    return event_dispatch(event_id=event_id)
