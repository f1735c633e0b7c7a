"""Heartbeats written by background components, so health checks can tell they are alive.

- `scheduler`: the periodic jobs run (embedded: the background child; scale-out: beat
  schedules, a worker runs it).
- `digest`: the inbox consumer completes batches (embedded: the background child; scale-out:
  the Celery workers). Written at most every few seconds per process, not per batch.
"""

import time
from datetime import datetime

from health.models import Heartbeat

SCHEDULER = "scheduler"
DIGEST = "digest"
COMPONENTS = (SCHEDULER, DIGEST)
DIGEST_WRITE_INTERVAL_SECONDS = 5.0

_digest_written_at = float("-inf")


def record(name: str, now: datetime) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen": now})


def record_scheduler_heartbeat(now: datetime) -> None:
    """Periodic job: the scheduler (embedded runner or Celery beat + worker) is running."""
    record(SCHEDULER, now)


def record_digest_heartbeat(now: datetime) -> None:
    """The consumer finished a pass; throttled so a busy digest does not write each batch."""
    global _digest_written_at
    if time.monotonic() - _digest_written_at >= DIGEST_WRITE_INTERVAL_SECONDS:
        record(DIGEST, now)
        _digest_written_at = time.monotonic()


def last_seen(name: str) -> datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("last_seen", flat=True).first()
