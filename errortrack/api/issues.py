"""Issues: lists with Sentry's search syntax, one issue, and bulk changes.

Routes (as Sentry's):
- `GET|PUT|DELETE /api/0/projects/{org}/{project}/issues/` and `/organizations/{org}/issues/`
- `GET|PUT|DELETE /api/0/organizations/{org}/issues/{id}/` and the legacy `/api/0/issues/{id}/`

Bulk PUT/DELETE take `?id=` (repeatable), or else apply to what `query` and `status` match: with
neither, to every issue (what `sentry-cli issues … --all` sends).
"""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers as drf
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access, actions
from errortrack.api import serializers
from errortrack.api.activity import activity_json
from errortrack.api.organizations import valid
from errortrack.api.pagination import paginate
from errortrack.api.schema import ISSUE_FILTERS, detail, extend_schema, listing
from errortrack.models import Issue, Organization, Project
from errortrack.queries import search
from errortrack.queries.assignees import resolve_assignee
from errortrack.queries.issues import matching_issues

ISSUE_SCOPES = {"GET": "event:read", "PUT": "event:write", "DELETE": "event:admin"}
MAX_BULK = 1000
STATUSES = ["resolved", "resolvedInNextRelease", "unresolved", "ignored", "muted"]


def _stats_period(request: Request, default: str = "24h") -> str | None:
    period = request.query_params.get("statsPeriod",
                                      request.query_params.get("groupStatsPeriod", default))
    if period not in ("", "24h", "14d", "auto"):
        raise ParseError("statsPeriod must be 24h, 14d or empty.")
    return "24h" if period == "auto" else (period or None)


def filtered_issues(request: Request, organization: Organization, project: Project | None,
                    default_query: str = "is:unresolved") -> QuerySet[Issue]:
    """The issues a list or bulk request means: ids, or the query (by default unresolved ones
    for a list, all of them for a bulk change), status, projects, environments; sorted."""
    issues = Issue.objects.filter(project__organization=organization, merged_into__isnull=True)
    if project is not None:
        issues = issues.filter(project=project)
    else:
        wanted = [p for p in request.query_params.getlist("project") if p not in ("", "-1")]
        if wanted:
            project_ids = access.object_ids(wanted)
            if project_ids is None:
                raise ParseError("project must be project ids.")
            issues = issues.filter(project_id__in=project_ids)
    ids = request.query_params.getlist("id")
    if ids:
        issue_ids = access.object_ids(ids)
        if issue_ids is None:
            raise ParseError("id must be issue ids.")
        return issues.filter(pk__in=issue_ids)
    query = request.query_params.get("query", default_query)
    status = request.query_params.get("status")  # sentry-cli's --status
    if status:
        query = f"{query} is:{'ignored' if status == 'muted' else status}"
    try:
        return matching_issues(issues, query, access.signed_in_user(request),
                               request.query_params.get("sort", "date"),
                               request.query_params.getlist("environment"))
    except search.SearchError as error:
        raise ParseError(str(error)) from None


class IssueUpdate(drf.Serializer):
    """A PUT body; the field names are Sentry's (camelCase)."""

    status = drf.ChoiceField(STATUSES, required=False)
    statusDetails = drf.DictField(required=False, allow_null=True)
    substatus = drf.CharField(required=False, allow_null=True)
    snoozeDuration = drf.IntegerField(required=False, allow_null=True, min_value=1)  # sentry-cli
    assignedTo = drf.CharField(required=False, allow_null=True, allow_blank=True)
    hasSeen = drf.BooleanField(required=False)
    isBookmarked = drf.BooleanField(required=False)
    isSubscribed = drf.BooleanField(required=False)
    isPublic = drf.BooleanField(required=False)
    merge = drf.BooleanField(required=False)


