from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from errortrack import access


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's organizations and their projects."""
    projects = access.projects_for_user(request.user).order_by("organization__slug", "slug")
    return render(request, "errortrack/home.html", {
        "organizations": access.organizations_for_user(request.user),
        "projects": projects,
    })


@login_required
def organization_detail(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = access.get_organization_for_user(request.user, org_slug)
    return render(request, "errortrack/organization.html", {
        "organization": organization,
        "projects": access.projects_for_user(request.user, organization),
        "membership": access.get_membership(request.user, organization),
    })
