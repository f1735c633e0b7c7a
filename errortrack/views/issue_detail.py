"""One issue: its header and status actions, charts, tags, an event in full (exception chain,
stack trace, breadcrumbs, request, contexts), navigation between events, activity.

The page reads what the API reads (errortrack.queries) and changes what it changes, through
errortrack.actions: every member triages (status, assignee,
bookmark, comments); deleting an issue needs the owner or admin role, as in the API. Its
number of queries is fixed; the event's size only costs rendering time.
"""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from errortrack import access, actions
from errortrack.models import Event, Issue
from errortrack.presenters import activity as activity_view
from errortrack.presenters import charts as chart_view
from errortrack.presenters import event as event_view
from errortrack.queries import issue_links
from errortrack.queries.activity import recent_activity
from errortrack.queries.assignees import assignee_choices, resolve_assignee
from errortrack.queries.events import find_event, neighbours
from errortrack.queries.issues import bookmarked_ids, slot_counts, substatus
from errortrack.queries.tags import tag_distribution
from errortrack.views.redirects import safe_next

TAG_KEYS_SHOWN = 8
TAG_VALUES_SHOWN = 5
# The ignore durations offered (minutes; "" is until unresolved by hand).
IGNORE_CHOICES = [("", "forever"), ("30", "30 minutes"), ("120", "2 hours"),
                  ("1440", "24 hours"), ("10080", "1 week")]


# --- reading -----------------------------------------------------------------------------------

def event_neighbours(event: Event | None) -> tuple[str | None, str | None]:
    if event is None or event.timestamp is None:
        return None, None
    return neighbours(event)


def tag_summaries(issue: Issue) -> list[chart_view.TagSummary]:
    """The most frequent keys, each with its top values and their share."""
    return [chart_view.tag_summary(tag.key, tag.total, tag.top_values)
            for tag in tag_distribution(issue, TAG_KEYS_SHOWN, TAG_VALUES_SHOWN)]


def charts(hourly: list, daily: list) -> list[chart_view.BarChart]:
    """Events per hour over 24 hours and per day over 14 days."""
    return [chart_view.bar_chart(hourly, 3600, "Last 24 hours"),
            chart_view.bar_chart(daily, 86400, "Last 14 days")]


def assigned_value(issue: Issue) -> str:
    if issue.assigned_user_id:
        return f"user:{issue.assigned_user_id}"
    return f"team:{issue.assigned_team_id}" if issue.assigned_team_id else ""


def page_context(request: HttpRequest, issue: Issue, event: Event | None, here: str,
                 now: datetime) -> dict:
    """Everything the page shows as of `now`, in a fixed number of queries; `here` is where
    its forms come back to."""
    live_since = now.isoformat()  # before reading: live updates resume from here
    organization = issue.project.organization
    choices = assignee_choices(organization)
    names = {choice.value: choice.label for choice in choices}
    me = next((choice.member for choice in choices
               if choice.member and choice.member.user_id == request.user.pk), None)
    previous_id, next_id = event_neighbours(event)
    hourly = slot_counts([issue.pk], "24h", now)[issue.pk]
    daily = slot_counts([issue.pk], "14d", now)[issue.pk]
    return {
        "issue": issue, "project": issue.project, "organization": organization,
        "substatus": substatus(issue, now),
        "bookmarked": issue.pk in bookmarked_ids([issue.pk], access.signed_in_user(request)),
        "charts": charts(hourly, daily), "tags": tag_summaries(issue),
        "event_row": event, "event": event_view.present(event.data) if event else None,
        "previous_id": previous_id, "next_id": next_id,
        "activity": activity_view.activity_entries(recent_activity(issue.pk), names),
        "people": [(choice.value, choice.label) for choice in choices if choice.member],
        "teams": [(choice.value, choice.label) for choice in choices if not choice.member],
        "assigned": assigned_value(issue),
        "assigned_name": names.get(assigned_value(issue), ""),
        "can_delete": me is not None and me.can_manage,
        "monitor_url": issue_links.source_url(issue),
        "ignore_choices": IGNORE_CHOICES, "here": here, "live_since": live_since,
    }


def render_page(request: HttpRequest, issue: Issue, event: Event | None, here: str,
                status: int = 200, error: str = "", comment: str = "") -> HttpResponse:
    context = page_context(request, issue, event, here, timezone.now())  # read once a request
    context.update(error=error, comment=comment)
    return render(request, "errortrack/issues/detail.html", context, status=status)


@login_required
@require_safe
def issue_detail(request: HttpRequest, org_slug: str, issue_id: str,
                 event_id: str | None = None) -> HttpResponse:
    """The issue page, showing one event (the latest unless the URL names one). Viewing it
    marks the issue seen by the user, as Sentry does."""
    issue = access.get_issue_for_user(request.user, issue_id, org_slug)
    event = find_event(issue, event_id)
    actions.set_issue_seen(issue, access.signed_in_user(request), True)
    return render_page(request, issue, event, request.path)


