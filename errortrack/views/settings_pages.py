"""Settings pages: a project's general, scrubbing and retention settings; an organization's
members and teams."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def project_settings(request: HttpRequest, org_slug: str, project_slug: str) -> HttpResponse:
    raise Http404("not built yet")


@login_required
def member_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    raise Http404("not built yet")


@login_required
def team_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    raise Http404("not built yet")


@login_required
def team_detail(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    raise Http404("not built yet")
