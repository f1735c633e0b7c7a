"""The live-updates websocket: `/ws/live/?projects=1,2[&issue=7][&query=…][&since=…]`.

A logged-in member's page (the issue stream, or one issue) opens it; it joins the groups of the
projects the user may see among those asked for (others are ignored, so nothing leaks), and on
each announcement (errortrack.live.publish: ids only) reads the issues again with the user's
access (errortrack.access) and sends the page what it shows of them:

- `rows`: new stream rows, rendered by the same template as the page (autoescaped);
- `rowUpdates`: stream rows to redraw in place (assignee, bookmark, status), rendered for this
  user (their own bookmark);
- `removed`: issues gone, with the `reason` ("deleted", or "merged" with the `parent` they
  are part of now);
- `counts`: fresh numbers and status;
- `detail`: on an issue page, its activity log (rendered, autoescaped), assignee and the user's
  bookmark, when the issue was triaged or reopened.

Every update carries `at`, the server time it was taken; a page reconnecting sends the last one
as `since` (at first, the time the page was rendered) and is first sent what it missed.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from errortrack import access
from errortrack.live import catch_up, publish
from errortrack.models import Issue
from errortrack.queries import search
from errortrack.queries.assignees import display_name
from errortrack.queries.issues import bookmarked_ids

MAX_PROJECTS = 100
# The stream's rows as the page renders them: (issues, user, now, stats period) →
# [{"id", "html"}]. The HTML layer plugs its renderer in (ErrortrackConfig.ready), so live
# never imports pages.
RowRenderer = Callable[[list[Issue], User, datetime, str], list[dict]]


def _no_renderer(issues: list[Issue], user: User, now: datetime, period: str) -> list[dict]:
    raise RuntimeError("no issue-row renderer plugged in")


render_rows: RowRenderer = _no_renderer


def use_row_renderer(renderer: RowRenderer) -> None:
    global render_rows
    render_rows = renderer


# The issue page's activity log as the page renders it (autoescaped HTML); plugged in likewise.
ActivityRenderer = Callable[[Issue], str]


def _no_activity_renderer(issue: Issue) -> str:
    raise RuntimeError("no activity renderer plugged in")


render_activity: ActivityRenderer = _no_activity_renderer


def use_activity_renderer(renderer: ActivityRenderer) -> None:
    global render_activity
    render_activity = renderer


def requested_ids(text: str, limit: int) -> list[int]:
    ids = [access.object_id(part) for part in text.split(",")[:limit]]
    return [pk for pk in ids if pk is not None]


def visible_projects(user: User, wanted: list[int]) -> list[int]:
    return list(access.projects_for_user(user).filter(pk__in=wanted).values_list("pk", flat=True))


def count_json(issue: Issue, now: datetime) -> dict:
    return {"id": str(issue.pk), "count": issue.times_seen, "users": issue.user_count,
            "lastSeen": issue.last_seen.isoformat(),
            "lastSeenText": f"{timesince(issue.last_seen, now)} ago", "status": issue.status}


def assignee_label(issue: Issue) -> str:
    """As the issue page names the assignee (errortrack.queries.assignees' choice labels)."""
    if issue.assigned_user is not None:
        return display_name(issue.assigned_user)
    return f"#{issue.assigned_team.slug}" if issue.assigned_team is not None else ""


def parent_json(parent: Issue) -> dict:
    return {"id": str(parent.pk), "shortId": parent.short_id_display,
            "url": reverse("issue-detail", args=[parent.project.organization.slug, parent.pk])}


def ids_in(announcement: dict, key: str) -> list[int]:
    return [pk for pk in announcement.get(key) or [] if isinstance(pk, int)]


def merged_in(announcement: dict) -> list[tuple[int, int]]:
    return [(pair[0], pair[1]) for pair in announcement.get("merged") or []
            if isinstance(pair, list | tuple) and len(pair) == 2
            and all(isinstance(pk, int) for pk in pair)]


ROW_RELATIONS = ("project__organization", "assigned_user", "assigned_team")


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
        """An announcement, or what catch-up found: send the page what it shows of it."""
        if event.get("user") not in (None, self.scope["user"].pk):
            return  # another user's bookmark or seen: nothing this page shows
        at = timezone.now()  # before reading: a change after it is announced again
        update = await database_sync_to_async(self.update_for)(event, at)
        if any(update.values()):
            await self.send_json({**update, "at": at.isoformat()})

    def update_for(self, announcement: dict, now: datetime) -> dict:
        """What this page shows of an announcement, as of `now`, read with the user's access
        (a member removed since connecting hears nothing more)."""
        user = self.scope["user"]
        project = announcement.get("project")
        project_ids = visible_projects(user, [project] if isinstance(project, int)
                                       else self.project_ids)
        update: dict = {"rows": [], "rowUpdates": [], "removed": [], "counts": [],
                        "detail": None}
        if not project_ids:
            return update
        readable = access.issues_for_user(user).filter(project_id__in=project_ids)
        update["removed"] = self.removed(announcement, readable)
        new, updated = ids_in(announcement, "new"), ids_in(announcement, "updated")
        wanted = {*new, *ids_in(announcement, "changed"), *updated}
        if self.issue_id:
            wanted &= {self.issue_id}
        if not wanted:
            return update
        # Oldest first: the page puts each new row on top, so the newest ends up first.
        issues = list(readable.filter(pk__in=wanted, merged_into__isnull=True)
                      .select_related(*ROW_RELATIONS).order_by("last_seen", "pk"))
        update["counts"] = [count_json(issue, now) for issue in issues]
        if self.issue_id:
            if issues and (self.issue_id in updated or self.issue_id in new):
                update["detail"] = self.detail(issues[0], user)
            return update
        fresh = [issue for issue in issues if issue.pk in new]
        redrawn = [issue for issue in issues if issue.pk in updated and issue.pk not in new]
        if fresh:
            update["rows"] = self.rows(fresh, user, now)
        if redrawn:
            update["rowUpdates"] = render_rows(redrawn, user, now, self.stats_period)
        return update

    def removed(self, announcement: dict, readable: QuerySet[Issue]) -> list[dict]:
        """Issues this page shows that are gone: deleted, or merged away (with the parent
        they are part of now, when the user may see it)."""
        deleted = ids_in(announcement, "deleted")
        merged = merged_in(announcement)
        if self.issue_id:
            deleted = [pk for pk in deleted if pk == self.issue_id]
            merged = [(child, parent) for child, parent in merged if child == self.issue_id]
        parents = ({issue.pk: issue for issue in readable.filter(
            pk__in=[parent for _, parent in merged]).select_related("project__organization")}
            if merged else {})
        return [*({"id": str(pk), "reason": "deleted", "parent": None} for pk in deleted),
                *({"id": str(child), "reason": "merged", "parent": parent_json(parents[parent])
                   if parent in parents else None} for child, parent in merged)]

    def detail(self, issue: Issue, user: User) -> dict:
        """The issue page's parts that triage changes, beyond its counts and status."""
        return {"id": str(issue.pk), "activityHtml": render_activity(issue),
                "assignee": assignee_label(issue),
                "bookmarked": issue.pk in bookmarked_ids([issue.pk], user)}

    def rows(self, issues: list[Issue], user: User, now: datetime) -> list[dict]:
        if self.query:
            try:
                matching = set(search.apply(Issue.objects.filter(pk__in=[i.pk for i in issues]),
                                            self.query, user).values_list("pk", flat=True))
            except search.SearchError:
                return []
            issues = [issue for issue in issues if issue.pk in matching]
        return render_rows(issues, user, now, self.stats_period)
