"""How every issue action tells the rest of errortrack what it did: one helper, after commit."""

from django.contrib.auth.models import User

from errortrack import signals
from errortrack.models import Issue


def announce_issue_change(issue: Issue, kind: signals.IssueChangeKind,
                          user: User | None = None, status: str = "",
                          parent: Issue | None = None) -> None:
    """Publish `kind` of change to `issue` on the bus once the caller's transaction commits
    (errortrack.signals.Topic.publish_on_commit): pages and alerts never hear of a change that
    rolled back, and one that failed them never undoes the change."""
    signals.issue_changed.publish_on_commit(signals.IssueChange(
        issue_id=issue.pk, project_id=issue.project_id, kind=kind,
        user_id=user.pk if user is not None else None, status=status,
        parent_id=parent.pk if parent is not None else None))
