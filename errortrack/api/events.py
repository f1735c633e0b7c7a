"""Events of an issue, one event, and an issue's tag breakdown, in Sentry's shapes."""

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access
from errortrack.api import serializers
from errortrack.api.pagination import paginate
from errortrack.api.schema import detail, listing, query
from errortrack.models import Event, Issue, IssueTagValue

EVENT_SCOPES = {"GET": "event:read"}


def _events(issue: Issue) -> QuerySet[Event]:
    return Event.objects.filter(issue=issue).select_related("issue")


def neighbours(event: Event) -> tuple[str | None, str | None]:
    """The previous and next event of the same issue, by time (then id)."""
    same = Event.objects.filter(issue_id=event.issue_id)
    earlier = same.filter(Q(timestamp__lt=event.timestamp)
                          | Q(timestamp=event.timestamp, pk__lt=event.pk))
    later = same.filter(Q(timestamp__gt=event.timestamp)
                        | Q(timestamp=event.timestamp, pk__gt=event.pk))
    previous = earlier.order_by("-timestamp", "-pk").values_list("event_id", flat=True).first()
    following = later.order_by("timestamp", "pk").values_list("event_id", flat=True).first()
    return previous, following


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


def _values_of(issue: Issue, key: str) -> QuerySet[IssueTagValue]:
    return IssueTagValue.objects.filter(issue=issue, key=key).order_by("-times_seen", "value")


def tag_value_json(row: IssueTagValue) -> dict:
    return {"key": row.key, "name": row.value, "value": row.value, "count": row.times_seen,
            "firstSeen": serializers.iso(row.first_seen),
            "lastSeen": serializers.iso(row.last_seen)}


def _tag_values(issue: Issue, key: str, limit: int) -> list[dict]:
    return [tag_value_json(row) for row in _values_of(issue, key)[:limit]]


class IssueTagList(APIView):
    """`…/issues/{id}/tags/`: each key with its total and top values."""

    required_scopes = EVENT_SCOPES

    @detail()
    def get(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        keys = (IssueTagValue.objects.filter(issue=issue).values("key")
                .annotate(total=Sum("times_seen")).order_by("-total", "key")[:100])
        return Response([{"key": row["key"], "name": row["key"], "totalValues": row["total"],
                          "topValues": _tag_values(issue, row["key"], 9)} for row in keys])


class IssueTagDetail(APIView):
    """`…/issues/{id}/tags/{key}/`: one key's total and top values."""

    required_scopes = EVENT_SCOPES

    @detail()
    def get(self, request: Request, issue_id: str, key: str,
            org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        total = IssueTagValue.objects.filter(issue=issue, key=key).aggregate(
            total=Sum("times_seen"))["total"]
        if total is None:
            raise Http404("No such tag.")
        return Response({"key": key, "name": key, "totalValues": total,
                         "topValues": _tag_values(issue, key, 9)})


class IssueTagValueList(APIView):
    """`…/issues/{id}/tags/{key}/values/`: every value of one key, most frequent first."""

    required_scopes = EVENT_SCOPES

    @listing()
    def get(self, request: Request, issue_id: str, key: str,
            org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        page = paginate(request, _values_of(issue, key))
        return Response([tag_value_json(row) for row in page.items], headers={"Link": page.link})
