"""Heartbeats written by background components, so health checks can tell they are alive.

- `scheduler`: the periodic jobs run (embedded: the background child; scale-out: beat
  schedules, a worker runs it).
- `digest`: the inbox consumer completes batches (embedded: the background child; scale-out:
  the Celery workers). Written at most every few seconds per process, not per batch.
"""

from datetime import datetime, timedelta

from health.models import Heartbeat

SCHEDULER = "scheduler"
DIGEST = "digest"
COMPONENTS = (SCHEDULER, DIGEST)
DIGEST_WRITE_INTERVAL = timedelta(seconds=5)

_digest_written_at: datetime | None = None  # by this process


def record(name: str, now: datetime) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen": now})


def record_scheduler_heartbeat(now: datetime) -> None:
    """Periodic job: the scheduler (embedded runner or Celery beat + worker) is running."""
    record(SCHEDULER, now)


def record_digest_heartbeat(now: datetime) -> None:
    """The consumer finished a pass; throttled so a busy digest does not write each batch. A
    clock that went back (`now` before the last write) writes at once."""
    global _digest_written_at
    last = _digest_written_at
    if last is None or not timedelta(0) <= now - last < DIGEST_WRITE_INTERVAL:
        record(DIGEST, now)
        _digest_written_at = now


def last_seen(name: str) -> datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("last_seen", flat=True).first()
