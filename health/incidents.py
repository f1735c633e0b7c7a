"""Monitor failures become issues, like errors do.

A failing monitor (an uptime URL that is down, a cron job that missed, timed out or failed)
stores one event per failure through the digest's one entry for synthetic events
(errortrack.digest.pipeline.store_synthetic), in an issue of kind `uptime` or `cron` whose
grouping is the monitor. So the issue stream, the API and the alert rules treat it as any issue:
its first failure is a new issue, a failure after a recovery a regression, and rules fire through
the existing channels. Recovery resolves the issue through errortrack.actions, which sends the
recovery notices (alerts.listeners).
"""

from datetime import datetime

from errortrack import actions
from errortrack.digest.pipeline import Synthetic, store_synthetic
from errortrack.models import Issue

RECOVERED = "monitor_recovered"


def record_failure(project_id: int, failure: Synthetic, now: datetime) -> Issue:
    """Store `failure` in the monitor's issue in the caller's transaction."""
    return Issue.objects.get(pk=store_synthetic(project_id, failure, now))


def resolve_recovered(issue_id: int | None) -> None:
    """The monitor is healthy again: resolve its open issue (recovery notices follow)."""
    if issue_id is None:
        return
    issue = Issue.objects.filter(pk=issue_id).exclude(status=Issue.Status.RESOLVED).first()
    if issue is not None:
        actions.set_issue_status(issue, Issue.Status.RESOLVED, reason=RECOVERED)
