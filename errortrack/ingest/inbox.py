"""Write accepted items durably, then ring the doorbell: the SDK's 200 comes after this."""

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from errortrack.models import InboxItem

# Embedded mode: the background runner waits on this; ingest sets it after a commit.
doorbell = threading.Event()


@dataclass(slots=True)
class Accepted:
    item_type: str
    event_id: str
    headers: dict
    payload: bytes


def write_items(project_id: int, items: Sequence[Accepted], client_ip: str | None) -> None:
    """Store the items in one transaction and wake a consumer once it has committed."""
    with transaction.atomic():
        InboxItem.objects.bulk_create([
            InboxItem(project_id=project_id, item_type=item.item_type, event_id=item.event_id,
                      headers=item.headers, payload=item.payload, client_ip=client_ip)
            for item in items
        ])
    ring_doorbell()


def ring_doorbell() -> None:
    """Tell a consumer there is work. The inbox is the truth, so a lost ring only delays it."""
    if settings.EMBEDDED:
        doorbell.set()
        return
    from errortrack.tasks import consume_inbox_task

    try:
        consume_inbox_task.delay()
    except Exception:  # broker down: beat's periodic consume picks the items up later
        import logging

        logging.getLogger(__name__).warning("could not ring the doorbell", exc_info=True)
