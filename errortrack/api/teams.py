"""Teams, the projects they own, and which teams have a project, as Sentry's web API has them.

Owners and admins change teams (the access helpers' read-write variants); every member reads.
"""

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.text import slugify
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access, actions
from errortrack.api import serializers
from errortrack.api.organizations import PER_PAGE, QUERY, matching, valid, with_teams
from errortrack.api.pagination import paged
from errortrack.api.schema import detail, listing
from errortrack.models import Team


def counted(teams: QuerySet[Team]) -> QuerySet[Team]:
    """Teams with the number of joined members each (memberCount), in the same query."""
    return teams.annotate(member_count=Count("members", filter=Q(members__user__isnull=False),
                                             distinct=True))


class TeamShape:
    """Shapes the teams of one caller: their own teams (isMember) read once."""

    def __init__(self, user: access.Visitor) -> None:
        self.mine = set(Team.objects.filter(members__user=user.pk).values_list("pk", flat=True)
                        if user.is_authenticated else [])

    def __call__(self, team: Team) -> dict:
        count = getattr(team, "member_count", None)
        if count is None:
            count = team.members.count()
        return serializers.team(team, self.mine, count)


def slug_for(body: dict, what: str) -> str:
    """Sentry takes a slug, or makes one from the name."""
    slug = body.get("slug") or slugify(body.get("name") or "")[:50]
    if not slug:
        raise ValidationError(f"Give the {what} a slug or a name.")
    return slug


class TeamInput(drf.Serializer):
    slug = drf.CharField(max_length=50, required=False, allow_blank=True)
    name = drf.CharField(max_length=100, required=False, allow_blank=True)


class TeamList(APIView):
    required_scopes = {"GET": "team:read", "POST": "team:write"}

    @listing(QUERY, PER_PAGE)
    def get(self, request: Request, org_slug: str) -> Response:
        org = access.get_organization_for_user(request.user, org_slug)
        teams = matching(request, counted(access.teams_for_user(request.user, org)))
        return paged(request, teams.order_by("slug"), TeamShape(request.user))

    @detail(request=TeamInput, status=201)
    def post(self, request: Request, org_slug: str) -> Response:
        org = access.get_rw_organization_for_user(request.user, org_slug)
        body = valid(TeamInput, request.data)
        team = actions.create_team(org, slug_for(body, "team"), body.get("name") or "")
        return Response(TeamShape(request.user)(team), status=201)


class TeamDetail(APIView):
    required_scopes = {"GET": "team:read", "PUT": "team:write", "DELETE": "team:admin"}

    @detail()
    def get(self, request: Request, org_slug: str, team_slug: str) -> Response:
        team = access.get_team_for_user(request.user, org_slug, team_slug)
        return Response(TeamShape(request.user)(team))

    @detail(request=TeamInput)
    def put(self, request: Request, org_slug: str, team_slug: str) -> Response:
        team = access.get_rw_team_for_user(request.user, org_slug, team_slug)
        body = valid(TeamInput, request.data)
        actions.update_team(team, slug=body.get("slug") or None, name=body.get("name") or None)
        return Response(TeamShape(request.user)(team))

    @detail(status=204)
    def delete(self, request: Request, org_slug: str, team_slug: str) -> Response:
        actions.delete_team(access.get_rw_team_for_user(request.user, org_slug, team_slug))
        return Response(status=204)


class NewProjectInput(drf.Serializer):
    """Terraform's and MCP's body. `default_rules: false` (Terraform's default_rules
    argument) makes a project without the alerts app's default rule."""

    name = drf.CharField(max_length=100)
    slug = drf.CharField(max_length=50, required=False, allow_blank=True)
    platform = drf.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)
    default_rules = drf.BooleanField(required=False)


class TeamProjectList(APIView):
    required_scopes = {"GET": "project:read", "POST": "project:write"}

    @listing(PER_PAGE)
    def get(self, request: Request, org_slug: str, team_slug: str) -> Response:
        team = access.get_team_for_user(request.user, org_slug, team_slug)
        return paged(request, with_teams(team.projects.all()).order_by("slug"),
                     serializers.project)

    @detail(request=NewProjectInput, status=201)
    def post(self, request: Request, org_slug: str, team_slug: str) -> Response:
        team = access.get_rw_team_for_user(request.user, org_slug, team_slug)
        body = valid(NewProjectInput, request.data)
        project = actions.create_project(team.organization, slug_for(body, "project"),
                                         name=body["name"], platform=body.get("platform") or "",
                                         teams=[team],
                                         default_rules=body.get("default_rules", True))
        return Response(serializers.project(project), status=201)


class ProjectTeamList(APIView):
    """`GET /projects/{org}/{proj}/teams/`: MCP's add/remove_team_to_project reads it first
    (TeamListSchema: id, slug, name)."""

    required_scopes = {"GET": "project:read"}

    @listing(PER_PAGE)
    def get(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        return paged(request, counted(project.teams.all()).order_by("slug"),
                     TeamShape(request.user))


class ProjectTeamDetail(APIView):
    """`POST` gives a team access to a project (201), `DELETE` takes it away (200); both
    answer the project, as Sentry does (Terraform wants exactly these codes)."""

    required_scopes = {"POST": "project:write", "DELETE": "project:write"}

    @detail(status=201)
    def post(self, request: Request, org_slug: str, project_slug: str,
             team_slug: str) -> Response:
        project, team = access.get_rw_team_in_project(request.user, org_slug, project_slug,
                                                      team_slug)
        actions.add_team_project(team, project)
        return Response(serializers.project(project), status=201)

    @detail()
    def delete(self, request: Request, org_slug: str, project_slug: str,
               team_slug: str) -> Response:
        project, team = access.get_rw_team_in_project(request.user, org_slug, project_slug,
                                                      team_slug)
        actions.remove_team_project(team, project)
        return Response(serializers.project(project))
