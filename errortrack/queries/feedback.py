"""User feedback (Sentry's user reports): a project's, an issue's, and the issues they are
about. A report names an event by id; the event's issue is the report's issue."""

from django.db.models import QuerySet

from errortrack.models import Event, Issue, Project, UserReport


def project_reports(project: Project) -> QuerySet[UserReport]:
    """Every report of the project, newest first (also those whose event is not stored)."""
    return UserReport.objects.filter(project=project).order_by("-received_at", "-pk")


def issue_reports(issue: Issue) -> QuerySet[UserReport]:
    """The reports about the issue's events, newest first."""
    return UserReport.objects.filter(
        project_id=issue.project_id,
        event_id__in=Event.objects.filter(issue=issue).values("event_id"),
    ).order_by("-received_at", "-pk")


def issues_of_reports(project: Project, reports: list[UserReport]) -> dict[str, Issue]:
    """Event id → the (unmerged) issue of that event, for a page of reports: two queries."""
    issue_of = dict(Event.objects.filter(project=project, issue__isnull=False,
                                         event_id__in={r.event_id for r in reports})
                    .values_list("event_id", "issue_id"))
    found = {issue.pk: issue for issue in Issue.objects.filter(pk__in=set(issue_of.values()))
             .select_related("project__organization", "assigned_user", "assigned_team")}
    return {event_id: found[issue_id] for event_id, issue_id in issue_of.items()
            if issue_id in found}
