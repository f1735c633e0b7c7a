"""Release health: session updates and session aggregates, counted per release and minute."""

from datetime import datetime

from django.db.models import F

from errortrack.compat.json import text_field
from errortrack.compat.timestamp import parse_timestamp
from errortrack.digest.items.payload import json_object
from errortrack.models import InboxItem, SessionCounts

SESSION_OUTCOMES = ("exited", "errored", "crashed", "abnormal")


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
    data = json_object(item)
    status, ended = data.get("status"), data.get("status") in ("exited", "crashed", "abnormal")
    errors = data.get("errors")
    if not isinstance(errors, int):
        errors = 0
    counts = {"started": 1 if data.get("init") is True else 0,
              "exited": 1 if status == "exited" and not errors else 0,
              "errored": 1 if ended and errors > 0 and status == "exited" else 0,
              "crashed": 1 if status == "crashed" else 0,
              "abnormal": 1 if status == "abnormal" else 0}
    _add_session_counts(item, data.get("attrs") or {}, parse_timestamp(data.get("started")),
                        counts)


def store_sessions(item: InboxItem, now: datetime) -> None:
    """Aggregates from server SDKs: each group is sessions that started in one minute."""
    data = json_object(item)
    for group in (data.get("aggregates") or [])[:100]:
        if not isinstance(group, dict):
            continue
        counts = {name: group[name] if isinstance(group.get(name), int) and group[name] > 0
                  else 0 for name in SESSION_OUTCOMES}
        counts["started"] = sum(counts.values())
        _add_session_counts(item, data.get("attrs") or {}, parse_timestamp(group.get("started")),
                            counts)
