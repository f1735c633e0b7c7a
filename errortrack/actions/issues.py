"""Triage: status, assignment, bookmarks, seen, delete, merge."""

from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from errortrack.actions.announce import announce_issue_change
from errortrack.models import (
    Activity,
    Issue,
    IssueBookmark,
    IssueSeen,
    Member,
    Team,
)

STATUS_ACTIVITY: dict[str, str] = {  # an issue status: the activity that records it
    Issue.Status.RESOLVED: Activity.Kind.SET_RESOLVED,
    Issue.Status.UNRESOLVED: Activity.Kind.SET_UNRESOLVED,
    Issue.Status.IGNORED: Activity.Kind.SET_IGNORED,
}


@transaction.atomic
def set_issue_status(issue: Issue, status: str, user: User | None = None,
                     in_next_release: bool = False,
                     ignore_minutes: int | None = None, reason: str = "") -> Issue:
    """Resolve, unresolve or ignore an issue, recorded as activity (with `reason` when the
    change was not a person's, e.g. a monitor that recovered).

    Resolved "in the next release": events from releases already seen keep it resolved; the
    first event of a newer release reopens it as a regression (errortrack.digest.store).
    Ignored for `ignore_minutes`: the first event after that reopens it.
    """
    if status not in STATUS_ACTIVITY:
        raise ValidationError(f"Unknown status {status!r}; use one of "
                              f"{', '.join(STATUS_ACTIVITY)}.")
    if in_next_release and status != Issue.Status.RESOLVED:
        raise ValidationError("Only a resolution can wait for the next release.")
    if ignore_minutes is not None and (status != Issue.Status.IGNORED
                                       or not 0 < ignore_minutes <= 525_600):
        raise ValidationError("An ignore duration is 1 to 525,600 minutes, for ignoring.")
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    now = timezone.now()
    issue.status = status
    issue.resolved_at = now if status == Issue.Status.RESOLVED else None
    issue.resolved_in_next_release = in_next_release
    issue.ignore_until = now + timedelta(minutes=ignore_minutes) if ignore_minutes else None
    if status != Issue.Status.UNRESOLVED:
        issue.is_regressed = False
    issue.save(update_fields=["status", "resolved_at", "resolved_in_next_release",
                              "is_regressed", "ignore_until"])
    data: dict = {"in_next_release": True} if in_next_release else {}
    if ignore_minutes:
        data["ignore_minutes"] = ignore_minutes
    if reason:
        data["reason"] = reason
    Activity.objects.create(issue=issue, user=user, kind=STATUS_ACTIVITY[status], data=data)
    announce_issue_change(issue, "status", user, status=status)
    return issue


@transaction.atomic
def assign_issue(issue: Issue, assignee: User | Team | None,
                 actor: User | None = None) -> Issue:
    """Assign to a member or a team of the issue's organization, or unassign (None)."""
    organization_id = issue.project.organization_id
    if isinstance(assignee, Team) and assignee.organization_id != organization_id:
        raise ValidationError("That team is not in this issue's organization.")
    if assignee is not None and not isinstance(assignee, Team) and not Member.objects.filter(
            organization_id=organization_id, user=assignee).exists():
        raise ValidationError("That user is not a member of this issue's organization.")
    issue.assigned_user = None if isinstance(assignee, Team) else assignee
    issue.assigned_team = assignee if isinstance(assignee, Team) else None
    issue.save(update_fields=["assigned_user", "assigned_team"])
    if assignee is None:
        Activity.objects.create(issue=issue, user=actor, kind=Activity.Kind.UNASSIGNED)
    else:
        kind = "team" if isinstance(assignee, Team) else "user"
        Activity.objects.create(issue=issue, user=actor, kind=Activity.Kind.ASSIGNED,
                                data={"assignee": str(assignee.pk), "assigneeType": kind})
    announce_issue_change(issue, "assignee", actor)
    return issue


@transaction.atomic
def set_issue_bookmark(issue: Issue, user: User, bookmarked: bool) -> None:
    if bookmarked:
        IssueBookmark.objects.get_or_create(issue=issue, user=user)
    else:
        IssueBookmark.objects.filter(issue=issue, user=user).delete()
    announce_issue_change(issue, "bookmark", user)


@transaction.atomic
def set_issue_seen(issue: Issue, user: User, seen: bool) -> None:
    if seen:
        IssueSeen.objects.update_or_create(issue=issue, user=user,
                                           defaults={"last_seen": timezone.now()})
    else:
        IssueSeen.objects.filter(issue=issue, user=user).delete()
    announce_issue_change(issue, "seen", user)


@transaction.atomic
def delete_issue(issue: Issue) -> None:
    """Delete an issue with its events, counters and activity. A new event with its
    fingerprint opens a new issue."""
    announce_issue_change(issue, "deleted")  # before delete() forgets the id
    issue.delete()


@transaction.atomic
def merge_issues(issues: list[Issue], user: User | None = None) -> Issue:
    """Merge issues of one project into the one with the most events; return that parent."""
    from errortrack.digest.merge import merge_into

    if len({issue.project_id for issue in issues}) != 1:
        raise ValidationError("Only issues of one project can be merged.")
    locked = list(Issue.objects.select_for_update().filter(
        pk__in=[issue.pk for issue in issues], merged_into__isnull=True).order_by("id"))
    if len(locked) < 2:
        raise ValidationError("Merging needs at least two issues.")
    parent = max(locked, key=lambda issue: (issue.times_seen, -issue.pk))
    children = [issue for issue in locked if issue.pk != parent.pk]
    merge_into(parent, children)
    Activity.objects.create(issue=parent, user=user, kind=Activity.Kind.MERGE,
                            data={"children": [str(child.pk) for child in children]})
    for child in children:
        announce_issue_change(child, "merged_away", user, parent=parent)
    announce_issue_change(parent, "merged", user)
    return parent
