"""The live-updates websocket: `/ws/live/?projects=1,2[&issue=7][&query=…][&since=…]`.

A logged-in member's page (the issue stream, or one issue) opens it; it joins the groups of the
projects the user may see among those asked for (others are ignored, so nothing leaks), and on
each announcement (errortrack.live.publish) sends the page what changed: new rows for the stream,
rendered by the same template as the page (autoescaped), and fresh counts. Every update carries
`at`, the server time it was taken; a page reconnecting sends the last one as `since` (at first,
the time the page was rendered) and is first sent what it missed.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.timesince import timesince

from errortrack import access
from errortrack.live import catch_up, publish
from errortrack.models import Issue
from errortrack.queries import search

MAX_PROJECTS = 100
# The stream's rows as the page renders them: (issues, user, stats period) → [{"id", "html"}].
# The HTML layer plugs its renderer in (ErrortrackConfig.ready), so live never imports pages.
RowRenderer = Callable[[list[Issue], User, str], list[dict]]


def _no_renderer(issues: list[Issue], user: User, period: str) -> list[dict]:
    raise RuntimeError("no issue-row renderer plugged in")


render_rows: RowRenderer = _no_renderer


def use_row_renderer(renderer: RowRenderer) -> None:
    global render_rows
    render_rows = renderer


def requested_ids(text: str, limit: int) -> list[int]:
    ids = [access.object_id(part) for part in text.split(",")[:limit]]
    return [pk for pk in ids if pk is not None]


def visible_projects(user: User, wanted: list[int]) -> list[int]:
    return list(access.projects_for_user(user).filter(pk__in=wanted).values_list("pk", flat=True))


def count_json(issue: Issue) -> dict:
    return {"id": str(issue.pk), "count": issue.times_seen, "users": issue.user_count,
            "lastSeen": issue.last_seen.isoformat(),
            "lastSeenText": f"{timesince(issue.last_seen)} ago", "status": issue.status}


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        params = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        wanted = requested_ids(params.get("projects", [""])[0], MAX_PROJECTS)
        self.project_ids = await database_sync_to_async(visible_projects)(user, wanted)
        if not self.project_ids:
            await self.close(code=4404)
            return
        self.issue_id = access.object_id(params.get("issue", [""])[0])
        self.query = params.get("query", [None])[0]
        stats = params.get("stats", ["24h"])[0]
        self.stats_period = stats if stats in ("24h", "14d") else "24h"
        publish.remember_loop(asyncio.get_running_loop())
        for project_id in self.project_ids:
            await self.channel_layer.group_add(publish.group_name(project_id), self.channel_name)
        await self.accept()
        since = catch_up.parse_since(params.get("since", [None])[0])
        if since is not None:
            await self.catch_up(since)

    async def catch_up(self, since: datetime) -> None:
        """What changed between `since` and joining the groups (anything announced from now
        on also arrives as usual; a page applies an update twice harmlessly)."""
        missed = await database_sync_to_async(catch_up.changed_since)(self.project_ids, since,
                                                                  self.issue_id)
        await self.issues_changed(missed)

    async def disconnect(self, code: int) -> None:
        for project_id in getattr(self, "project_ids", []):
            await self.channel_layer.group_discard(publish.group_name(project_id),
                                                   self.channel_name)

    async def receive_json(self, content: object, **kwargs: object) -> None:
        """The page sends nothing; whatever arrives is ignored."""

    async def issues_changed(self, event: dict) -> None:
        at = timezone.now()  # before reading: a change after it is announced again
        update = await database_sync_to_async(self.update_for)(event.get("new", []),
                                                                event.get("changed", []))
        if update["rows"] or update["counts"]:
            await self.send_json({**update, "at": at.isoformat()})

    def update_for(self, new: list[int], changed: list[int]) -> dict:
        """What this page shows of the announced issues."""
        user = self.scope["user"]
        wanted = [*new, *changed]
        if self.issue_id:
            wanted = [self.issue_id] if self.issue_id in wanted else []
        if not wanted:
            return {"rows": [], "counts": []}
        # Oldest first: the page puts each new row on top, so the newest ends up first.
        issues = list(Issue.objects.filter(pk__in=wanted, project_id__in=self.project_ids,
                                           merged_into__isnull=True)
                      .select_related("project__organization", "assigned_user",
                                      "assigned_team").order_by("last_seen", "pk"))
        rows = []
        fresh = [issue for issue in issues if issue.pk in new and not self.issue_id]
        if fresh:
            rows = self.rows(fresh, user)
        return {"rows": rows, "counts": [count_json(issue) for issue in issues]}

    def rows(self, issues: list[Issue], user: User) -> list[dict]:
        if self.query:
            try:
                matching = set(search.apply(Issue.objects.filter(pk__in=[i.pk for i in issues]),
                                            self.query, user).values_list("pk", flat=True))
            except search.SearchError:
                return []
            issues = [issue for issue in issues if issue.pk in matching]
        return render_rows(issues, user, self.stats_period)
