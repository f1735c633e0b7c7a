"""Group commit for the inbox: concurrent requests share one transaction, each acked after it.

A request hands its items to the batcher and waits. One flush at a time runs in the sync thread:
it takes everything queued so far, applies the rate limits, writes all admitted items in one
transaction (one commit, one fsync) and rings the doorbell once. Requests that arrive while a
flush runs form the next batch, so batches grow with load and a lone request waits for no one.
A request is answered only after the commit that holds its items; if the write fails, every
request of that batch gets 503 and nothing of it was acknowledged.
"""

import asyncio
import logging
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.db import close_old_connections, transaction

from errortrack.compat.errors import RequestRejected
from errortrack.ingest.inbox import Accepted, inbox_row, ring_doorbell
from errortrack.ingest.keys import KeyInfo
from errortrack.ingest.quotas import Limited, grant
from errortrack.models import InboxItem

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Pending:
    key: KeyInfo
    items: list[Accepted]
    client_ip: str | None
    done: asyncio.Future
    limited: list[Limited] = field(default_factory=list)
    dropped_events: int = 0


@dataclass(frozen=True, slots=True)
class Admission:
    """What the rate limits did to one request's items."""

    limited: list[Limited]
    dropped_events: int  # event items refused (each Limited names a refused category)


def admit(batch: list[Pending]) -> list[InboxItem]:
    """The inbox rows of everything the rate limits let through; refusals go on each Pending."""
    demands = [(p.key, sum(item.item_type == "event" for item in p.items)) for p in batch]
    rows = []
    for pending, (allowed, refusal) in zip(batch, grant(demands), strict=True):
        if refusal is not None:
            pending.limited.append(refusal)
        for item in pending.items:
            if item.item_type == "event":
                if allowed <= 0:
                    pending.dropped_events += 1
                    continue
                allowed -= 1
            rows.append(inbox_row(pending.key.project_id, item, pending.client_ip))
    return rows


def write_batch(batch: list[Pending]) -> None:
    """One INSERT and one transaction for the whole batch, then one doorbell ring."""
    try:
        with transaction.atomic():
            InboxItem.objects.bulk_create(admit(batch))
    finally:
        # As Django does after each request: return the connection to the pool, and never keep
        # one broken by a database restart.
        close_old_connections()
    ring_doorbell()


class InboxBatcher:
    def __init__(self) -> None:
        self._queue: list[Pending] = []
        self._flushing = False

    async def write(self, key: KeyInfo, items: list[Accepted],
                    client_ip: str | None) -> Admission:
        """Store `items` durably (or raise RequestRejected 503); return what was rate limited."""
        pending = Pending(key, items, client_ip, asyncio.get_running_loop().create_future())
        self._queue.append(pending)
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        await pending.done
        return Admission(pending.limited, pending.dropped_events)

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    await sync_to_async(write_batch)(batch)
                except Exception:
                    log.exception("inbox write failed for %d requests", len(batch))
                    for pending in batch:
                        if not pending.done.done():  # its request may have gone away
                            pending.done.set_exception(RequestRejected(
                                "could not store the event; try again later", 503))
                    continue
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_result(None)
        finally:
            self._flushing = False


batcher = InboxBatcher()
