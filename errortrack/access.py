"""Tenant checks: every view and API route fetches objects through these helpers.

Each object type has a read helper (returns the object if the user belongs to its organization,
else raises Http404, so outsiders cannot learn that it exists) and a read-write variant (members
who may see it but lack the role get PermissionDenied).
"""

import re
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from rest_framework.request import Request

from errortrack.models import (
    Activity,
    ApiToken,
    Event,
    EventAttachment,
    Issue,
    Member,
    Organization,
    Project,
    ProjectKey,
    Team,
)

Visitor = User | AnonymousUser  # whoever sent the request, signed in or not


def signed_in_user(request: HttpRequest | Request) -> User:
    """The user of a request its route already required to be signed in (login_required, the
    API's authentication). It gives the type checker a User, and refuses an anonymous visitor
    should a route ever lose its guard."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


def organizations_for_user(user: Visitor) -> QuerySet[Organization]:
    """Organizations the user is a member of."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(members__user=user)


def projects_for_user(user: Visitor, organization: Organization | None = None) -> QuerySet[Project]:
    """Projects of the user's organizations (members see every project of their organization)."""
    if not user.is_authenticated:
        return Project.objects.none()
    projects = Project.objects.filter(organization__members__user=user)
    if organization is not None:
        projects = projects.filter(organization=organization)
    return projects.select_related("organization")


def get_membership(user: Visitor, organization: Organization) -> Member | None:
    if not user.is_authenticated:
        return None
    return Member.objects.filter(organization=organization, user=user).first()


def _membership_or_404(user: Visitor, org_slug: str) -> Member:
    if not user.is_authenticated:
        raise Http404("No such organization.")
    member = (Member.objects.select_related("organization")
              .filter(organization__slug=org_slug, user=user).first())
    if member is None:
        raise Http404("No such organization.")
    return member


def _require_manager(member: Member) -> None:
    if not member.can_manage:
        raise PermissionDenied("This needs the owner or admin role in the organization.")


def get_organization_for_user(user: Visitor, org_slug: str) -> Organization:
    return _membership_or_404(user, org_slug).organization


def get_rw_organization_for_user(user: Visitor, org_slug: str) -> Organization:
    member = _membership_or_404(user, org_slug)
    _require_manager(member)
    return member.organization


def get_team_for_user(user: Visitor, org_slug: str, team_slug: str) -> Team:
    member = _membership_or_404(user, org_slug)
    team = Team.objects.filter(organization=member.organization, slug=team_slug).first()
    if team is None:
        raise Http404("No such team.")
    return team


def get_rw_team_for_user(user: Visitor, org_slug: str, team_slug: str) -> Team:
    _require_manager(_membership_or_404(user, org_slug))
    return get_team_for_user(user, org_slug, team_slug)


def get_project_for_user(user: Visitor, org_slug: str, project_slug: str) -> Project:
    member = _membership_or_404(user, org_slug)
    project = (Project.objects.select_related("organization")
               .filter(organization=member.organization, slug=project_slug).first())
    if project is None:
        raise Http404("No such project.")
    return project


def get_rw_project_for_user(user: Visitor, org_slug: str, project_slug: str) -> Project:
    _require_manager(_membership_or_404(user, org_slug))
    return get_project_for_user(user, org_slug, project_slug)


def get_project_key_for_user(user: Visitor, org_slug: str, project_slug: str,
                             public_key: str) -> ProjectKey:
    project = get_project_for_user(user, org_slug, project_slug)
    key = project.keys.filter(public_key=public_key).first()
    if key is None:
        raise Http404("No such key.")
    return key


def get_rw_project_key_for_user(user: Visitor, org_slug: str, project_slug: str,
                                public_key: str) -> ProjectKey:
    _require_manager(_membership_or_404(user, org_slug))
    return get_project_key_for_user(user, org_slug, project_slug, public_key)


def get_api_token_for_user(user: Visitor, token_id: int) -> ApiToken:
    """Tokens are personal: only their owner sees or revokes them."""
    if not user.is_authenticated:
        raise Http404("No such token.")
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404("No such token.")
    return token


def issues_for_user(user: Visitor) -> QuerySet[Issue]:
    """Issues of the user's organizations."""
    if not user.is_authenticated:
        return Issue.objects.none()
    return Issue.objects.filter(project__organization__members__user=user)


SHORT_ID = re.compile(r"^([A-Za-z0-9_-]+)-(\d+)$")
MAX_ID_DIGITS = 18  # every id fits a 64-bit column, so a longer one names nothing


def object_id(value: str) -> int | None:
    """The id a URL or parameter names, or None when it names none. `isdecimal`, not
    `isdigit`: "²" is a digit that int() refuses (a 500 where a 404 belongs)."""
    return int(value) if value.isdecimal() and len(value) <= MAX_ID_DIGITS else None


