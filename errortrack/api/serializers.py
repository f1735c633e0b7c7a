"""The JSON shapes of Sentry's web API, built from our models.

Output is shaped by plain functions over what errortrack.queries reads (a page of issues needs a
few batched queries, not one per issue); input bodies are checked by DRF serializers in the
views.
"""

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User

from errortrack.models import (
    Activity,
    Event,
    Issue,
    Organization,
    Project,
    ProjectKey,
    Team,
)
from errortrack.queries.issues import STATS_PERIODS, slot_counts, substatus, user_flags

# Sentry's issue types for our issue kinds (issueCategory is the kind itself).
ISSUE_TYPES = {"error": "error", "uptime": "uptime_domain_failure",
               "cron": "monitor_check_in_failure"}


def iso(moment: datetime | float | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, int | float):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def organization(org: Organization) -> dict:
    return {"id": str(org.pk), "slug": org.slug, "name": org.name,
            "dateCreated": iso(org.date_created), "status": {"id": "active", "name": "active"},
            "isEarlyAdopter": False, "require2FA": False, "features": [],
            "avatar": {"avatarType": "letter_avatar", "avatarUuid": None}}


def project(item: Project) -> dict:
    return {"id": str(item.pk), "slug": item.slug, "name": item.name,
            "platform": item.platform or None, "dateCreated": iso(item.date_created),
            "isBookmarked": False, "isMember": True, "hasAccess": True, "status": "active",
            "features": [],
            "organization": {"id": str(item.organization_id), "slug": item.organization.slug,
                             "name": item.organization.name}}


def project_key(key: ProjectKey) -> dict:
    dsn = key.dsn
    return {"id": key.public_key, "name": key.label, "label": key.label,
            "public": key.public_key, "secret": key.secret_key, "projectId": key.project_id,
            "isActive": key.is_active, "dateCreated": iso(key.date_created),
            "rateLimit": ({"count": key.rate_limit_count,
                           "window": key.rate_limit_window_seconds}
                          if key.rate_limit_count else None),
            "dsn": {"public": dsn, "secret": dsn.replace("@", f":{key.secret_key}@", 1),
                    "security": None, "minidump": None, "cdn": None, "csp": None}}


# --- issues --------------------------------------------------------------------------------------

def assignee_json(assignee: User | Team | None) -> dict | None:
    if isinstance(assignee, Team):
        return {"type": "team", "id": str(assignee.pk), "name": assignee.slug}
    if assignee is not None:
        return {"type": "user", "id": str(assignee.pk),
                "name": assignee.get_full_name() or assignee.get_username(),
                "email": assignee.email}
    return None


def user_json(user: User | None) -> dict | None:
    if user is None:
        return None
    name = user.get_full_name() or user.get_username()
    return {"id": str(user.pk), "name": name, "username": user.get_username(),
            "email": user.email}


def activity(item: Activity) -> dict:
    """One activity entry; `type` uses Sentry's names (note, set_resolved, assigned, …)."""
    return {"id": str(item.pk), "type": item.kind, "user": user_json(item.user),
            "data": item.data, "dateCreated": iso(item.created_at)}


def issues(items: list[Issue], user: User, now: datetime,
           stats_period: str | None = "24h") -> list:
    """Sentry's issue JSON for a page of issues (flags and stats in a few batched queries);
    `now` is the request's one clock reading: it ends the stats and dates `substatus`."""
    ids = [issue.pk for issue in items]
    flags = user_flags(ids, user)
    stats = slot_counts(ids, stats_period, now) if stats_period in STATS_PERIODS else None
    return [issue_json(issue, issue.pk in flags.bookmarked, issue.pk in flags.seen, now,
                       {stats_period: stats[issue.pk]} if stats else None,
                       flags.comments.get(issue.pk, 0)) for issue in items]


def issue_json(issue: Issue, bookmarked: bool, seen: bool, now: datetime,
               stats: dict | None, num_comments: int = 0) -> dict:
    org_slug = issue.project.organization.slug
    status_details: dict[str, Any] = {}
    if issue.status == Issue.Status.RESOLVED and issue.resolved_in_next_release:
        status_details["inNextRelease"] = True
    body = {
        "id": str(issue.pk), "shareId": None, "shortId": issue.short_id_display,
        "title": issue.title, "culprit": issue.culprit,
        "permalink": f"{settings.BASE_URL}/organizations/{org_slug}/issues/{issue.pk}/",
        "logger": None, "level": issue.level, "status": issue.status,
        "statusDetails": status_details, "substatus": substatus(issue, now),
        "isPublic": False, "platform": issue.platform or None,
        "project": {"id": str(issue.project_id), "name": issue.project.name,
                    "slug": issue.project.slug, "platform": issue.project.platform or None},
        "type": issue.event_type, "issueType": ISSUE_TYPES.get(issue.kind, issue.kind),
        "issueCategory": issue.kind,
        "metadata": issue.metadata, "numComments": num_comments, "assignedTo": assignee_json(
            issue.assigned_user if issue.assigned_user_id else issue.assigned_team),
        "isBookmarked": bookmarked, "isSubscribed": False, "subscriptionDetails": None,
        "hasSeen": seen, "annotations": [], "isUnhandled": False,
        "count": str(issue.times_seen), "userCount": issue.user_count,
        "firstSeen": iso(issue.first_seen), "lastSeen": iso(issue.last_seen),
        "firstRelease": ({"version": issue.first_release} if issue.first_release else None),
        "lastRelease": ({"version": issue.last_release} if issue.last_release else None),
    }
    if stats is not None:
        body["stats"] = stats
    return body


