"""Consume the inbox: turn each accepted item into what it is stored as, then delete it.

Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite's IMMEDIATE transaction
serializes instead) inside the transaction that stores them. A consumer that dies mid-batch rolls
back, its locks go, and the rows are claimed again; storing is idempotent by (project, event_id).
An item that keeps failing is quarantined with its error after a few attempts and never blocks
the items behind it.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from errortrack.ingest.consumers import BATCH_CONSUMERS, CONSUMERS
from errortrack.models import InboxItem

log = logging.getLogger(__name__)


def _claim(batch_size: int) -> list[InboxItem]:
    pending = InboxItem.objects.filter(quarantined=False).order_by("attempts", "id")
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True)
    return list(pending[:batch_size])


def _record_failure(item: InboxItem, exc: Exception) -> None:
    attempts = item.attempts + 1
    InboxItem.objects.filter(pk=item.pk).update(
        attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000],
        quarantined=attempts >= settings.ERRORTRACK_INBOX_MAX_ATTEMPTS)


def _consume_together(items: list[InboxItem], now: datetime) -> None:
    """The fast path: batchable types many rows per query, one DELETE for the whole batch."""
    by_type: dict[str, list[InboxItem]] = {}
    for item in items:
        by_type.setdefault(item.item_type, []).append(item)
    for item_type, group in by_type.items():
        if item_type in BATCH_CONSUMERS:
            BATCH_CONSUMERS[item_type](group, now)
        else:
            for item in group:
                CONSUMERS[item_type](item, now)
    InboxItem.objects.filter(pk__in=[item.pk for item in items]).delete()


def _consume_one_by_one(items: list[InboxItem], now: datetime) -> tuple[int, int]:
    """The slow path, when the batch failed: each item alone, so one bad item fails alone."""
    stored = failed = 0
    for item in items:
        try:
            with transaction.atomic():
                CONSUMERS[item.item_type](item, now)
                item.delete()
            stored += 1
        except Exception as exc:
            log.warning("inbox item %s failed: %s", item.pk, exc)
            _record_failure(item, exc)
            failed += 1
    return stored, failed


def consume_batch(now: datetime, batch_size: int | None = None) -> tuple[int, int]:
    """One step: consume up to `batch_size` items; return (stored, failed)."""
    with transaction.atomic():
        items = _claim(batch_size or settings.ERRORTRACK_CONSUME_BATCH_SIZE)
        try:
            with transaction.atomic():
                _consume_together(items, now)
            return len(items), 0
        except Exception:
            log.info("batch of %d failed together; retrying its items one by one", len(items))
        return _consume_one_by_one(items, now)


def consume_inbox(now: datetime) -> int:
    """Periodic job: drain the inbox; return how many items were stored.

    It stops at a batch with no success, so a failing item is retried at the next run, not in a
    tight loop.
    """
    total = 0
    while (stored := consume_batch(now)[0]) > 0:
        total += stored
    return total
