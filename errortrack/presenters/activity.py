"""The issue page's activity log: each entry as a sentence (who did what), names resolved
from the assignee values the log records; and the log rendered alone, for the live updates."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string

from errortrack.models import Activity, Issue
from errortrack.presenters.event import HEX_ID, number, plain
from errortrack.queries.activity import recent_activity
from errortrack.queries.assignees import assignee_choices, display_name

ACTIVITY_LOG_TEMPLATE = "errortrack/issues/detail/activity_log.html"


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    id: int  # the activity row's: the page's element is #activity-<id>
    kind: str
    who: str
    when: datetime
    text: str  # what happened, as a sentence
    comment: str  # the comment's text, for notes
    event_id: str  # the event that caused a regression, when known


def _status_text(item: Activity) -> str:
    data = item.data if isinstance(item.data, dict) else {}
    if item.kind == Activity.Kind.SET_RESOLVED:
        if data.get("reason") == "monitor_recovered":
            return "resolved the issue: the monitor recovered"
        return "resolved the issue" + (" in the next release" if data.get("in_next_release")
                                       else "")
    if item.kind == Activity.Kind.SET_IGNORED:
        minutes = number(data.get("ignore_minutes"))
        return f"ignored the issue for {minutes} minutes" if minutes else "ignored the issue"
    if item.kind == Activity.Kind.SET_REGRESSION:
        release = plain(data.get("release"), 200)
        return "marked the issue as a regression" + (f" in {release}" if release else "")
    return "reopened the issue"


def _activity_text(item: Activity, names: dict[str, str]) -> str:
    data = item.data if isinstance(item.data, dict) else {}
    if item.kind == Activity.Kind.NOTE:
        return "commented"
    if item.kind == Activity.Kind.ASSIGNED:
        who = names.get(f"{data.get('assigneeType')}:{data.get('assignee')}", "someone")
        return f"assigned the issue to {who}"
    if item.kind == Activity.Kind.UNASSIGNED:
        return "unassigned the issue"
    if item.kind == Activity.Kind.MERGE:
        children = data.get("children")
        count = len(children) if isinstance(children, list) else 0
        return f"merged {count} issue{'' if count == 1 else 's'} into this one"
    return _status_text(item)


def activity_entries(items: Iterable[Activity], names: dict[str, str]) -> list[ActivityEntry]:
    """The activity log, newest first; `names` maps "user:<id>" and "team:<id>" to what to
    call the assignee (people and teams of the organization, already loaded)."""
    entries = []
    for item in items:
        data = item.data if isinstance(item.data, dict) else {}
        event_id = data.get("event_id") if item.kind == Activity.Kind.SET_REGRESSION else ""
        entries.append(ActivityEntry(
            id=item.pk, kind=item.kind, who=display_name(item.user) if item.user else "errortrack",
            when=item.created_at, text=_activity_text(item, names),
            comment=plain(data.get("text"), 10_000) if item.kind == Activity.Kind.NOTE else "",
            event_id=event_id if isinstance(event_id, str) and HEX_ID.match(event_id) else ""))
    return entries


def rendered_activity_log(issue: Issue) -> str:
    """The issue page's activity log (`activity_log.html`, autoescaped) as the page renders
    it: the live updates send it when the issue was triaged (errortrack.live.consumer)."""
    organization = issue.project.organization
    names = {choice.value: choice.label for choice in assignee_choices(organization)}
    return render_to_string(ACTIVITY_LOG_TEMPLATE, {
        "activity": activity_entries(recent_activity(issue.pk), names),
        "organization": organization, "issue": issue})
