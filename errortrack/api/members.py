"""An organization's members and pending invitations, and their teams, as Sentry's web API
(Terraform's sentry_organization_member and sentry_team_member).

Roles are Sentry's ids (member, admin, manager, owner: errortrack.actions.SENTRY_ROLES). Owners
and admins change members; only owners grant, change or take away the owner role; the last
owner stays.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access, actions
from errortrack.api import serializers
from errortrack.api.organizations import MAX_QUERY_LENGTH, PER_PAGE, QUERY, valid
from errortrack.api.pagination import paged
from errortrack.api.schema import detail, listing
from errortrack.api.teams import TeamShape
from errortrack.models import Member, Organization, Team

ROLE_IDS = list(actions.SENTRY_ROLES)


def shape(member: Member) -> dict:
    return serializers.member(member, list(member.teams.all()))


class TeamRoleInput(drf.Serializer):
    teamSlug = drf.CharField(max_length=50)
    role = drf.ChoiceField(["contributor", "admin"], required=False, allow_null=True)


class MemberInput(drf.Serializer):
    """POST and PUT bodies. `orgRole` is Sentry's current name, `role` the older one.
    Team roles are accepted; errortrack's teams have no roles of their own."""

    email = drf.CharField(max_length=254, required=False)
    orgRole = drf.ChoiceField(ROLE_IDS, required=False)
    role = drf.ChoiceField(ROLE_IDS, required=False)
    teams = drf.ListField(child=drf.CharField(max_length=50), required=False, allow_null=True,
                          max_length=access.MAX_IDS_PER_FORM)
    teamRoles = drf.ListField(child=TeamRoleInput(), required=False, allow_null=True,
                              max_length=access.MAX_IDS_PER_FORM)
    sendInvite = drf.BooleanField(required=False)
    reinvite = drf.BooleanField(required=False)


def teams_named(organization: Organization, body: dict) -> list[Team] | None:
    """The teams a body names by slug (`teams`, or `teamRoles`' teamSlug), None when it names
    none (absent or null); a slug of no team of the organization is a 400."""
    if body.get("teamRoles") is not None:
        slugs = [entry["teamSlug"] for entry in body["teamRoles"]]
    elif body.get("teams") is not None:
        slugs = body["teams"]
    else:
        return None
    teams = list(organization.teams.filter(slug__in=set(slugs)))
    missing = sorted(set(slugs) - {team.slug for team in teams})
    if missing:
        raise ValidationError(f"No such team in {organization.slug}: {', '.join(missing)}.")
    return teams


class MemberList(APIView):
    required_scopes = {"GET": "member:read", "POST": "member:write"}

    @listing(QUERY, PER_PAGE)
    def get(self, request: Request, org_slug: str) -> Response:
        org = access.get_organization_for_user(request.user, org_slug)
        members = Member.with_invitations.filter(organization=org)
        text = request.query_params.get("query", "").strip()[:MAX_QUERY_LENGTH + 1]
        if len(text) > MAX_QUERY_LENGTH:
            raise ValidationError(f"query must be at most {MAX_QUERY_LENGTH} characters.")
        text = text.removeprefix("email:")  # Sentry's member search: `email:<address>`
        if text:
            members = members.filter(Q(email__icontains=text) | Q(user__email__icontains=text)
                                     | Q(user__username__icontains=text))
        members = members.select_related("user").prefetch_related("teams").order_by("pk")
        return paged(request, members, shape)

    @detail(request=MemberInput, status=201)
    def post(self, request: Request, org_slug: str) -> Response:
        org = access.get_rw_organization_for_user(request.user, org_slug)
        body = valid(MemberInput, request.data)
        role = body.get("orgRole") or body.get("role") or "member"
        access.require_owner_for_owner_changes(request.user, org, actions.SENTRY_ROLES[role])
        if "email" not in body:
            raise ValidationError("email: This field is required.")
        member = actions.invite_member(org, body["email"], role, teams_named(org, body) or [])
        return Response(shape(member), status=201)


class MemberDetail(APIView):
    required_scopes = {"GET": "member:read", "PUT": "member:write", "DELETE": "member:admin"}

    @detail()
    def get(self, request: Request, org_slug: str, member_id: str) -> Response:
        return Response(shape(access.get_member_for_user(request.user, org_slug, member_id)))

    @detail(request=MemberInput)
    def put(self, request: Request, org_slug: str, member_id: str) -> Response:
        member = access.get_rw_member_for_user(request.user, org_slug, member_id)
        body = valid(MemberInput, request.data)
        role = body.get("orgRole") or body.get("role")
        if role is not None:
            access.require_owner_for_owner_changes(request.user, member.organization,
                                                   member.role, actions.SENTRY_ROLES[role])
            actions.set_member_sentry_role(member, role)
        teams = teams_named(member.organization, body)
        if teams is not None:
            actions.set_member_teams(member, teams)
        return Response(shape(member))

    @detail(status=204)
    def delete(self, request: Request, org_slug: str, member_id: str) -> Response:
        member = access.get_rw_member_for_user(request.user, org_slug, member_id)
        access.require_owner_for_owner_changes(request.user, member.organization, member.role)
        actions.remove_member(member)
        return Response(status=204)


class TeamRoleBody(drf.Serializer):
    teamRole = drf.ChoiceField(["contributor", "admin"], required=False)


def effective_team_role(member: Member) -> str:
    """Sentry's team role a member has through their organization role (orgRoleList's
    minimumTeamRole): owners and admins are team admins, members contributors."""
    return "contributor" if member.role == Member.Role.MEMBER else "admin"


class MemberTeamDetail(APIView):
    """`POST` adds a member (or invitation) to a team (201), `DELETE` removes them (200); both
    answer the team. `PUT {teamRole}` answers `{isActive, teamRole}`, what Terraform checks."""

    required_scopes = {"POST": "team:write", "PUT": "team:write", "DELETE": "team:write"}

    def _pair(self, request: Request, org_slug: str, member_id: str,
              team_slug: str) -> tuple[Member, Team]:
        member = access.get_rw_member_for_user(request.user, org_slug, member_id)
        return member, access.get_team_for_user(request.user, org_slug, team_slug)

    @detail(status=201)
    def post(self, request: Request, org_slug: str, member_id: str, team_slug: str) -> Response:
        member, team = self._pair(request, org_slug, member_id, team_slug)
        actions.add_team_member(team, member)
        return Response(TeamShape(request.user)(team), status=201)

    @detail(request=TeamRoleBody)
    def put(self, request: Request, org_slug: str, member_id: str, team_slug: str) -> Response:
        member, team = self._pair(request, org_slug, member_id, team_slug)
        valid(TeamRoleBody, request.data)
        return Response({"isActive": member.teams.filter(pk=team.pk).exists(),
                         "teamRole": effective_team_role(member)})

    @detail()
    def delete(self, request: Request, org_slug: str, member_id: str,
               team_slug: str) -> Response:
        member, team = self._pair(request, org_slug, member_id, team_slug)
        actions.remove_team_member(team, member)
        return Response(TeamShape(request.user)(team))
