"""Transactions: one summary row per transaction event (name, op, status, duration)."""

from datetime import datetime

from errortrack.compat.json import text_field
from errortrack.compat.timestamp import parse_timestamp
from errortrack.digest.items.payload import create_once, json_object
from errortrack.models import InboxItem, TransactionSummary


def store_transaction(item: InboxItem, now: datetime) -> None:
    data = json_object(item)
    trace = (data.get("contexts") or {}).get("trace") or {}
    start = parse_timestamp(data.get("start_timestamp"))
    end = parse_timestamp(data.get("timestamp"))
    duration = (end - start).total_seconds() * 1000 if start and end else None
    create_once(TransactionSummary, project_id=item.project_id, event_id=item.event_id,
                 name=text_field(data.get("transaction"), 200), op=text_field(trace.get("op"), 64),
                 status=text_field(trace.get("status"), 32), duration_ms=duration,
                 release=text_field(data.get("release"), 200),
                 environment=text_field(data.get("environment"), 64), timestamp=end or now)
