"""Organizations, projects and their DSN keys, as Sentry's web API shows them."""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access, actions
from errortrack.api import serializers
from errortrack.api.pagination import paged
from errortrack.api.schema import detail, listing, query
from errortrack.models import Project, ProjectKey

MAX_QUERY_LENGTH = 200
QUERY = query("query", "Only those whose slug or name contains this text")
PER_PAGE = query("per_page", "Sentry's alias of limit")


def matching(request: Request, items: QuerySet, *fields: str) -> QuerySet:
    """`?query=`: MCP's find_* tools send free text; it matches the slug or name."""
    text = request.query_params.get("query", "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationError(f"query must be at most {MAX_QUERY_LENGTH} characters.")
    if not text:
        return items
    condition = Q()
    for field in fields or ("slug", "name"):
        condition |= Q(**{f"{field}__icontains": text})
    return items.filter(condition)


def _messages(errors: object, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        return [message for key, value in errors.items() for message in _messages(
            value, "" if key == "non_field_errors" else f"{prefix}{key}: ")]
    if isinstance(errors, list):
        return [message for value in errors for message in _messages(value, prefix)]
    return [f"{prefix}{errors}"]


def valid(serializer_class: type[drf.Serializer], data: object) -> dict:
    """A body checked by `serializer_class`; its errors become one 400 `{"detail": …}`, the
    shape every Sentry client reads."""
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationError(" ".join(_messages(serializer.errors)))
    return serializer.validated_data


class OrganizationList(APIView):
    required_scopes = {"GET": "org:read"}

    @listing(QUERY, PER_PAGE)
    def get(self, request: Request) -> Response:
        orgs = matching(request, access.organizations_for_user(request.user)).order_by("slug")
        return paged(request, orgs, serializers.organization)


class OrganizationDetail(APIView):
    required_scopes = {"GET": "org:read"}

    @detail()
    def get(self, request: Request, org_slug: str) -> Response:
        org = access.get_organization_for_user(request.user, org_slug)
        return Response(serializers.organization_detail(
            org, access.get_membership(request.user, org)))


def with_teams(projects: QuerySet) -> QuerySet:
    """What the project JSON reads of each project, in two queries per page."""
    return projects.select_related("organization").prefetch_related("teams", "environments")


class ProjectList(APIView):
    """All the user's projects (`/projects/`) or one organization's."""

    required_scopes = {"GET": "project:read"}

    @listing(QUERY, PER_PAGE)
    def get(self, request: Request, org_slug: str | None = None) -> Response:
        organization = (access.get_organization_for_user(request.user, org_slug)
                        if org_slug else None)
        projects = matching(request, access.projects_for_user(request.user, organization))
        return paged(request, with_teams(projects).order_by("organization__slug", "slug"),
                     serializers.project)


class ProjectInput(drf.Serializer):
    """A PUT body: Sentry's names. Settings we keep without acting on them (digests,
    resolveAge, client security, …: actions.SENTRY_PROJECT_DEFAULTS) are read from the body as
    they are and checked by the action; other keys are ignored, as Sentry ignores them."""

    name = drf.CharField(max_length=100, required=False)
    slug = drf.CharField(max_length=50, required=False)
    platform = drf.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)
    dataScrubberDefaults = drf.BooleanField(required=False)
    scrubIPAddresses = drf.BooleanField(required=False)
    sensitiveFields = drf.ListField(child=drf.CharField(allow_blank=True), required=False,
                                    max_length=actions.MAX_SCRUB_FIELDS)
    safeFields = drf.ListField(child=drf.CharField(allow_blank=True), required=False,
                               max_length=actions.MAX_SCRUB_FIELDS)


OUR_PROJECT_FIELDS = {"name": "name", "platform": "platform",
                      "dataScrubberDefaults": "scrub_defaults",
                      "scrubIPAddresses": "scrub_ip_addresses",
                      "sensitiveFields": "sensitive_fields", "safeFields": "safe_fields"}


def project_changes(project: Project, data: object) -> dict:
    """The keyword arguments of actions.update_project for a PUT body."""
    if not isinstance(data, dict):
        raise ValidationError("The body must be a JSON object.")
    body = valid(ProjectInput, data)
    changes: dict = {ours: body[theirs] for theirs, ours in OUR_PROJECT_FIELDS.items()
                     if theirs in body}
    if "platform" in changes:
        changes["platform"] = changes["platform"] or ""
    kept = {key: data[key] for key in actions.SENTRY_PROJECT_DEFAULTS if key in data}
    if isinstance(kept.get("options"), dict):  # as Sentry: only the options sent change
        kept["options"] = {**project.sentry_settings.get("options", {}), **kept["options"]}
    if kept:
        changes["sentry_settings"] = {**project.sentry_settings, **kept}
    if "slug" in body:
        changes["slug"] = body["slug"]
    return changes


class ProjectDetail(APIView):
    required_scopes = {"GET": "project:read", "PUT": "project:write",
                       "DELETE": "project:admin"}

    @detail()
    def get(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        return Response(serializers.project(project))

    @detail(request=ProjectInput)
    def put(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_rw_project_for_user(request.user, org_slug, project_slug)
        actions.update_project(project, **project_changes(project, request.data))
        return Response(serializers.project(project))

    @detail(status=204)
    def delete(self, request: Request, org_slug: str, project_slug: str) -> Response:
        actions.delete_project(access.get_rw_project_for_user(request.user, org_slug,
                                                              project_slug))
        return Response(status=204)


class RateLimitInput(drf.Serializer):
    count = drf.IntegerField(min_value=0, max_value=actions.MAX_RATE_LIMIT_COUNT)
    window = drf.IntegerField(min_value=1, max_value=86400)


class LoaderInput(drf.Serializer):
    hasReplay = drf.BooleanField(required=False)
    hasPerformance = drf.BooleanField(required=False)
    hasDebug = drf.BooleanField(required=False)


class KeyInput(drf.Serializer):
    """A POST/PUT body; the field names are Sentry's (camelCase)."""

    name = drf.CharField(max_length=64, required=False, allow_blank=True)
    isActive = drf.BooleanField(required=False)
    rateLimit = RateLimitInput(required=False, allow_null=True)
    browserSdkVersion = drf.RegexField(r"^(latest|\d{1,2}\.x)$", max_length=16, required=False)
    dynamicSdkLoaderOptions = LoaderInput(required=False)


def set_loader(key: ProjectKey, body: dict) -> None:
    """Terraform sends the Loader Script settings with a key; we keep them to show back."""
    options = body.get("dynamicSdkLoaderOptions") or {}
    if "browserSdkVersion" in body or options:
        actions.set_project_key_loader(
            key, body.get("browserSdkVersion"), has_replay=options.get("hasReplay"),
            has_performance=options.get("hasPerformance"), has_debug=options.get("hasDebug"))


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
        set_loader(key, body)
        return Response(serializers.project_key(key), status=201)


class ProjectKeyDetail(APIView):
    required_scopes = {"GET": "project:read", "PUT": "project:write",
                       "DELETE": "project:admin"}

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
        set_loader(key, body)
        return Response(serializers.project_key(key))

    @detail(status=204)
    def delete(self, request: Request, org_slug: str, project_slug: str,
               key_id: str) -> Response:
        actions.delete_project_key(access.get_rw_project_key_for_user(
            request.user, org_slug, project_slug, key_id))
        return Response(status=204)
