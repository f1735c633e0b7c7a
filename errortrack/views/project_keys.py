"""Project settings → Client Keys (DSN): list, create, enable/disable, rate limit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from errortrack import access, actions


@login_required
def key_list(request: HttpRequest, org_slug: str, project_slug: str) -> HttpResponse:
    project = access.get_project_for_user(request.user, org_slug, project_slug)
    membership = access.get_membership(request.user, project.organization)
    return render(request, "errortrack/project_keys.html", {
        "project": project,
        "keys": project.keys.all(),
        "can_manage": membership is not None and membership.can_manage,
    })


@login_required
@require_POST
def key_create(request: HttpRequest, org_slug: str, project_slug: str) -> HttpResponse:
    project = access.get_rw_project_for_user(request.user, org_slug, project_slug)
    try:
        actions.create_project_key(project, label=request.POST.get("label", "")[:64])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("project-keys", org_slug=org_slug, project_slug=project_slug)


@login_required
@require_POST
def key_update(request: HttpRequest, org_slug: str, project_slug: str,
               public_key: str) -> HttpResponse:
    key = access.get_rw_project_key_for_user(request.user, org_slug, project_slug, public_key)
    try:
        if "active" in request.POST:
            actions.set_project_key_active(key, request.POST["active"] == "1")
        if "rate_limit_count" in request.POST:
            actions.set_project_key_rate_limit(
                key, int(request.POST["rate_limit_count"]),
                int(request.POST.get("rate_limit_window_seconds", "60")))
    except ValueError:
        messages.error(request, "Enter whole numbers for the rate limit.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("project-keys", org_slug=org_slug, project_slug=project_slug)
