"""Events of an issue or a project, one event, and an issue's tag breakdown, in Sentry's
shapes. Event lists take `full=true` (whole events), `statsPeriod` or `start`/`end` (by the
event's time; none: every stored event), `environment` (repeatable), `query` (free text and the
event's own columns: environment, release, level, id) and `sort` (`-timestamp`, `timestamp`)."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access
from errortrack.api import serializers
from errortrack.api.pagination import paginate
from errortrack.api.schema import EVENT_FILTERS, detail, listing
from errortrack.api.timerange import time_range
from errortrack.models import Event, Issue, IssueTagValue
from errortrack.queries.events import filtered_events, grouped_events, neighbours
from errortrack.queries.tags import TagDistribution, tag_distribution, tag_total, tag_values

EVENT_SCOPES = {"GET": "event:read"}
TAG_KEYS, TOP_VALUES = 100, 9  # as Sentry lists them


def _events(issue: Issue) -> QuerySet[Event]:
    return Event.objects.filter(issue=issue).select_related("issue")


def full_event(event: Event) -> Response:
    return Response(serializers.event(event, *neighbours(event)))


def event_page(request: Request, events: QuerySet[Event]) -> Response:
    """One page of `events` as the request's filters narrow them (module docstring)."""
    params = request.query_params
    span = time_range(params, timezone.now(), default_period=None)
    events = filtered_events(events, span.start if span else None, span.end if span else None,
                             params.getlist("environment"), params.get("query", ""),
                             params.get("sort") or "-timestamp")
    page = paginate(request, events)
    full = params.get("full", "").lower() in ("1", "true")
    shape = serializers.event if full else serializers.event_summary
    return Response([shape(event) for event in page.items], headers={"Link": page.link})


class IssueEventList(APIView):
    """`…/issues/{id}/events/` (the organization's issue id or short id, or the legacy id)."""

    required_scopes = EVENT_SCOPES

    @listing(*EVENT_FILTERS)
    def get(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        return event_page(request, _events(issue))


class ProjectEventList(APIView):
    """`/projects/{org}/{project}/events/`: the project's events, newest first (sentry-cli
    `events list` follows its cursor)."""

    required_scopes = EVENT_SCOPES

    @listing(*EVENT_FILTERS)
    def get(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        return event_page(request, grouped_events(project))


class IssueEventDetail(APIView):
    """`…/issues/{id}/events/{event_id|latest|oldest|recommended}/`."""

    required_scopes = EVENT_SCOPES

    @detail()
    def get(self, request: Request, issue_id: str, event_id: str,
            org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        events = _events(issue)
        if event_id in ("latest", "recommended"):
            event = events.order_by("-timestamp", "-pk").first()
        elif event_id == "oldest":
            event = events.order_by("timestamp", "pk").first()
        else:
            event = events.filter(event_id=event_id.replace("-", "").lower()).first()
        if event is None:
            raise Http404("No such event.")
        return full_event(event)


class ProjectEventDetail(APIView):
    required_scopes = EVENT_SCOPES

    @detail()
    def get(self, request: Request, org_slug: str, project_slug: str,
            event_id: str) -> Response:
        return full_event(access.get_event_for_user(request.user, org_slug, project_slug,
                                                    event_id))


def tag_value_json(row: IssueTagValue) -> dict:
    return {"key": row.key, "name": row.value, "value": row.value, "count": row.times_seen,
            "firstSeen": serializers.iso(row.first_seen),
            "lastSeen": serializers.iso(row.last_seen)}


def tag_json(tag: TagDistribution) -> dict:
    return {"key": tag.key, "name": tag.key, "totalValues": tag.total,
            "topValues": [tag_value_json(row) for row in tag.top_values]}


class IssueTagList(APIView):
    """`…/issues/{id}/tags/`: each key with its total and top values."""

    required_scopes = EVENT_SCOPES

    @detail()
    def get(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        return Response([tag_json(tag) for tag in tag_distribution(issue, TAG_KEYS, TOP_VALUES)])


class IssueTagDetail(APIView):
    """`…/issues/{id}/tags/{key}/`: one key's total and top values."""

    required_scopes = EVENT_SCOPES

    @detail()
    def get(self, request: Request, issue_id: str, key: str,
            org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        total = tag_total(issue, key)
        if total is None:
            raise Http404("No such tag.")
        values = tag_values(issue, key)
        body = tag_json(TagDistribution(key, total, list(values[:TOP_VALUES])))
        return Response({**body, "uniqueValues": values.count()})


class IssueTagValueList(APIView):
    """`…/issues/{id}/tags/{key}/values/`: every value of one key, most frequent first."""

    required_scopes = EVENT_SCOPES

    @listing()
    def get(self, request: Request, issue_id: str, key: str,
            org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        page = paginate(request, tag_values(issue, key))
        return Response([tag_value_json(row) for row in page.items], headers={"Link": page.link})
