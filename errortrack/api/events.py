"""Events of an issue, one event, and an issue's tag breakdown, in Sentry's shapes."""

from django.db.models import QuerySet
from django.http import Http404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access
from errortrack.api import serializers
from errortrack.api.pagination import paginate
from errortrack.api.schema import detail, listing, query
from errortrack.models import Event, Issue, IssueTagValue
from errortrack.queries.events import neighbours
from errortrack.queries.tags import TagDistribution, tag_distribution, tag_total, tag_values

EVENT_SCOPES = {"GET": "event:read"}
TAG_KEYS, TOP_VALUES = 100, 9  # as Sentry lists them


def _events(issue: Issue) -> QuerySet[Event]:
    return Event.objects.filter(issue=issue).select_related("issue")


def full_event(event: Event) -> Response:
    return Response(serializers.event(event, *neighbours(event)))


class IssueEventList(APIView):
    """`…/issues/{id}/events/`: newest first; `full=true` for whole events."""

    required_scopes = EVENT_SCOPES

    @listing(query("full", "true for whole events"))
    def get(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        full = request.query_params.get("full", "").lower() in ("1", "true")
        page = paginate(request, _events(issue).order_by("-timestamp", "-pk"))
        shape = serializers.event if full else serializers.event_summary
        return Response([shape(event) for event in page.items], headers={"Link": page.link})


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
        return Response(tag_json(TagDistribution(key, total,
                                                 list(tag_values(issue, key)[:TOP_VALUES]))))


class IssueTagValueList(APIView):
    """`…/issues/{id}/tags/{key}/values/`: every value of one key, most frequent first."""

    required_scopes = EVENT_SCOPES

    @listing()
    def get(self, request: Request, issue_id: str, key: str,
            org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        page = paginate(request, tag_values(issue, key))
        return Response([tag_value_json(row) for row in page.items], headers={"Link": page.link})
