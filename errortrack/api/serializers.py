"""The JSON shapes of Sentry's web API, built from our models.

Output is shaped by plain functions over what errortrack.queries reads (a page of issues needs a
few batched queries, not one per issue); input bodies are checked by DRF serializers in the
views.
"""

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User

from errortrack.models import (
    Activity,
    Event,
    EventAttachment,
    Issue,
    Organization,
    Project,
    ProjectKey,
    Release,
    Team,
    UserReport,
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
        "firstRelease": issue_release(issue.first_release),
        "lastRelease": issue_release(issue.last_release),
    }
    if stats is not None:
        body["stats"] = stats
    return body


def short_version(version: str) -> str:
    """Sentry's shortVersion: the version without its `package@`, a commit sha cut to 12."""
    short = version.rpartition("@")[2] or version
    return short[:12] if re.fullmatch(r"[0-9a-f]{40}", short) else short


def issue_release(version: str, row: Release | None = None) -> dict | None:
    """An issue's firstRelease/lastRelease: what GitLab reads (`version`, `shortVersion`,
    `lastCommit`; gl: lib/error_tracking/sentry_client/issue.rb `map_to_detailed_error`), and
    the release row's dates when there is one. We keep no commits or deploys of releases."""
    if not version:
        return None
    return {"id": str(row.pk) if row else None, "version": version,
            "shortVersion": short_version(version), "ref": None, "url": None,
            "dateCreated": iso(row.first_seen) if row else None, "dateReleased": None,
            "firstEvent": iso(row.first_seen) if row else None,
            "lastEvent": iso(row.last_seen) if row else None,
            "lastCommit": None, "lastDeploy": None, "commitCount": 0, "deployCount": 0,
            "authors": [], "data": {}}


def issue_detail(issue: Issue, user: User, now: datetime, releases: dict[str, Release],
                 logger: str | None, user_reports: int, activity: list[dict]) -> dict:
    """One issue as Sentry's issue details answer it: the list's JSON with the 24h stats, plus
    the releases, the logger, the activity and the plugin lists GitLab reads (empty here: no
    plugins link issues)."""
    [body] = issues([issue], user, now, "24h")
    body.update(
        firstRelease=issue_release(issue.first_release, releases.get(issue.first_release)),
        lastRelease=issue_release(issue.last_release, releases.get(issue.last_release)),
        logger=logger, pluginIssues=[], pluginActions=[], pluginContexts=[], participants=[],
        seenBy=[], userReportCount=user_reports, activity=activity)
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


USER_FIELDS = ("id", "username", "email", "ip_address", "name")


def event_user(user: object) -> dict | None:
    """The event's user with its identifying fields as strings, as sentry-cli decodes them
    (`ProcessedEventUser`: each an `Option<String>`, so a numeric id would fail the whole list;
    cli: src/api/mod.rs); other keys (geo, data) as sent."""
    if not isinstance(user, dict):
        return None
    shaped = {key: value for key, value in user.items() if key not in USER_FIELDS}
    for key in USER_FIELDS:
        value = user.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            shaped[key] = str(value)
    return shaped


def event_summary(event: Event) -> dict:
    """What an event list shows of each event. sentry-cli `events list` needs `eventID`, and
    `dateCreated` and `title` as strings, never null (`ProcessedEvent`; cli: src/api/mod.rs)."""
    data = event.data
    return {"id": event.event_id, "eventID": event.event_id,
            "groupID": str(event.issue_id) if event.issue_id is not None else None,
            "projectID": str(event.project_id), "title": event.title,
            "message": data.get("message") or "",
            "dateCreated": iso(event.timestamp or event.received_at),
            "platform": data.get("platform"), "event.type": data.get("type"),
            "culprit": data.get("culprit"), "user": event_user(data.get("user")),
            "tags": [{"key": str(key), "value": str(value)}
                     for key, value in data.get("tags") or []]}


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


# --- attachments and user feedback --------------------------------------------------------------

def attachment(item: EventAttachment, sha1: str) -> dict:
    """Sentry's event attachment JSON (MCP's EventAttachmentSchema requires `id`, `name`, `type`,
    `size`, `mimetype`, `dateCreated`, `sha1`; mcp: api-client/schema.ts). `sha1` is passed in:
    the caller hashes the stored bytes (sha1_of(errortrack.queries.events.attachment_bytes)),
    which lists do not load."""
    mimetype = item.content_type or "application/octet-stream"
    return {"id": str(item.pk), "event_id": item.event_id, "name": item.filename,
            "type": item.attachment_type, "size": item.size, "mimetype": mimetype,
            "dateCreated": iso(item.received_at), "sha1": sha1,
            "headers": {"Content-Type": mimetype}}


def sha1_of(data: bytes | memoryview) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def user_report(report: UserReport, issue_body: dict | None = None,
                with_issue: bool = False) -> dict:
    """Sentry's user report JSON (MCP's UserReportSchema requires `user` (nullable) and
    `event{id, eventID}`; mcp: api-client/schema.ts); project lists add the `issue`."""
    body = {"id": str(report.pk), "eventID": report.event_id, "name": report.name,
            "email": report.email, "comments": report.comments,
            "dateCreated": iso(report.received_at), "user": None,
            "event": {"id": report.event_id, "eventID": report.event_id}}
    if with_issue:
        body["issue"] = issue_body
    return body