def object_ids(values: Iterable[str]) -> set[int] | None:
    """The ids a form or parameter names, or None when any of them names none."""
    ids = set()
    for value in values:
        pk = object_id(value or "")
        if pk is None:
            return None
        ids.add(pk)
    return ids


def object_id_or_404(value: str, message: str) -> int:
    """The id a URL names; one that names nothing is answered like an unknown one."""
    pk = object_id(value)
    if pk is None:
        raise Http404(message)
    return pk


def get_issue_for_user(user: Visitor, issue_id: str, org_slug: str | None = None) -> Issue:
    """An issue by numeric id (or short id like WEB-12 with `org_slug`), 404 for outsiders."""
    issues = issues_for_user(user).select_related("project__organization")
    if org_slug is not None:
        issues = issues.filter(project__organization__slug=org_slug)
    short = SHORT_ID.match(issue_id or "")
    pk = object_id(issue_id)
    if pk is not None:
        issue = issues.filter(pk=pk).first()
    elif short and org_slug is not None:
        issue = issues.filter(project__slug__iexact=short[1], short_id=int(short[2])).first()
    else:
        issue = None
    if issue is not None and issue.merged_into_id is not None:  # merged: its parent now
        issue = issues.filter(pk=issue.merged_into_id).first()
    if issue is None:
        raise Http404("No such issue.")
    return issue


def get_rw_issue_for_user(user: Visitor, issue_id: str, org_slug: str | None = None) -> Issue:
    """Every member triages (resolve, assign, comment); only the read check is needed."""
    return get_issue_for_user(user, issue_id, org_slug)


def get_comment_for_user(user: Visitor, issue: Issue, comment_id: str,
                         authored: bool = False) -> Activity:
    """A comment on `issue` (already checked for `user`); with `authored`, only one the user
    wrote (only authors edit or delete theirs)."""
    comments = Activity.objects.filter(issue=issue, kind=Activity.Kind.NOTE)
    if authored:
        comments = comments.filter(user=user.pk)
    pk = object_id(comment_id)
    comment = comments.select_related("user").filter(pk=pk).first() if pk is not None else None
    if comment is None:
        raise Http404("No such comment.")
    return comment


def get_deletable_issue_for_user(user: Visitor, issue_id: str,
                                 org_slug: str | None = None) -> Issue:
    issue = get_issue_for_user(user, issue_id, org_slug)
    _require_manager(_membership_or_404(user, issue.project.organization.slug))
    return issue


def get_event_for_user(user: Visitor, org_slug: str, project_slug: str, event_id: str) -> Event:
    project = get_project_for_user(user, org_slug, project_slug)
    event = Event.objects.filter(project=project, event_id=event_id.replace("-", "").lower(),
                                 issue__isnull=False).select_related("issue").first()
    if event is None:
        raise Http404("No such event.")
    return event


def get_attachment_for_user(user: Visitor, org_slug: str, project_slug: str, event_id: str,
                            attachment_id: str) -> EventAttachment:
    """An attachment of an event the user may see (its bytes deferred: read them on their
    own); 404 for anything else, an attachment of another event included."""
    event = get_event_for_user(user, org_slug, project_slug, event_id)
    pk = object_id_or_404(attachment_id, "No such attachment.")
    attachment = (EventAttachment.objects.defer("data")
                  .filter(project_id=event.project_id, event_id=event.event_id, pk=pk).first())
    if attachment is None:
        raise Http404("No such attachment.")
    return attachment


MAX_IDS_PER_FORM = 1000


def member_in(organization: Organization, member_id: str) -> Member | None:
    """The member of `organization` a form field names by id, or None: forms may only name
    their own organization's members."""
    pk = object_id(member_id or "")
    if pk is None:
        return None
    return organization.members.select_related("user").filter(pk=pk).first()


def team_in(organization: Organization, team_id: str) -> Team | None:
    pk = object_id(team_id or "")
    return organization.teams.filter(pk=pk).first() if pk is not None else None


def project_in(organization: Organization, project_id: str) -> Project | None:
    pk = object_id(project_id or "")
    return organization.projects.filter(pk=pk).first() if pk is not None else None


def teams_in(organization: Organization, team_ids: list[str]) -> list[Team] | None:
    """The teams of `organization` a form's ids name, or None if any id names none of them."""
    pks = object_ids(team_ids[:MAX_IDS_PER_FORM + 1])
    if pks is None or len(team_ids) > MAX_IDS_PER_FORM:
        return None
    teams = list(organization.teams.filter(pk__in=pks))
    return teams if len(teams) == len(pks) else None


def require_owner_for_owner_changes(user: Visitor, organization: Organization,
                                    *roles: str) -> None:
    """Only owners grant, change or take away the owner role: an admin must not make
    themselves an owner, nor demote or remove one."""
    membership = get_membership(user, organization)
    if Member.Role.OWNER in roles and (membership is None
                                       or membership.role != Member.Role.OWNER):
        raise PermissionDenied("Only an owner can grant, change or remove the owner role.")
