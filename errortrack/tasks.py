"""Celery tasks: thin wrappers that run the same single-step functions embedded mode runs."""

from celery import shared_task
from django.utils import timezone

from errortrack.jobs import get_job


@shared_task(name="errortrack.run_periodic_job")
def run_periodic_job(name: str) -> None:
    get_job(name).func(timezone.now())

