"""Retention: events older than their project's retention are deleted, in bounded chunks.

A project's `event_retention_days` wins; projects without one keep events for
ERRORTRACK_EVENT_RETENTION_DAYS. Issues, their counters, hourly buckets, tag value counts and
releases stay: the issue stream and charts keep their history while the bulky event documents
go. Each chunk is its own short transaction, so ingest and the digest are never blocked for
long; a run stops after MAX_CHUNKS_PER_RUN chunks that deleted something and the next run
carries on.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction

from errortrack.models import (
    Event,
    EventAttachment,
    IssueUserHour,
    Project,
    TransactionSummary,
    UserReport,
)

CHUNK_ROWS = 1000
MAX_CHUNKS_PER_RUN = 100
# Each kind of row, its time field, and the path from it to its project.
EXPIRING = ((Event, "received_at", "project"), (EventAttachment, "received_at", "project"),
            (UserReport, "received_at", "project"), (TransactionSummary, "timestamp", "project"),
            (IssueUserHour, "hour", "issue__project"))


def retention_policies(now: datetime) -> list[tuple[int | None, datetime]]:
    """(days a project sets, or None for the global default; the cutoff for those projects),
    one per distinct retention, so a run costs a few queries however many projects there are."""
    custom = (Project.objects.filter(event_retention_days__isnull=False)
              .values_list("event_retention_days", flat=True).distinct().order_by())
    days = [None, *sorted({d for d in custom if d is not None})]
    return [(d, now - timedelta(days=d or settings.ERRORTRACK_EVENT_RETENTION_DAYS))
            for d in days]


def _delete_chunk(rows: models.QuerySet) -> int:
    with transaction.atomic():
        ids = list(rows.values_list("pk", flat=True)[:CHUNK_ROWS])
        if ids:
            rows.model._default_manager.filter(pk__in=ids).delete()  # no cascades: one DELETE
        return len(ids)


def _expired(model: type[models.Model], time_field: str, project_path: str,
             days: int | None, cutoff: datetime) -> models.QuerySet:
    """Rows of the projects keeping events `days` days (None: the default) older than cutoff."""
    lookup = (f"{project_path}__event_retention_days__isnull" if days is None
              else f"{project_path}__event_retention_days")
    return model._default_manager.filter(**{f"{time_field}__lt": cutoff,
                                            lookup: True if days is None else days})


def delete_expired(now: datetime) -> int:
    """Periodic job: delete what is past retention; return how many rows went."""
    deleted = chunks = 0
    for days, cutoff in retention_policies(now):
        for model, time_field, project_path in EXPIRING:
            rows = _expired(model, time_field, project_path, days, cutoff)
            while chunks < MAX_CHUNKS_PER_RUN:
                count = _delete_chunk(rows)
                deleted, chunks = deleted + count, chunks + (count > 0)
                if count < CHUNK_ROWS:
                    break
    return deleted