def apply_update(issues: list[Issue], body: dict, user: User,
                 organization: Organization) -> dict:
    """Apply a PUT body to `issues` through the actions; return what Sentry echoes."""
    result: dict = {}
    details = body.get("statusDetails") or {}
    if "status" in body:
        status = body["status"]
        in_next = status == "resolvedInNextRelease" or bool(details.get("inNextRelease"))
        status = {"resolvedInNextRelease": "resolved", "muted": "ignored"}.get(status, status)
        minutes = body.get("snoozeDuration") or details.get("ignoreDuration")
        if minutes is not None and not (isinstance(minutes, int) and minutes > 0):
            raise ValidationError("ignoreDuration must be a whole number of minutes.")
        for issue in issues:
            actions.set_issue_status(issue, status, user, in_next_release=in_next,
                                     ignore_minutes=minutes if status == "ignored" else None)
        result.update(status=status, statusDetails=(
            {"inNextRelease": True} if in_next else
            {"ignoreDuration": minutes} if minutes else {}))
    if "assignedTo" in body:
        assignee = resolve_assignee(body["assignedTo"], organization)
        for issue in issues:
            actions.assign_issue(issue, assignee, user)
        result["assignedTo"] = serializers.assignee_json(assignee)
    for field, action in (("hasSeen", actions.set_issue_seen),
                          ("isBookmarked", actions.set_issue_bookmark)):
        if field in body:
            for issue in issues:
                action(issue, user, body[field])
            result[field] = body[field]
    for field in ("isSubscribed", "isPublic"):  # accepted; errortrack has no such state yet
        if field in body:
            result[field] = False
    return result


class IssueList(APIView):
    """A project's or an organization's issues; PUT and DELETE change many at once."""

    required_scopes = ISSUE_SCOPES

    def scope(self, request: Request, org_slug: str,
              project_slug: str | None) -> tuple[Organization, Project | None]:
        if project_slug is None:
            return access.get_organization_for_user(request.user, org_slug), None
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        return project.organization, project

    @listing(*ISSUE_FILTERS)
    def get(self, request: Request, org_slug: str, project_slug: str | None = None) -> Response:
        organization, project = self.scope(request, org_slug, project_slug)
        issues = filtered_issues(request, organization, project).select_related(
            "project__organization", "assigned_user", "assigned_team")
        page = paginate(request, issues)
        user = access.signed_in_user(request)
        return Response(serializers.issues(page.items, user, timezone.now(),
                                           _stats_period(request)),
                        headers={"Link": page.link})

    @extend_schema(parameters=ISSUE_FILTERS, request=IssueUpdate, responses={200: dict})
    def put(self, request: Request, org_slug: str, project_slug: str | None = None) -> Response:
        organization, project = self.scope(request, org_slug, project_slug)
        user = access.signed_in_user(request)
        body = valid(IssueUpdate, request.data)
        issues = list(filtered_issues(request, organization, project, "")[:MAX_BULK])
        if not issues:
            return Response(status=204)
        if body.get("merge"):
            if len(issues) < 2:
                raise ValidationError("Merging needs at least two issues.")
            primary = actions.merge_issues(issues, user)
            return Response({"merge": {"parent": str(primary.pk),
                                       "children": [str(i.pk) for i in issues
                                                    if i.pk != primary.pk]}})
        with transaction.atomic():
            return Response(apply_update(issues, body, user, organization))

    @extend_schema(parameters=ISSUE_FILTERS, responses={204: None})
    def delete(self, request: Request, org_slug: str,
               project_slug: str | None = None) -> Response:
        organization, project = self.scope(request, org_slug, project_slug)
        access.get_rw_organization_for_user(request.user, org_slug)
        for issue in filtered_issues(request, organization, project, "")[:MAX_BULK]:
            actions.delete_issue(issue)
        return Response(status=204)


class IssueDetail(APIView):
    """One issue, by id (or short id with the organization): read, change, delete."""

    required_scopes = ISSUE_SCOPES

    @detail()
    def get(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        [body] = serializers.issues([issue], access.signed_in_user(request), timezone.now(),
                                    "24h")
        return Response({**body, "activity": activity_json(issue.pk)})

    @detail(request=IssueUpdate)
    def put(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_rw_issue_for_user(request.user, issue_id, org_slug)
        body = valid(IssueUpdate, request.data)
        with transaction.atomic():
            result = apply_update([issue], body, access.signed_in_user(request),
                                  issue.project.organization)
        return Response(result)

    @extend_schema(responses={202: None})
    def delete(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_deletable_issue_for_user(request.user, issue_id, org_slug)
        actions.delete_issue(issue)
        return Response(status=202)
