"""Retention: events older than ERRORTRACK_EVENT_RETENTION_DAYS are deleted, in bounded chunks.

Issues, their counters, hourly buckets, tag value counts and releases stay: the issue stream and
charts keep their history while the bulky event documents go. Each chunk is its own short
transaction, so ingest and the digest are never blocked for long; a run stops after
MAX_CHUNKS_PER_RUN chunks and the next run carries on.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction

from errortrack.models import Event, EventAttachment, IssueUserHour, TransactionSummary, UserReport

CHUNK_ROWS = 1000
MAX_CHUNKS_PER_RUN = 100


def _delete_chunk(model: type[models.Model], time_field: str, cutoff: datetime) -> int:
    with transaction.atomic():
        ids = list(model.objects.filter(**{f"{time_field}__lt": cutoff})
                   .values_list("pk", flat=True)[:CHUNK_ROWS])
        if ids:
            model.objects.filter(pk__in=ids).delete()  # no cascades: one DELETE
        return len(ids)


def delete_expired(now: datetime) -> int:
    """Periodic job: delete what is past retention; return how many rows went."""
    cutoff = now - timedelta(days=settings.ERRORTRACK_EVENT_RETENTION_DAYS)
    deleted = chunks = 0
    for model, time_field in ((Event, "received_at"), (EventAttachment, "received_at"),
                              (UserReport, "received_at"), (TransactionSummary, "timestamp"),
                              (IssueUserHour, "hour")):
        while chunks < MAX_CHUNKS_PER_RUN:
            count = _delete_chunk(model, time_field, cutoff)
            deleted, chunks = deleted + count, chunks + 1
            if count < CHUNK_ROWS:
                break
    return deleted