@login_required
@require_safe
def event_json(request: HttpRequest, org_slug: str, issue_id: str,
               event_id: str) -> HttpResponse:
    """The stored event document, complete, as indented JSON shown in the browser (never
    sniffed as HTML, whatever the event holds)."""
    issue = access.get_issue_for_user(request.user, issue_id, org_slug)
    event = find_event(issue, event_id)
    if event is None:
        raise Http404("No such event.")
    body = event_view.pretty_json(event.data)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- changing ----------------------------------------------------------------------------------

def minutes_of(value: str) -> int | None:
    """The ignore duration: "" for none, else whole minutes (range checked by the action)."""
    value = value.strip()
    if not value:
        return None
    if not value.isdecimal() or len(value) > 9:
        raise ValidationError("Enter the ignore duration as whole minutes.")
    return int(value)


def flag_of(value: str) -> bool:
    if value not in ("0", "1"):
        raise ValidationError("bookmarked must be 1 or 0.")
    return value == "1"


def _resolve(request: HttpRequest, issue: Issue) -> str:
    actions.set_issue_status(issue, Issue.Status.RESOLVED, access.signed_in_user(request))
    return "Resolved."


def _resolve_next(request: HttpRequest, issue: Issue) -> str:
    actions.set_issue_status(issue, Issue.Status.RESOLVED, access.signed_in_user(request),
                             in_next_release=True)
    return "Resolved in the next release."


def _unresolve(request: HttpRequest, issue: Issue) -> str:
    actions.set_issue_status(issue, Issue.Status.UNRESOLVED, access.signed_in_user(request))
    return "Unresolved."


def _ignore(request: HttpRequest, issue: Issue) -> str:
    minutes = minutes_of(request.POST.get("minutes", ""))
    actions.set_issue_status(issue, Issue.Status.IGNORED, access.signed_in_user(request),
                             ignore_minutes=minutes)
    return f"Ignored for {minutes} minutes." if minutes else "Ignored."


def _assign(request: HttpRequest, issue: Issue) -> str:
    assignee = resolve_assignee(request.POST.get("assignee", ""), issue.project.organization)
    actions.assign_issue(issue, assignee, access.signed_in_user(request))
    return "Unassigned." if assignee is None else "Assigned."


def _bookmark(request: HttpRequest, issue: Issue) -> str:
    bookmarked = flag_of(request.POST.get("bookmarked", ""))
    actions.set_issue_bookmark(issue, access.signed_in_user(request), bookmarked)
    return "Bookmarked." if bookmarked else "Bookmark removed."


def _comment(request: HttpRequest, issue: Issue) -> str:
    actions.add_comment(issue, access.signed_in_user(request), request.POST.get("text", ""))
    return "Comment added."


ACTIONS = {"resolve": _resolve, "resolve_next_release": _resolve_next, "unresolve": _unresolve,
           "ignore": _ignore, "assign": _assign, "bookmark": _bookmark, "comment": _comment}


def next_url(request: HttpRequest, issue: Issue) -> str:
    """Where to go back to: `next` when it is a path on this site, else the issue page (an
    action form must not send people elsewhere)."""
    return safe_next(request.POST.get("next", ""),
                     reverse("issue-detail", args=[issue.project.organization.slug, issue.pk]))


def delete_issue(request: HttpRequest, org_slug: str, issue_id: str) -> HttpResponse:
    issue = access.get_deletable_issue_for_user(request.user, issue_id, org_slug)
    project = issue.project
    actions.delete_issue(issue)
    messages.success(request, f"Deleted {issue.short_id_display}.")
    return redirect("issue-stream", org_slug=project.organization.slug,
                    project_slug=project.slug)


def refuse(request: HttpRequest, issue: Issue, error: str) -> HttpResponse:
    """The page again, with a 400 and what was wrong; a refused comment stays in its form."""
    comment = request.POST.get("text", "") if request.POST.get("action") == "comment" else ""
    here = next_url(request, issue).partition("#")[0]
    return render_page(request, issue, find_event(issue, None), here, status=400, error=error,
                       comment=comment)


@login_required
@require_POST
def issue_action(request: HttpRequest, org_slug: str, issue_id: str) -> HttpResponse:
    """One change from the page's forms (`action` names it), then back to the page; bad
    input gets the page again with a 400 and what was wrong."""
    action = request.POST.get("action", "")
    if action == "delete":
        return delete_issue(request, org_slug, issue_id)
    issue = access.get_rw_issue_for_user(request.user, issue_id, org_slug)
    handler = ACTIONS.get(action)
    try:
        if handler is None:
            raise ValidationError(f"Unknown action {action[:50]!r}.")
        with transaction.atomic():
            done = handler(request, issue)
    except ValidationError as exc:
        return refuse(request, issue, " ".join(exc.messages))
    messages.success(request, done)
    return redirect(next_url(request, issue))

