"""Catch-up: a page that was not connected (between its render and its websocket's handshake, or
while reconnecting) sends the server time of the last thing it heard (`since`), and hears what
changed after it, in the shape of an announcement (errortrack.live.publish)."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from errortrack.live.publish import Announcement
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


def merged_children(data: object) -> list[int]:
    """The issue ids a merge's activity entry records (errortrack.actions.merge_issues)."""
    children = data.get("children") if isinstance(data, dict) else None
    if not isinstance(children, list):
        return []
    return [int(child) for child in children if isinstance(child, str) and child.isdecimal()]


def changed_since(project_ids: list[int], since: datetime,
                  issue_id: int | None = None) -> Announcement:
    """What a page missed, most recent first: issues seen again since `since` ("new" if first
    seen since, else "changed"), issues with activity since ("updated": a status change, an
    assignment, a comment), and issues merged away since ("merged", read from their parent's
    merge entry). Range reads on indexes (issues by last seen, activity by time): a quiet
    project costs nothing. A deleted issue leaves nothing behind to find."""
    since = since - CATCH_UP_SLACK
    issues = Issue.objects.filter(project_id__in=project_ids, merged_into__isnull=True)
    activity = Activity.objects.filter(created_at__gte=since, issue__project_id__in=project_ids)
    merges = activity.filter(kind=Activity.Kind.MERGE).values_list("issue_id", "data")
    merged = [[child, parent] for parent, data in merges[:CATCH_UP_LIMIT]
              for child in merged_children(data) if issue_id in (None, child)]
    if issue_id is not None:
        issues, activity = issues.filter(pk=issue_id), activity.filter(issue_id=issue_id)
    seen = issues.filter(last_seen__gte=since).order_by("-last_seen")
    found = dict(seen.values_list("pk", "first_seen")[:CATCH_UP_LIMIT])
    new = [pk for pk, first_seen in found.items() if first_seen >= since]
    active = set(activity.values_list("issue_id", flat=True)[:CATCH_UP_LIMIT]) - set(new)
    updated = (list(issues.filter(pk__in=active).order_by("-last_seen")
                    .values_list("pk", flat=True)) if active else [])
    changed = [pk for pk in found if pk not in new and pk not in updated]
    return {"new": new, "changed": changed[:CATCH_UP_LIMIT], "updated": updated,
            "merged": merged[:CATCH_UP_LIMIT]}
