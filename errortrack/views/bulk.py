"""Bulk changes from the issue stream: which issues a bulk form selected, and the change
through errortrack.actions, all or nothing."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from errortrack import access, actions
from errortrack.models import Issue, Organization, Team
from errortrack.presenters.issue_stream import ROW_RELATIONS
from errortrack.queries.assignees import resolve_assignee

MAX_BULK = 100  # four pages' worth; a bulk form never selects more
STATUS_OF_ACTION = {"resolve": Issue.Status.RESOLVED, "ignore": Issue.Status.IGNORED,
                    "unresolve": Issue.Status.UNRESOLVED}
BULK_ACTIONS = (*STATUS_OF_ACTION, "assign", "merge")


class BulkError(ValueError):
    """A bulk request no form of ours sends (a 400); the message says what is wrong."""


def selected_issues(organization: Organization, raw_ids: list[str]) -> list[Issue]:
    """The issues a bulk form selected. Raises BulkError for ids no page shows, Http404 when
    one is not the organization's (so nothing tells an outsider it exists); issues merged
    away since the page was loaded are left out."""
    if len(raw_ids) > MAX_BULK:
        raise BulkError(f"Select at most {MAX_BULK} issues at once.")
    ids = access.object_ids(raw_ids)
    if ids is None:
        raise BulkError("id must be issue ids.")
    issues = list(Issue.objects.filter(project__organization=organization, pk__in=ids)
                  .select_related(*ROW_RELATIONS).order_by("id"))
    if len(issues) != len(ids):
        raise Http404("No such issue.")
    return [issue for issue in issues if issue.merged_into_id is None]


def _assignee_name(assignee: User | Team | None) -> str:
    if assignee is None:
        return "nobody"
    return f"#{assignee.slug}" if isinstance(assignee, Team) else assignee.get_username()


def _plural(count: int) -> str:
    return f"{count} issue{'' if count == 1 else 's'}"


@transaction.atomic
def apply_bulk(action: str, issues: list[Issue], user: User,
               organization: Organization, assignee: str = "") -> str:
    """Carry out a bulk action through errortrack.actions (all or nothing); return what was
    done, for the page. Every member may triage, as in the API (errortrack.access)."""
    if action not in BULK_ACTIONS:
        raise BulkError(f"action must be one of {', '.join(BULK_ACTIONS)}.")
    if not issues:
        raise ValidationError("Select at least one issue.")
    if action in STATUS_OF_ACTION:
        for issue in issues:
            actions.set_issue_status(issue, STATUS_OF_ACTION[action], user)
        return f"{STATUS_OF_ACTION[action].label}: {_plural(len(issues))}."
    if action == "assign":
        target = resolve_assignee(assignee, organization)
        for issue in issues:
            actions.assign_issue(issue, target, user)
        return f"Assigned {_plural(len(issues))} to {_assignee_name(target)}."
    if len(issues) < 2:
        raise ValidationError("Merging needs at least two issues.")
    parent = actions.merge_issues(issues, user)
    return f"Merged {_plural(len(issues))} into {parent.short_id_display}."
