"""Monitor failures become issues, like errors do.

A failing monitor (an uptime URL that is down, a cron job that missed, timed out or failed)
stores one event per failure through the digest's own store, in an issue of kind `uptime` or
`cron` whose fingerprint is the monitor. So the issue stream, the API and the alert rules treat
it as any issue: its first failure is a new issue, a failure after a recovery a regression, and
rules fire through the existing channels. Recovery resolves the issue through
errortrack.actions, which sends the recovery notices (alerts.listeners).
"""

import hashlib
import uuid
from datetime import datetime

from django.db import transaction

from errortrack import actions
from errortrack.digest.facts import publish_on_commit
from errortrack.digest.grouping import Grouping
from errortrack.digest.normalize import Received, event_datetime, normalize
from errortrack.digest.pipeline import project_settings
from errortrack.digest.scrub import scrub
from errortrack.digest.store import PreparedEvent, store_batch
from errortrack.models import Issue

GROUPING_VERSION = "monitor"
RECOVERED = "monitor_recovered"


def monitor_grouping(kind: str, monitor_id: int) -> Grouping:
    components = (kind, str(monitor_id))
    digest = hashlib.md5(":".join(components).encode(), usedforsecurity=False).hexdigest()
    return Grouping(hash=digest, version=GROUPING_VERSION, components=components)


def failure_event(title: str, culprit: str, message: str, tags: dict[str, str],
                  context: dict, now: datetime, environment: str = "",
                  release: str = "") -> dict:
    """The payload of one failure, in the shape an SDK sends (the digest normalizes it)."""
    payload = {"event_id": uuid.uuid4().hex, "timestamp": now.isoformat(), "level": "error",
               "platform": "other", "logger": "errortrack.monitors",
               "message": {"formatted": message}, "tags": tags,
               "contexts": {"monitor": context}}
    if environment:
        payload["environment"] = environment
    if release:
        payload["release"] = release
    event = normalize(payload, Received(payload["event_id"], now))
    event["title"] = title[:255]
    event["culprit"] = culprit[:200]
    event["metadata"] = {"title": title[:255], "value": message[:1024]}
    return event


def record_failure(project_id: int, kind: str, monitor_id: int, event: dict) -> Issue:
    """Store `event` in the monitor's issue (created, or reopened as a regression, as needed)
    in the caller's transaction; the alert rules hear of it after the commit."""
    settings = project_settings({project_id})[project_id]
    prepared = PreparedEvent(
        inbox_id=0, project_id=project_id, event=event, document=scrub(event, settings.scrub),
        grouping=monitor_grouping(kind, monitor_id), timestamp=event_datetime(event),
        received_at=event_datetime(event), user_hash=None, kind=kind)
    with transaction.atomic():
        facts = store_batch([prepared])
        publish_on_commit(facts)
    issue_id = facts.event_ids[0][0]
    return Issue.objects.get(pk=issue_id)


def resolve_recovered(issue_id: int | None) -> None:
    """The monitor is healthy again: resolve its open issue (recovery notices follow)."""
    if issue_id is None:
        return
    issue = Issue.objects.filter(pk=issue_id).exclude(status=Issue.Status.RESOLVED).first()
    if issue is not None:
        actions.set_issue_status(issue, Issue.Status.RESOLVED, reason=RECOVERED)
