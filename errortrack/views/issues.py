"""The issue stream: a project's issues, or an organization's, with search, sort, pages and
bulk changes (the triage UI's first page)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def project_stream(request: HttpRequest, org_slug: str, project_slug: str) -> HttpResponse:
    raise Http404("not built yet")


@login_required
def organization_stream(request: HttpRequest, org_slug: str) -> HttpResponse:
    raise Http404("not built yet")


@login_required
def bulk_change(request: HttpRequest, org_slug: str) -> HttpResponse:
    raise Http404("not built yet")
