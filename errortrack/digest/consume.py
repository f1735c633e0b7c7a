"""Consume the inbox: turn each accepted item into what it is stored as, then delete it.

Events (and feedback) go through the digest (errortrack.digest.pipeline) in batches; every other
item type has a storer of its own (errortrack.digest.items), called in arrival order, a
batch per transaction.

Claiming: on PostgreSQL rows are claimed with SELECT … FOR UPDATE SKIP LOCKED in a transaction
that lasts the whole batch, so several workers never take the same rows, and a worker that dies
mid-batch rolls back: its locks go and the rows are claimed again (storing is idempotent by
(project, event_id)). On SQLite, embedded mode has exactly one digester, so rows are read without
a transaction and only the writes take SQLite's lock, keeping ingest waits short.

Failures: an item whose preparation fails fails alone. A batch whose store fails is split in
halves and retried until the failing item is alone. A failed item is retried at later runs and
quarantined with its error after ERRORTRACK_INBOX_MAX_ATTEMPTS; it never blocks the items behind
it.
"""

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from errortrack import metrics
from errortrack.digest import pipeline
from errortrack.digest.items import storer_for
from errortrack.models import InboxItem

log = logging.getLogger(__name__)
DIGESTED_TYPES = {"event", "feedback"}
Failures = list[tuple[InboxItem, Exception]]
# Called after every batch with the clock's time (the health app records the digest heartbeat).
batch_hooks: list[Callable[[datetime], None]] = []


def after_each_batch(hook: Callable[[datetime], None]) -> None:
    if hook not in batch_hooks:
        batch_hooks.append(hook)


def _claims_lock_rows() -> bool:
    return connection.features.has_select_for_update_skip_locked


def _claim(batch_size: int) -> list[InboxItem]:
    pending = InboxItem.objects.filter(quarantined=False).order_by("attempts", "id")
    if _claims_lock_rows():
        pending = pending.select_for_update(skip_locked=True)
    return list(pending[:batch_size])


def _record_failure(item: InboxItem, exc: Exception) -> None:
    log.warning("inbox item %s (%s) failed: %s: %s", item.pk, item.item_type,
                type(exc).__name__, exc)
    quarantine = item.attempts + 1 >= settings.ERRORTRACK_INBOX_MAX_ATTEMPTS
    with transaction.atomic():
        InboxItem.objects.filter(pk=item.pk).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000],
            quarantined=quarantine)
    if quarantine:
        metrics.inbox_quarantined.inc()


def store_halving(store: Callable[[list[Any]], object], batch: Sequence[Any],
                  item_of: Callable[[Any], InboxItem]) -> tuple[int, Failures]:
    """Store `batch` in one transaction; if that fails, each half in its own, down to the item
    that fails alone. Returns (stored, failures)."""
    try:
        with transaction.atomic():
            store(list(batch))
        return len(batch), []
    except Exception as exc:
        if len(batch) == 1:
            return 0, [(item_of(batch[0]), exc)]
    middle = len(batch) // 2
    stored_a, failed_a = store_halving(store, batch[:middle], item_of)
    stored_b, failed_b = store_halving(store, batch[middle:], item_of)
    return stored_a + stored_b, failed_a + failed_b


def _digest(items: list[InboxItem]) -> tuple[int, Failures]:
    prepared, failures = pipeline.prepare_batch(items)
    by_inbox_id = {item.pk: item for item in items}
    stored, store_failures = store_halving(pipeline.store, prepared,
                                           lambda p: by_inbox_id[p.inbox_id])
    return stored, failures + store_failures


def _consume_each(items: list[InboxItem], now: datetime) -> None:
    """The other item types, in arrival order, in the caller's transaction (one commit for the
    batch: a commit per item held SQLite's write lock once per check-in)."""
    for item in items:
        storer_for(item.item_type)(item, now)
    InboxItem.objects.filter(pk__in=[item.pk for item in items]).delete()


def consume_batch(now: datetime, batch_size: int | None = None) -> tuple[int, int]:
    """One step: consume up to `batch_size` items; return (stored, failed)."""
    started = time.perf_counter()
    claimed, stored, failed = _consume_claimed(now, batch_size)
    # The clock, not `now`: one consume_inbox run passes the same `now` to every batch of a
    # long drain, and a busy consumer must not look stale.
    finished = timezone.now()
    for hook in batch_hooks:
        hook(finished)
    if claimed:
        metrics.digest_duration.observe(time.perf_counter() - started)
        metrics.digest_batch_size.observe(claimed)
        metrics.digest_items.labels("stored").inc(stored)
        metrics.digest_items.labels("failed").inc(failed)
    return stored, failed


def _consume_claimed(now: datetime, batch_size: int | None) -> tuple[int, int, int]:
    """Claim, consume and commit one batch; return (claimed, stored, failed)."""
    with transaction.atomic() if _claims_lock_rows() else nullcontext():
        items = _claim(batch_size or settings.ERRORTRACK_CONSUME_BATCH_SIZE)
        digested = [item for item in items if item.item_type in DIGESTED_TYPES]
        stored, failures = _digest(digested) if digested else (0, [])
        others = sorted((item for item in items if item.item_type not in DIGESTED_TYPES),
                        key=lambda item: item.pk)
        if others:
            done, failed = store_halving(lambda batch: _consume_each(batch, now), others,
                                         lambda i: i)
            stored, failures = stored + done, failures + failed
        for item, exc in failures:
            _record_failure(item, exc)
    return len(items), stored, len(failures)


def consume_inbox(now: datetime) -> int:
    """Periodic job: drain the inbox; return how many items were stored.

    It stops at a batch with no success, so a failing item is retried at the next run, not in a
    tight loop.
    """
    total = 0
    while (stored := consume_batch(now)[0]) > 0:
        total += stored
    return total
