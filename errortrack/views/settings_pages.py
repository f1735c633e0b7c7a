"""Settings pages: a project's general, scrubbing, retention and team settings; an
organization's members and teams.

Thin views: reads through errortrack.access (outsiders get 404, members who may only look get
403 on changes), writes through errortrack.actions. A refused change shows its message on the
page, with status 400, and saves nothing; a saved one redirects back (so a reload does not
post again).
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from errortrack import access, actions
from errortrack.models import Member, Organization, Project, Team

Change = Callable[[HttpRequest, Any], str]


def _can_manage(request: HttpRequest, organization: Organization) -> bool:
    membership = access.get_membership(request.user, organization)
    return membership is not None and membership.can_manage


def _apply(request: HttpRequest, changes: dict[str, Change], field: str, target: Any) -> str:
    """Run the change the form's `field` names; return its success message."""
    change = changes.get(request.POST.get(field, ""))
    if change is None:
        raise ValidationError("Unknown change; reload the page and try again.")
    return change(request, target)


def _named(found: Any, what: str) -> Any:
    """A member, team or project a form field named, or a refusal when it names none."""
    if found is None:
        raise ValidationError(f"No such {what} in this organization.")
    return found


# --- A project's settings ------------------------------------------------------------------------

def _whole_days(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdecimal() or len(value) > 6:
        raise ValidationError("Enter the event retention as a whole number of days, or leave "
                              "it empty for the global setting.")
    return int(value)


def _save_general(request: HttpRequest, project: Project) -> str:
    actions.update_project_settings(project, name=request.POST.get("name", ""),
                                    platform=request.POST.get("platform", ""))
    return "General settings saved."


def _save_scrubbing(request: HttpRequest, project: Project) -> str:
    post = request.POST
    actions.update_project_settings(
        project, scrub_defaults="scrub_defaults" in post,
        sensitive_fields=post.get("sensitive_fields", "").splitlines(),
        safe_fields=post.get("safe_fields", "").splitlines(),
        scrub_ip_addresses="scrub_ip_addresses" in post)
    return "Data scrubbing settings saved; they apply to events digested from now on."


def _save_retention(request: HttpRequest, project: Project) -> str:
    days = _whole_days(request.POST.get("event_retention_days", ""))
    actions.update_project_settings(project, event_retention_days=days)
    return "Retention saved."


def _save_teams(request: HttpRequest, project: Project) -> str:
    teams = access.teams_in(project.organization, request.POST.getlist("teams"))
    actions.set_project_teams(project, _named(teams, "team"))
    return "Team access saved."


PROJECT_SECTIONS: dict[str, Change] = {"general": _save_general, "scrubbing": _save_scrubbing,
                                       "retention": _save_retention, "teams": _save_teams}
POSTED_TEXT = ("name", "platform", "sensitive_fields", "safe_fields", "event_retention_days")
POSTED_CHECKBOXES = {"scrubbing": ("scrub_defaults", "scrub_ip_addresses")}


def project_form(project: Project, post: QueryDict | None = None, section: str = "") -> dict:
    """The page's form values: the project's, with what was posted to `section` on top (so a
    refused change can be corrected rather than typed again)."""
    form = {"name": project.name, "platform": project.platform,
            "scrub_defaults": project.scrub_defaults,
            "sensitive_fields": "\n".join(project.sensitive_fields),
            "safe_fields": "\n".join(project.safe_fields),
            "scrub_ip_addresses": project.scrub_ip_addresses,
            "event_retention_days": project.event_retention_days or "",
            "teams": {str(team.pk) for team in project.teams.all()}}
    if post is not None:
        form.update({key: post[key] for key in POSTED_TEXT if key in post})
        form.update({key: key in post for key in POSTED_CHECKBOXES.get(section, ())})
        if section == "teams":
            form["teams"] = set(post.getlist("teams"))
    return form


def _render_project(request: HttpRequest, project: Project, form: dict, section: str = "",
                    error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "errortrack/settings/project.html", {
        "project": project, "organization": project.organization, "form": form,
        "section": section if section in PROJECT_SECTIONS else "", "error": error,
        "teams": project.organization.teams.all(),
        "can_manage": _can_manage(request, project.organization),
        "global_retention_days": settings.ERRORTRACK_EVENT_RETENTION_DAYS,
        "max_retention_days": actions.MAX_RETENTION_DAYS}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_settings(request: HttpRequest, org_slug: str, project_slug: str) -> HttpResponse:
    """GET shows the settings; POST saves the one section its `section` field names."""
    if request.method == "GET":
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        return _render_project(request, project, project_form(project))
    project = access.get_rw_project_for_user(request.user, org_slug, project_slug)
    section = request.POST.get("section", "")
    try:
        messages.success(request, _apply(request, PROJECT_SECTIONS, "section", project))
    except ValidationError as exc:
        project.refresh_from_db()
        return _render_project(request, project, project_form(project, request.POST, section),
                               section, " ".join(exc.messages), status=400)
    return redirect("project-settings", org_slug, project_slug)


# --- An organization's members ------------------------------------------------------------------

def _add_member(request: HttpRequest, organization: Organization) -> str:
    role = request.POST.get("role", Member.Role.MEMBER)
    access.require_owner_for_owner_changes(request.user, organization, role)
    member = actions.add_member_by_login(organization, request.POST.get("login", ""), role)
    return f"{member.login} added as {member.get_role_display().lower()}."


def _change_role(request: HttpRequest, organization: Organization) -> str:
    member = _named(access.member_in(organization, request.POST.get("member", "")), "member")
    role = request.POST.get("role", "")
    access.require_owner_for_owner_changes(request.user, organization, member.role, role)
    actions.set_member_role(member, role)
    return f"{member.user.get_username()} is now {member.get_role_display().lower()}."


def _remove_member(request: HttpRequest, organization: Organization) -> str:
    member = _named(access.member_in(organization, request.POST.get("member", "")), "member")
    access.require_owner_for_owner_changes(request.user, organization, member.role)
    actions.remove_member(member)
    return f"{member.user.get_username()} removed from {organization.slug}."


MEMBER_CHANGES: dict[str, Change] = {"add": _add_member, "role": _change_role,
                                     "remove": _remove_member}


def _render_members(request: HttpRequest, organization: Organization, error: str = "",
                    form: dict | None = None, status: int = 200) -> HttpResponse:
    members = (organization.members.select_related("user").prefetch_related("teams")
               .order_by("user__username"))
    return render(request, "errortrack/settings/members.html", {
        "organization": organization, "members": members, "roles": Member.Role.choices,
        "can_manage": _can_manage(request, organization), "error": error,
        "form": form or {"login": "", "role": Member.Role.MEMBER}}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def member_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    """GET lists the members; POST `do=add|role|remove` changes them."""
    if request.method == "GET":
        return _render_members(request, access.get_organization_for_user(request.user, org_slug))
    organization = access.get_rw_organization_for_user(request.user, org_slug)
    try:
        messages.success(request, _apply(request, MEMBER_CHANGES, "do", organization))
    except ValidationError as exc:
        form = ({"login": request.POST.get("login", ""), "role": request.POST.get("role", "")}
                if request.POST.get("do") == "add" else None)
        return _render_members(request, organization, " ".join(exc.messages), form, 400)
    if not organization.members.filter(user=access.signed_in_user(request)).exists():
        return redirect("home")  # they removed themselves
    return redirect("org-members", org_slug)


# --- An organization's teams --------------------------------------------------------------------

def _create_team(request: HttpRequest, organization: Organization) -> str:
    team = actions.create_team(organization, request.POST.get("slug", ""),
                               request.POST.get("name", ""))
    return f"Team {team.slug} created."


def _delete_team(request: HttpRequest, organization: Organization) -> str:
    team = _named(access.team_in(organization, request.POST.get("team", "")), "team")
    actions.delete_team(team)
    return f"Team {team.slug} deleted."


TEAM_LIST_CHANGES: dict[str, Change] = {"create": _create_team, "delete": _delete_team}


def _render_teams(request: HttpRequest, organization: Organization, error: str = "",
                  form: dict | None = None, status: int = 200) -> HttpResponse:
    teams = organization.teams.annotate(member_count=Count("members", distinct=True),
                                        project_count=Count("projects", distinct=True))
    return render(request, "errortrack/settings/teams.html", {
        "organization": organization, "teams": teams, "error": error,
        "can_manage": _can_manage(request, organization),
        "form": form or {"slug": "", "name": ""}}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    """GET lists the teams; POST `do=create|delete` changes them."""
    if request.method == "GET":
        return _render_teams(request, access.get_organization_for_user(request.user, org_slug))
    organization = access.get_rw_organization_for_user(request.user, org_slug)
    try:
        messages.success(request, _apply(request, TEAM_LIST_CHANGES, "do", organization))
    except ValidationError as exc:
        form = {"slug": request.POST.get("slug", ""), "name": request.POST.get("name", "")}
        return _render_teams(request, organization, " ".join(exc.messages), form, 400)
    return redirect("org-teams", org_slug)


# --- One team ------------------------------------------------------------------------------------

def _team_member(request: HttpRequest, team: Team) -> Member:
    return _named(access.member_in(team.organization, request.POST.get("member", "")), "member")


def _team_project(request: HttpRequest, team: Team) -> Project:
    return _named(access.project_in(team.organization, request.POST.get("project", "")),
                  "project")


def _add_team_member(request: HttpRequest, team: Team) -> str:
    member = _team_member(request, team)
    actions.add_team_member(team, member)
    return f"{member.login} added to {team.slug}."


def _remove_team_member(request: HttpRequest, team: Team) -> str:
    member = _team_member(request, team)
    actions.remove_team_member(team, member)
    return f"{member.login} removed from {team.slug}."


def _add_team_project(request: HttpRequest, team: Team) -> str:
    project = _team_project(request, team)
    actions.add_team_project(team, project)
    return f"{team.slug} now has access to {project.slug}."


def _remove_team_project(request: HttpRequest, team: Team) -> str:
    project = _team_project(request, team)
    actions.remove_team_project(team, project)
    return f"{team.slug} no longer has access to {project.slug}."


TEAM_CHANGES: dict[str, Change] = {
    "add-member": _add_team_member, "remove-member": _remove_team_member,
    "add-project": _add_team_project, "remove-project": _remove_team_project}


def _render_team(request: HttpRequest, team: Team, error: str = "",
                 status: int = 200) -> HttpResponse:
    organization = team.organization
    members = team.members.select_related("user").order_by("user__username")
    projects = team.projects.order_by("slug")
    return render(request, "errortrack/settings/team.html", {
        "organization": organization, "team": team, "members": members, "projects": projects,
        "other_members": organization.members.select_related("user").exclude(teams=team)
        .order_by("user__username"),
        "other_projects": organization.projects.exclude(teams=team).order_by("slug"),
        "can_manage": _can_manage(request, organization), "error": error}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def team_detail(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """GET shows the team; POST `do=add-member|remove-member|add-project|remove-project`."""
    if request.method == "GET":
        return _render_team(request, access.get_team_for_user(request.user, org_slug, team_slug))
    team = access.get_rw_team_for_user(request.user, org_slug, team_slug)
    try:
        messages.success(request, _apply(request, TEAM_CHANGES, "do", team))
    except ValidationError as exc:
        return _render_team(request, team, " ".join(exc.messages), status=400)
    return redirect("org-team", org_slug, team_slug)
