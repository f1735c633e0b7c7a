"""Client reports: what SDKs discarded, counted per project, day, reason and category."""

from datetime import datetime

from django.db.models import F

from errortrack.compat.json import text_field
from errortrack.compat.timestamp import parse_timestamp
from errortrack.digest.items.payload import json_object
from errortrack.models import DiscardCounts, InboxItem


def store_client_report(item: InboxItem, now: datetime) -> None:
    data = json_object(item)
    day = (parse_timestamp(data.get("timestamp")) or now).date()
    for key in ("discarded_events", "rate_limited_events", "filtered_events"):
        for entry in (data.get(key) or [])[:100]:
            quantity = entry.get("quantity") if isinstance(entry, dict) else None
            if not isinstance(quantity, int) or quantity <= 0:
                continue
            bucket, _ = DiscardCounts.objects.get_or_create(
                project_id=item.project_id, day=day,
                reason=text_field(entry.get("reason"), 64) or key,
                category=text_field(entry.get("category"), 64) or "default")
            DiscardCounts.objects.filter(pk=bucket.pk).update(quantity=F("quantity") + quantity)
