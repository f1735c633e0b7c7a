"""One issue: its header and status actions, charts, tags, an event in full (exception chain,
stack trace, breadcrumbs, request, contexts), navigation between events, activity."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def issue_detail(request: HttpRequest, org_slug: str, issue_id: str,
                 event_id: str | None = None) -> HttpResponse:
    raise Http404("not built yet")


@login_required
def event_json(request: HttpRequest, org_slug: str, issue_id: str,
               event_id: str) -> HttpResponse:
    raise Http404("not built yet")


@login_required
def issue_action(request: HttpRequest, org_slug: str, issue_id: str) -> HttpResponse:
    raise Http404("not built yet")
