"""One consumer per kept item type other than events: turn an inbox item into what it is stored
as (events and feedback go through errortrack.digest).

Each takes the InboxItem and `now`, runs inside the transaction that deletes the item, and raises
to fail it (the inbox retries, then quarantines). Storing is idempotent where an item has an id.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from errortrack.compat.json import JSONError, loads_lenient, text_field
from errortrack.compat.timestamp import parse_timestamp
from errortrack.models import (
    DiscardCounts,
    EventAttachment,
    InboxItem,
    SessionCounts,
    TransactionSummary,
    UserReport,
)
from health.crons import record_check_in

SESSION_OUTCOMES = ("exited", "errored", "crashed", "abnormal")


def _json_object(item: InboxItem) -> dict:
    data = loads_lenient(bytes(item.payload))
    if not isinstance(data, dict):
        raise JSONError(f"{item.item_type} payload is not a JSON object")
    return data



def _create_once(model: type, **fields: object) -> None:
    try:
        with transaction.atomic():
            model.objects.create(**fields)
    except IntegrityError:
        pass  # stored by an earlier attempt


def store_transaction(item: InboxItem, now: datetime) -> None:
    data = _json_object(item)
    trace = (data.get("contexts") or {}).get("trace") or {}
    start = parse_timestamp(data.get("start_timestamp"))
    end = parse_timestamp(data.get("timestamp"))
    duration = (end - start).total_seconds() * 1000 if start and end else None
    _create_once(TransactionSummary, project_id=item.project_id, event_id=item.event_id,
                 name=text_field(data.get("transaction"), 200), op=text_field(trace.get("op"), 64),
                 status=text_field(trace.get("status"), 32), duration_ms=duration,
                 release=text_field(data.get("release"), 200),
                 environment=text_field(data.get("environment"), 64), timestamp=end or now)


def _add_session_counts(item: InboxItem, attrs: dict, started: datetime | None,
                        counts: dict[str, int]) -> None:
    release = text_field(attrs.get("release"), 200)
    if not release or started is None or not any(counts.values()):
        return  # Relay discards sessions without a release
    bucket, _ = SessionCounts.objects.get_or_create(
        project_id=item.project_id, release=release,
        environment=text_field(attrs.get("environment"), 64),
        minute=started.replace(second=0, microsecond=0))
    SessionCounts.objects.filter(pk=bucket.pk).update(
        **{name: F(name) + n for name, n in counts.items() if n})


def store_session(item: InboxItem, now: datetime) -> None:
    """One session update: counted when it starts (init) and when it ends (terminal status)."""
    data = _json_object(item)
    status, ended = data.get("status"), data.get("status") in ("exited", "crashed", "abnormal")
    errors = data.get("errors") if isinstance(data.get("errors"), int) else 0
    counts = {"started": 1 if data.get("init") is True else 0,
              "exited": 1 if status == "exited" and not errors else 0,
              "errored": 1 if ended and errors > 0 and status == "exited" else 0,
              "crashed": 1 if status == "crashed" else 0,
              "abnormal": 1 if status == "abnormal" else 0}
    _add_session_counts(item, data.get("attrs") or {}, parse_timestamp(data.get("started")),
                        counts)


def store_sessions(item: InboxItem, now: datetime) -> None:
    """Aggregates from server SDKs: each group is sessions that started in one minute."""
    data = _json_object(item)
    for group in (data.get("aggregates") or [])[:100]:
        if not isinstance(group, dict):
            continue
        counts = {name: group[name] if isinstance(group.get(name), int) and group[name] > 0
                  else 0 for name in SESSION_OUTCOMES}
        counts["started"] = sum(counts.values())
        _add_session_counts(item, data.get("attrs") or {}, parse_timestamp(group.get("started")),
                            counts)


def store_client_report(item: InboxItem, now: datetime) -> None:
    data = _json_object(item)
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


def store_check_in(item: InboxItem, now: datetime) -> None:
    """Cron check-ins: health.crons keeps the run and moves its monitor on."""
    record_check_in(item.project_id, _json_object(item), item.received_at or now, now)


def store_attachment(item: InboxItem, now: datetime) -> None:
    headers = item.headers.get("item", {})
    EventAttachment.objects.create(
        project_id=item.project_id, event_id=item.event_id,
        filename=text_field(headers.get("filename"), 255) or "attachment",
        content_type=text_field(headers.get("content_type"), 100),
        attachment_type=text_field(headers.get("attachment_type"), 64) or "event.attachment",
        data=bytes(item.payload), size=len(item.payload))


def store_user_report(item: InboxItem, now: datetime) -> None:
    data = _json_object(item)
    UserReport.objects.create(project_id=item.project_id, event_id=item.event_id,
                              name=text_field(data.get("name"), 128),
                              email=text_field(data.get("email"), 128),
                              comments=text_field(data.get("comments"), 4096))


# Events and feedback are digested (errortrack.digest); these are the other kept types.
CONSUMERS = {
    "transaction": store_transaction,
    "session": store_session,
    "sessions": store_sessions,
    "client_report": store_client_report,
    "check_in": store_check_in,
    "attachment": store_attachment,
    "user_report": store_user_report,
}
