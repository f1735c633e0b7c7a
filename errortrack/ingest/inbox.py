"""The inbox: items stored durably before the SDK gets its 200, and the doorbell for consumers."""

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from errortrack import wakeup
from errortrack.models import InboxItem


# Embedded mode: the background runner waits on this; ingest sets it after a commit. `serve`
# swaps in a cross-process event when the runner lives in a child process.
class Doorbell(Protocol):
    """threading.Event or multiprocessing.Event."""

    def set(self) -> None: ...
    def clear(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...


doorbell: Doorbell = threading.Event()


def use_doorbell(event: Doorbell) -> None:
    global doorbell
    doorbell = event


@dataclass(slots=True)
class Accepted:
    item_type: str
    event_id: str
    headers: dict
    payload: bytes


def inbox_row(project_id: int, item: Accepted, client_ip: str | None) -> InboxItem:
    """The unsaved row for an accepted item (errortrack.ingest.batcher inserts and commits)."""
    return InboxItem(project_id=project_id, item_type=item.item_type, event_id=item.event_id,
                     headers=item.headers, payload=item.payload, client_ip=client_ip)


_ring_lock = threading.Lock()
_ring_scheduled = False


def ring_doorbell() -> None:
    """Tell a consumer there is work. The inbox is the truth, so a lost ring only delays it.

    Scale-out: rings within ERRORTRACK_DOORBELL_COALESCE_SECONDS share one Celery task. The flag
    is cleared just before the task is sent, so every commit that saw it set is covered by a ring
    sent after that commit.
    """
    global _ring_scheduled
    if settings.EMBEDDED:
        doorbell.set()
        return
    with _ring_lock:
        if _ring_scheduled:
            return
        _ring_scheduled = True
    timer = threading.Timer(settings.ERRORTRACK_DOORBELL_COALESCE_SECONDS, _send_ring)
    timer.daemon = True
    timer.start()


def _send_ring() -> None:
    global _ring_scheduled
    with _ring_lock:
        _ring_scheduled = False
    try:
        wakeup.wake(wakeup.CONSUME_JOB)  # carries only a name: the inbox is the truth
    except Exception:  # broker down: beat's periodic consume picks the items up later
        logging.getLogger(__name__).warning("could not ring the doorbell", exc_info=True)
