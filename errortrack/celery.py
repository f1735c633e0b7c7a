"""The Celery app used in scale-out mode (REDIS_URL set). Embedded mode never starts a worker."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errortrack.settings")

app = Celery("errortrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["errortrack.runtime"])


@worker_init.connect
def lower_worker_priority(**kwargs: object) -> None:
    """Digesting is throughput work; acknowledging events is latency work. Where a worker
    shares CPUs with web processes (one machine), the kernel should favour the web processes:
    a burst then waits in the inbox instead of slowing every SDK's request. With CPUs of its
    own the worker loses nothing."""
    from django.conf import settings

    if settings.ERRORTRACK_WORKER_NICE:
        os.nice(settings.ERRORTRACK_WORKER_NICE)


@app.on_after_finalize.connect
def schedule_periodic_jobs(sender: Celery, **kwargs: object) -> None:
    """Beat runs the same periodic jobs the embedded runner runs, at the same intervals."""
    from errortrack.runtime.jobs import periodic_jobs
    from errortrack.runtime.tasks import run_periodic_job

    for job in periodic_jobs():
        sender.add_periodic_task(job.interval_seconds, run_periodic_job.s(job.name), name=job.name)
