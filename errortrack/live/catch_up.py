"""Catch-up: a page that was not connected (between its render and its websocket's handshake, or
while reconnecting) sends the server time of the last thing it heard (`since`), and hears what
changed after it."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from errortrack.models import Activity, Issue

CATCH_UP_LIMIT = 100  # issues seen again, and activity rows, read (the newest of each)
CATCH_UP_SLACK = timedelta(seconds=2)  # clocks of the web, the database and the digest
MAX_SINCE_LENGTH = 64


def parse_since(text: str | None) -> datetime | None:
    """The `since` a page sent (an ISO 8601 time this server gave it), or None if unusable."""
    if not text or len(text) > MAX_SINCE_LENGTH:
        return None
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    if moment is None or timezone.is_naive(moment):
        return None
    return moment


def changed_since(project_ids: list[int], since: datetime,
                  issue_id: int | None = None) -> dict[str, list[int]]:
    """What a page missed: issues seen again since `since` ("new" if first seen since), or
    given activity since (a status change, an assignment), most recent first. Two range reads
    on indexes (issues by last seen, activity by time): a quiet project costs nothing."""
    since = since - CATCH_UP_SLACK
    issues = Issue.objects.filter(project_id__in=project_ids, merged_into__isnull=True)
    activity = Activity.objects.filter(created_at__gte=since, issue__project_id__in=project_ids)
    if issue_id is not None:
        issues, activity = issues.filter(pk=issue_id), activity.filter(issue_id=issue_id)
    seen = issues.filter(last_seen__gte=since).order_by("-last_seen")
    found = dict(seen.values_list("pk", "first_seen")[:CATCH_UP_LIMIT])
    active = set(activity.values_list("issue_id", flat=True)[:CATCH_UP_LIMIT]) - set(found)
    if active:
        found.update(issues.filter(pk__in=active).values_list("pk", "first_seen"))
    result: dict[str, list[int]] = {"new": [], "changed": []}
    for pk, first_seen in list(found.items())[:CATCH_UP_LIMIT]:
        result["new" if first_seen >= since else "changed"].append(pk)
    return result
