"""Organizations, projects and their DSN keys, as Sentry's web API shows them."""

from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access, actions
from errortrack.api import serializers
from errortrack.api.pagination import paged
from errortrack.api.schema import detail, listing


class OrganizationList(APIView):
    required_scopes = {"GET": "org:read"}

    @listing()
    def get(self, request: Request) -> Response:
        orgs = access.organizations_for_user(request.user).order_by("slug")
        return paged(request, orgs, serializers.organization)


class OrganizationDetail(APIView):
    required_scopes = {"GET": "org:read"}

    @detail()
    def get(self, request: Request, org_slug: str) -> Response:
        org = access.get_organization_for_user(request.user, org_slug)
        return Response(serializers.organization(org))


class ProjectList(APIView):
    """All the user's projects (`/projects/`) or one organization's."""

    required_scopes = {"GET": "project:read"}

    @listing()
    def get(self, request: Request, org_slug: str | None = None) -> Response:
        organization = (access.get_organization_for_user(request.user, org_slug)
                        if org_slug else None)
        projects = access.projects_for_user(request.user, organization).order_by(
            "organization__slug", "slug")
        return paged(request, projects, serializers.project)


class ProjectDetail(APIView):
    required_scopes = {"GET": "project:read"}

    @detail()
    def get(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        return Response(serializers.project(project))


class RateLimitInput(drf.Serializer):
    count = drf.IntegerField(min_value=0)
    window = drf.IntegerField(min_value=1, max_value=86400)


class KeyInput(drf.Serializer):
    """A POST/PUT body; the field names are Sentry's (camelCase)."""

    name = drf.CharField(max_length=64, required=False, allow_blank=True)
    isActive = drf.BooleanField(required=False)
    rateLimit = RateLimitInput(required=False, allow_null=True)


def valid(serializer_class: type[drf.Serializer], data: object) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ProjectKeyList(APIView):
    required_scopes = {"GET": "project:read", "POST": "project:write"}

    @listing()
    def get(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        return paged(request, project.keys.all(), serializers.project_key)

    @detail(request=KeyInput, status=201)
    def post(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_rw_project_for_user(request.user, org_slug, project_slug)
        body = valid(KeyInput, request.data)
        limit = body.get("rateLimit") or {}
        key = actions.create_project_key(project, body.get("name", ""),
                                         rate_limit_count=limit.get("count"),
                                         rate_limit_window_seconds=limit.get("window", 60))
        return Response(serializers.project_key(key), status=201)


class ProjectKeyDetail(APIView):
    required_scopes = {"GET": "project:read", "PUT": "project:write"}

    @detail()
    def get(self, request: Request, org_slug: str, project_slug: str,
            key_id: str) -> Response:
        key = access.get_project_key_for_user(request.user, org_slug, project_slug, key_id)
        return Response(serializers.project_key(key))

    @detail(request=KeyInput)
    def put(self, request: Request, org_slug: str, project_slug: str, key_id: str) -> Response:
        key = access.get_rw_project_key_for_user(request.user, org_slug, project_slug, key_id)
        body = valid(KeyInput, request.data)
        if "isActive" in body:
            actions.set_project_key_active(key, body["isActive"])
        if "rateLimit" in body:  # null removes the limit
            limit = body["rateLimit"] or {"count": 0, "window": 60}
            actions.set_project_key_rate_limit(key, limit["count"], limit["window"])
        if body.get("name"):
            actions.rename_project_key(key, body["name"])
        return Response(serializers.project_key(key))
