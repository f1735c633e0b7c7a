"""The pipeline's state as readiness and /metrics see it: inbox depth and age, quarantine,
and how long ago each background component proved alive."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q

from errortrack.models import InboxItem
from health.heartbeat import COMPONENTS
from health.models import Heartbeat


@dataclass(frozen=True)
class QueueState:
    depth: int
    oldest_age_seconds: float
    quarantined: int
    heartbeat_ages: dict[str, float | None]  # None: never seen


def queue_state(now: datetime) -> QueueState:
    counts = InboxItem.objects.aggregate(
        waiting=Count("id", filter=Q(quarantined=False)),
        set_aside=Count("id", filter=Q(quarantined=True)),
        oldest=Min("received_at", filter=Q(quarantined=False)))
    oldest = counts["oldest"]
    seen = dict(Heartbeat.objects.filter(name__in=COMPONENTS)
                .values_list("name", "last_seen"))
    return QueueState(
        depth=counts["waiting"], quarantined=counts["set_aside"],
        oldest_age_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        heartbeat_ages={name: (max(0.0, (now - seen[name]).total_seconds())
                               if name in seen else None) for name in COMPONENTS})
