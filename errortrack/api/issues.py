"""Issues: lists with Sentry's search syntax, one issue, and bulk changes.

Routes (as Sentry's):
- `GET|PUT|DELETE /api/0/projects/{org}/{project}/issues/` and `/organizations/{org}/issues/`
- `GET|PUT|DELETE /api/0/organizations/{org}/issues/{id}/` and the legacy `/api/0/issues/{id}/`

The organization list reads `statsPeriod` (or `start`/`end`) as its time range and
`groupStatsPeriod` as the `stats` series; the deprecated project list has no range and reads
`statsPeriod` as the series. Both answer a query that names an event id, or a short id with
`shortIdLookup=1`, with that issue alone (`X-Sentry-Direct-Hit: 1`), as Sentry does.

Bulk PUT/DELETE take `?id=` (repeatable), or else apply to what `query` and `status` match: with
neither, to every issue (what `sentry-cli issues … --all` sends). They answer Sentry's echo of
the change; a PUT of one issue answers the whole updated issue (the MCP server's update_issue
parses nothing else).
"""

from datetime import datetime

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
from errortrack.api.timerange import time_range
from errortrack.models import Issue, Organization, Project
from errortrack.queries import search
from errortrack.queries.assignees import resolve_assignee
from errortrack.queries.events import find_event
from errortrack.queries.feedback import issue_reports
from errortrack.queries.issues import (
    EVENT_ID,
    direct_hits,
    issue_releases,
    matching_issues,
    seen_between,
)

ISSUE_SCOPES = {"GET": "event:read", "PUT": "event:write", "DELETE": "event:admin"}
MAX_BULK = 1000
STATUSES = ["resolved", "resolvedInNextRelease", "unresolved", "ignored", "muted"]
STATS_SERIES = ("", "24h", "14d", "auto")
DEFAULT_RANGE = "90d"  # Sentry's, when neither statsPeriod nor start/end is given


def _stats_series(request: Request, *names: str) -> str | None:
    """The `stats` series the first of `names` present asks for: 24h by default, none for "".
    `auto` (Sentry: a series over the time range) gives the 24h series: we keep none other."""
    name = next((name for name in names if name in request.query_params), names[0])
    period = request.query_params.get(name, "24h")
    if period not in STATS_SERIES:
        raise ParseError(f"{name} must be 24h, 14d, auto or empty.")
    return "24h" if period == "auto" else (period or None)


def scoped_issues(request: Request, organization: Organization,
                  project: Project | None) -> QuerySet[Issue]:
    """The issues a request may name: the project's, or the organization's in the projects
    `project=` names (`-1` or none: all)."""
    issues = Issue.objects.filter(project__organization=organization, merged_into__isnull=True)
    if project is not None:
        return issues.filter(project=project)
    wanted = [p for p in request.query_params.getlist("project") if p not in ("", "-1")]
    if wanted:
        project_ids = access.object_ids(wanted)
        if project_ids is None:
            raise ParseError("project must be project ids.")
        issues = issues.filter(project_id__in=project_ids)
    return issues


def filtered_issues(request: Request, organization: Organization, project: Project | None,
                    default_query: str = "is:unresolved") -> QuerySet[Issue]:
    """The issues a list or bulk request means: ids, or the query (by default unresolved ones
    for a list, all of them for a bulk change), status, projects, environments; sorted."""
    issues = scoped_issues(request, organization, project)
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


def issue_body(issue: Issue, user: User, now: datetime) -> dict:
    """One issue as its detail route answers it (and a PUT of it)."""
    latest = find_event(issue, None)
    logger = latest.data.get("logger") if latest is not None else None
    return serializers.issue_detail(issue, user, now, issue_releases(issue),
                                    logger if isinstance(logger, str) else None,
                                    issue_reports(issue).count(), activity_json(issue.pk))


class IssueUpdate(drf.Serializer):
    """A PUT body; the field names are Sentry's (camelCase)."""

    status = drf.ChoiceField(STATUSES, required=False)
    statusDetails = drf.DictField(required=False, allow_null=True)
    substatus = drf.CharField(required=False, allow_null=True)
    snoozeDuration = drf.IntegerField(required=False, allow_null=True, min_value=1)  # sentry-cli
    # The MCP server's update_issue sends these beside status; a duration (minutes) is kept,
    # the count and user thresholds are accepted and not kept (no such ignore rules here).
    ignoreDuration = drf.IntegerField(required=False, allow_null=True, min_value=1)
    ignoreCount = drf.IntegerField(required=False, allow_null=True, min_value=0)
    ignoreWindow = drf.IntegerField(required=False, allow_null=True, min_value=0)
    ignoreUserCount = drf.IntegerField(required=False, allow_null=True, min_value=0)
    ignoreUserWindow = drf.IntegerField(required=False, allow_null=True, min_value=0)
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
        minutes = (body.get("snoozeDuration") or body.get("ignoreDuration")
                   or details.get("ignoreDuration"))
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
        now = timezone.now()
        organization, project = self.scope(request, org_slug, project_slug)
        user = access.signed_in_user(request)
        params = request.query_params
        series = _stats_series(request, "groupStatsPeriod") if project is None else (
            _stats_series(request, "statsPeriod", "groupStatsPeriod"))
        span = time_range(params, now, DEFAULT_RANGE) if project is None else None
        query = params.get("query", "")
        hits = direct_hits(scoped_issues(request, organization, project), query,
                           params.get("shortIdLookup") == "1")
        if hits is not None:
            return self.direct_hit(request, hits, user, now, series, query)
        issues = filtered_issues(request, organization, project)
        if span is not None and not params.getlist("id"):
            issues = seen_between(issues, span.start, span.end)
        page = paginate(request, issues.select_related(
            "project__organization", "assigned_user", "assigned_team"))
        return Response(serializers.issues(page.items, user, now, series),
                        headers={"Link": page.link})

    @staticmethod
    def direct_hit(request: Request, hits: list[Issue], user: User, now: datetime,
                   series: str | None, query: str) -> Response:
        """The issues an event id or a short id names, whatever the range and status."""
        page = paginate(request, hits)
        body = serializers.issues(page.items, user, now, series)
        event_id = query.strip().replace("-", "").lower()
        for item in body if EVENT_ID.match(event_id) else []:
            item["matchingEventId"] = event_id
        return Response(body, headers={"Link": page.link, "X-Sentry-Direct-Hit": "1"})

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
        return Response(issue_body(issue, access.signed_in_user(request), timezone.now()))

    @detail(request=IssueUpdate)
    def put(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        now = timezone.now()
        issue = access.get_rw_issue_for_user(request.user, issue_id, org_slug)
        user = access.signed_in_user(request)
        body = valid(IssueUpdate, request.data)
        with transaction.atomic():
            apply_update([issue], body, user, issue.project.organization)
        updated = access.get_issue_for_user(request.user, str(issue.pk))
        return Response(issue_body(updated, user, now))

    @extend_schema(responses={202: None})
    def delete(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_deletable_issue_for_user(request.user, issue_id, org_slug)
        actions.delete_issue(issue)
        return Response(status=202)
