"""Celery tasks: thin wrappers that run the same single-step functions embedded mode runs."""

from celery import shared_task
from django.utils import timezone

from errortrack.jobs import CONSUME_JOB, get_job


@shared_task(name="errortrack.run_periodic_job")
def run_periodic_job(name: str) -> None:
    get_job(name).func(timezone.now())


def ring_consume() -> None:
    """The scale-out doorbell: a consume task that carries only a name (the inbox is the truth)."""
    run_periodic_job.delay(CONSUME_JOB)
