"""Celery tasks: thin wrappers that run the same single-step functions embedded mode runs."""

from celery import shared_task
from django.utils import timezone

from errortrack.jobs import get_job


@shared_task(name="errortrack.run_periodic_job")
def run_periodic_job(name: str) -> None:
    get_job(name).func(timezone.now())


@shared_task(name="errortrack.consume_inbox")
def consume_inbox_task() -> None:
    """Rung after an ingest commit; carries no payload (the inbox is the source of truth)."""
    from errortrack.ingest.consume import consume_inbox

    consume_inbox(timezone.now())
