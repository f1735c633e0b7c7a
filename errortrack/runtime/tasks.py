"""Celery tasks: thin wrappers that run the same single-step functions embedded mode runs."""

from celery import shared_task
from django.utils import timezone

from errortrack.runtime.jobs import get_job


@shared_task(name="errortrack.run_periodic_job")
def run_periodic_job(name: str) -> None:
    get_job(name).func(timezone.now())


def send_wakeup(job_name: str) -> None:
    """errortrack.wakeup's sender in scale-out mode: a task that carries only the job's name."""
    run_periodic_job.delay(job_name)