# --- events --------------------------------------------------------------------------------------

def _context_lines(frame: dict) -> list:
    lineno = frame.get("lineno")
    if lineno is None or "context_line" not in frame:
        return []
    pre, post = frame.get("pre_context") or [], frame.get("post_context") or []
    return ([[lineno - len(pre) + n, line] for n, line in enumerate(pre)]
            + [[lineno, frame["context_line"]]]
            + [[lineno + 1 + n, line] for n, line in enumerate(post)])


def _frame(frame: dict) -> dict:
    return {"filename": frame.get("filename"), "absPath": frame.get("abs_path"),
            "module": frame.get("module"), "package": frame.get("package"),
            "platform": frame.get("platform"), "instructionAddr": frame.get("instruction_addr"),
            "symbol": frame.get("symbol"), "function": frame.get("function"),
            "rawFunction": frame.get("raw_function"), "lineNo": frame.get("lineno"),
            "colNo": frame.get("colno"), "inApp": bool(frame.get("in_app")),
            "context": _context_lines(frame), "vars": frame.get("vars"),
            "data": frame.get("data") or {}, "errors": None, "trust": None}


def _stacktrace(stacktrace: dict | None) -> dict | None:
    if not stacktrace:
        return None
    frames = [_frame(frame) for frame in stacktrace.get("frames") or []]
    return {"frames": frames, "framesOmitted": stacktrace.get("frames_omitted"),
            "registers": stacktrace.get("registers"),
            "hasSystemFrames": any(not frame["inApp"] for frame in frames)}


def _entries(data: dict) -> list[dict]:
    entries = []
    values = (data.get("exception") or {}).get("values") or []
    if values:
        shaped = [{"type": exc.get("type"), "value": exc.get("value"),
                   "module": exc.get("module"), "mechanism": exc.get("mechanism"),
                   "threadId": exc.get("thread_id"),
                   "stacktrace": _stacktrace(exc.get("stacktrace")), "rawStacktrace": None}
                  for exc in values]
        entries.append({"type": "exception", "data": {
            "values": shaped, "excOmitted": None,
            "hasSystemFrames": any((exc["stacktrace"] or {}).get("hasSystemFrames")
                                   for exc in shaped)}})
    crumbs = (data.get("breadcrumbs") or {}).get("values") or []
    if crumbs:
        entries.append({"type": "breadcrumbs", "data": {"values": [
            {"type": crumb.get("type", "default"), "category": crumb.get("category"),
             "level": crumb.get("level", "info"), "message": crumb.get("message"),
             "data": crumb.get("data"), "event_id": crumb.get("event_id"),
             "timestamp": iso(crumb.get("timestamp"))} for crumb in crumbs]}})
    request = data.get("request")
    if request:
        entries.append({"type": "request", "data": {
            "url": request.get("url"), "method": request.get("method"),
            "data": request.get("data"), "query": request.get("query_string") or [],
            "fragment": request.get("fragment"), "cookies": request.get("cookies") or [],
            "headers": request.get("headers") or [], "env": request.get("env"),
            "inferredContentType": None, "apiTarget": None}})
    logentry = data.get("logentry")
    if logentry:
        entries.append({"type": "message", "data": {
            "formatted": logentry.get("formatted"), "message": logentry.get("message"),
            "params": logentry.get("params")}})
    threads = (data.get("threads") or {}).get("values") or []
    if threads:
        entries.append({"type": "threads", "data": {"values": [
            {"id": thread.get("id"), "name": thread.get("name"),
             "crashed": bool(thread.get("crashed")), "current": bool(thread.get("current")),
             "stacktrace": _stacktrace(thread.get("stacktrace"))} for thread in threads]}})
    return entries


def event_summary(event: Event) -> dict:
    """What an event list shows of each event."""
    data = event.data
    return {"id": event.event_id, "eventID": event.event_id, "groupID": str(event.issue_id),
            "projectID": str(event.project_id), "title": event.title,
            "message": data.get("message") or "", "dateCreated": iso(event.timestamp),
            "platform": data.get("platform"), "event.type": data.get("type"),
            "culprit": data.get("culprit"), "user": data.get("user"),
            "tags": [{"key": key, "value": value} for key, value in data.get("tags") or []]}


def event(item: Event, previous_id: str | None = None, next_id: str | None = None) -> dict:
    """Sentry's full event JSON."""
    data = item.data
    release = data.get("release")
    issue = item.issue  # the API shows grouped events; one not grouped has no grouping to show
    return {
        **event_summary(item),
        "type": data.get("type"), "dateReceived": iso(item.received_at),
        "entries": _entries(data), "contexts": data.get("contexts") or {},
        "context": data.get("extra") or {}, "packages": data.get("modules") or {},
        "sdk": data.get("sdk"), "release": {"version": release} if release else None,
        "dist": data.get("dist"), "environment": data.get("environment"),
        "metadata": data.get("metadata") or {}, "location": data.get("culprit"),
        "fingerprints": [issue.grouping_hash] if issue is not None else [],
        "groupingConfig": {"id": issue.grouping_version if issue is not None else None,
                           "enhancements": None},
        "errors": [{"type": error.get("type"), "message": error.get("type"),
                    "data": {"name": error.get("name"), "value": error.get("value")}}
                   for error in data.get("errors") or []],
        "size": None, "crashFile": None, "userReport": None,
        "previousEventID": previous_id, "nextEventID": next_id,
    }
