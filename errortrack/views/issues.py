"""The issue stream: a project's issues, or an organization's, with search, sort, pages and
bulk changes (the triage UI's first page). The logic is in errortrack.presenters.issue_stream
and errortrack.views.bulk; these views check tenancy (errortrack.access), read the request and
render."""

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from errortrack import access
from errortrack.models import Organization, Project
from errortrack.presenters import issue_stream
from errortrack.queries import search
from errortrack.queries.assignees import assignee_choices
from errortrack.views import bulk
from errortrack.views.redirects import safe_next


@login_required
@require_GET
def project_stream(request: HttpRequest, org_slug: str, project_slug: str) -> HttpResponse:
    project = access.get_project_for_user(request.user, org_slug, project_slug)
    return _stream(request, project.organization, project)


@login_required
@require_GET
def organization_stream(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Every project of the organization (members see them all), or those `?project=` names."""
    organization = access.get_organization_for_user(request.user, org_slug)
    return _stream(request, organization, None)


def _stream(request: HttpRequest, organization: Organization,
            project: Project | None) -> HttpResponse:
    """The stream page; a request it cannot read is a 400 showing why, with the form to fix
    it (never a 500)."""
    now = timezone.now()  # the request's one clock reading
    live_since = now.isoformat()  # before reading: live updates resume from here
    projects = list(access.projects_for_user(request.user, organization).order_by("slug"))
    context: dict[str, Any] = {
               "organization": organization, "project": project, "projects": projects,
               "live_since": live_since,
               "organizations": access.organizations_for_user(request.user),
               "sorts": issue_stream.SORT_LABELS, "stats_periods": issue_stream.PERIOD_NAMES,
               "assignees": [(choice.value, choice.label)
                             for choice in assignee_choices(organization)],
               "here": request.get_full_path(), "error": "", "rows": []}
    shown: list[Project] = []  # stays empty when the request cannot be read
    try:
        params = issue_stream.read_params(request.GET)
        wanted = [project] if project else issue_stream.shown_projects(projects,
                                                                      params.project_ids)
        context.update(_page(request, params, wanted, now))
        shown = wanted
    except search.SearchError as error:
        params = _params_as_typed(request)
        context["error"] = str(error)
    context.update(params=params, shown=shown, live=issue_stream.live_filter(params),
                   live_projects=",".join(str(p.pk) for p in shown),
                   environments=issue_stream.environments(shown or projects))
    return render(request, "errortrack/issues/stream.html", context,
                  status=400 if context["error"] else 200)


def _page(request: HttpRequest, params: issue_stream.StreamParams,
          shown: list[Project], now: datetime) -> dict:
    user = access.signed_in_user(request)
    page = issue_stream.page_of(issue_stream.stream_issues(shown, params, user), params.page)
    return {"page": page,
            "rows": issue_stream.rows_for(page.issues, user, now, params.stats_period),
            "previous_query": issue_stream.page_query(request.GET, page.number - 1),
            "next_query": issue_stream.page_query(request.GET, page.number + 1)}


def _params_as_typed(request: HttpRequest) -> issue_stream.StreamParams:
    """What the search form shows after a bad request: the query as typed, to fix it."""
    query = request.GET.get("query", issue_stream.DEFAULT_QUERY)[:issue_stream.MAX_QUERY_LENGTH]
    return issue_stream.StreamParams(query=query)


@login_required
@require_POST
def bulk_change(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Resolve, ignore, unresolve, assign or merge the selected issues, then go back."""
    organization = access.get_organization_for_user(request.user, org_slug)
    back = safe_next(request.POST.get("next"),
                     reverse("issue-stream-org", args=[organization.slug]))
    try:
        issues = bulk.selected_issues(organization, request.POST.getlist("id"))
        done = bulk.apply_bulk(request.POST.get("action", ""), issues,
                               access.signed_in_user(request), organization,
                               request.POST.get("assignee", ""))
    except bulk.BulkError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(back)
