"""Heartbeats written by background components, so health checks can tell they are alive."""

from datetime import datetime

from health.models import Heartbeat

SCHEDULER = "scheduler"


def record_scheduler_heartbeat(now: datetime) -> None:
    """Periodic job: the scheduler (embedded runner or Celery beat + worker) is running."""
    Heartbeat.objects.update_or_create(name=SCHEDULER, defaults={"last_seen": now})


def last_seen(name: str) -> datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("last_seen", flat=True).first()
