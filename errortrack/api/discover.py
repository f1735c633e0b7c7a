"""The events API, Discover-style (Sentry's routes and shapes; the logic is in
errortrack.queries.discover, one module per dataset):

- `GET /api/0/organizations/{org}/events/`: a table of events or of groups with aggregates,
  `{"data": [rows keyed by the requested field strings], "meta": {"fields", "units"}}` and the
  Link header. [docs.sentry.io/api/discover/query-discover-events-in-table-format/]
- `GET …/events-stats/`: aggregates per time bucket (Grafana's charts).
- `GET …/events/validate/`: each part of a request checked (the MCP server asks first).

A `project` id that is not one of the caller's organization's projects answers 404, like one
that does not exist (Sentry answers 403 for both; our tenant rule is 404, and either way
nothing is learned about other organizations).
"""

from datetime import timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access
from errortrack.api.pagination import paginate
from errortrack.api.schema import DISCOVER_FILTERS, detail, listing, query
from errortrack.api.timerange import TimeRange, parse_period, time_range
from errortrack.models import Organization, Project
from errortrack.queries.discover import Dataset, get_dataset
from errortrack.queries.discover.fields import DiscoverError, Selected, parse_fields
from errortrack.queries.discover.filters import NoneOf, parse_query
from errortrack.queries.discover.series import (
    MAX_TOP_EVENTS,
    Buckets,
    buckets,
    series,
    top_groups,
    within,
)
from errortrack.queries.discover.table import TableQuery, meta, parse_sorts, table
from errortrack.queries.discover.validate import validate

EVENT_SCOPES = {"GET": "event:read"}
DEFAULT_PER_PAGE = 50
# Default buckets: the smallest of these that keeps a chart within DEFAULT_POINTS points.
STANDARD_INTERVALS = [60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86400, 7 * 86400]
DEFAULT_POINTS = 500
TEXT_PARAMS = ("field", "query", "sort", "orderby", "yAxis", "environment", "dataset")


def _clean(request: Request) -> None:
    """PostgreSQL refuses NUL in text: such a parameter is a 400, not a 500 later."""
    for name in TEXT_PARAMS:
        if any("\x00" in value for value in request.query_params.getlist(name)):
            raise ParseError(f"{name} must not contain NUL characters.")


def requested_projects(request: Request, organization: Organization) -> QuerySet[Project]:
    """`?project=<id>` (repeatable; `-1` or none: all the caller's projects of the
    organization); 404 for an id that is not one of them."""
    projects = access.projects_for_user(request.user, organization)
    wanted = [p for p in request.query_params.getlist("project") if p not in ("", "-1")]
    if not wanted:
        return projects
    ids = access.object_ids(wanted)
    if ids is None:
        raise ParseError("project must be project ids.")
    chosen = projects.filter(pk__in=ids)
    if chosen.count() != len(ids):
        raise Http404("No such project.")
    return chosen


def _sorts_requested(request: Request) -> list[str]:
    return request.query_params.getlist("sort") + request.query_params.getlist("orderby")


def table_query(request: Request, dataset: Dataset, projects: QuerySet[Project],
                span: TimeRange | None, fields: list[str]) -> TableQuery:
    """The TableQuery that a request's `field`, `query`, `sort` and `environment` mean."""
    if not fields:
        raise DiscoverError("No columns selected.")
    columns = parse_fields(dataset.fields, fields)
    conditions = parse_query(dataset.fields, dataset.text_fields,
                             request.query_params.get("query", ""))
    rows = dataset.scoped(projects, request.query_params.getlist("environment"),
                          span.start if span else None, span.end if span else None)
    return TableQuery(dataset, rows, columns, list(conditions),
                      parse_sorts(columns, _sorts_requested(request)))


class OrganizationEvents(APIView):
    """`…/events/`: the table; `per_page` 1-100 (larger is capped), Sentry's cursor."""

    required_scopes = EVENT_SCOPES

    @listing(*DISCOVER_FILTERS, query("per_page", "Rows per page (1-100)"))
    def get(self, request: Request, org_slug: str) -> Response:
        _clean(request)
        organization = access.get_organization_for_user(request.user, org_slug)
        dataset = get_dataset(request.query_params.get("dataset"))
        projects = requested_projects(request, organization)
        span = time_range(request.query_params, timezone.now())
        wanted = table_query(request, dataset, projects, span,
                             request.query_params.getlist("field"))
        found = table(wanted)
        page = paginate(request, found.items, DEFAULT_PER_PAGE)
        return Response({"data": [found.shape(item) for item in page.items],
                         "meta": meta(wanted.columns, found.capped)},
                        headers={"Link": page.link})


class OrganizationEventsValidate(APIView):
    """`…/events/validate/`: 200 with every list empty when the request is valid, else 400
    with each part checked."""

    required_scopes = EVENT_SCOPES

    @detail(parameters=[*DISCOVER_FILTERS, query("orderby", "Sorts to check", many=True)])
    def get(self, request: Request, org_slug: str) -> Response:
        _clean(request)
        organization = access.get_organization_for_user(request.user, org_slug)
        projects: QuerySet[Project] | None
        try:
            projects, project_error = requested_projects(request, organization), None
        except (Http404, ParseError) as problem:
            projects, project_error = None, str(getattr(problem, "detail", problem))
        body = validate(request.query_params.get("dataset"), projects, project_error,
                        request.query_params.getlist("environment"),
                        request.query_params.getlist("field"),
                        request.query_params.get("query", ""), _sorts_requested(request))
        return Response(body, status=200 if body["valid"] else 400)


def interval_seconds(raw: str | None, span: TimeRange) -> int:
    """`interval` (`30s`, `5m`, `1h`, `1d`; Sentry's names) in seconds; when absent, the
    smallest standard interval that keeps the chart within DEFAULT_POINTS buckets."""
    if raw:  # parse_period refuses anything but a number and a unit, naming `interval`
        seconds = int(parse_period(raw, "interval").total_seconds())
        if seconds < 1:
            raise ParseError("interval must be at least 1s.")
        return seconds
    length = (span.end - span.start).total_seconds()
    return next((size for size in STANDARD_INTERVALS if length / size <= DEFAULT_POINTS),
                STANDARD_INTERVALS[-1])


def _block(points: list, slots: Buckets, order: int) -> dict:
    return {"data": points, "order": order, "start": slots.first * slots.size,
            "end": (slots.last + 1) * slots.size, "isMetricsData": False}


def _top_events(request: Request) -> int:
    raw = request.query_params.get("topEvents", "")
    if raw in ("", "0"):
        return 0
    if not raw.isdecimal() or not 1 <= int(raw) <= MAX_TOP_EVENTS:
        raise ParseError(f"topEvents must be a whole number from 1 to {MAX_TOP_EVENTS}.")
    return int(raw)


def _series_by_axis(wanted: TableQuery, y_axes: list[Selected], slots: Buckets) -> dict:
    if len(y_axes) == 1:
        return _block(series(wanted, y_axes[0], slots), slots, 0)
    return {y.text: _block(series(wanted, y, slots), slots, order)
            for order, y in enumerate(y_axes)}


class OrganizationEventsStats(APIView):
    """`…/events-stats/`: one series per `yAxis` (default `count()`), or per top group with
    `topEvents` and `field` group-bys; `[[bucket start, [{"count": n}]], …]` each."""

    required_scopes = EVENT_SCOPES

    @detail(parameters=[*DISCOVER_FILTERS, query("yAxis", "Aggregates to chart", many=True),
                        query("interval", "Bucket size: 30s, 5m, 1h, 1d"),
                        query("topEvents", "Chart the N largest groups of `field` (≤ 10)"),
                        query("excludeOther", "1: no \"Other\" series with topEvents"),
                        query("partial", "Ignored: the last bucket is always partial")])
    def get(self, request: Request, org_slug: str) -> Response:
        _clean(request)
        now = timezone.now()
        organization = access.get_organization_for_user(request.user, org_slug)
        dataset = get_dataset(request.query_params.get("dataset"))
        projects = requested_projects(request, organization)
        span = time_range(request.query_params, now) or TimeRange(now - timedelta(days=14), now)
        slots = buckets(span.start, span.end,
                        interval_seconds(request.query_params.get("interval"), span))
        y_texts = request.query_params.getlist("yAxis") or ["count()"]
        y_axes = table_query(request, dataset, projects, span, y_texts).columns
        if not all(y.is_aggregate for y in y_axes):
            raise DiscoverError("yAxis must be aggregate functions such as count().")
        top = _top_events(request)
        if not top:
            return Response(_series_by_axis(
                table_query(request, dataset, projects, span, y_texts), y_axes, slots))
        groups = [text for text in request.query_params.getlist("field")
                  if text.strip() and not text.strip().endswith(")")]
        if not groups:
            raise DiscoverError("topEvents needs at least one field to group by.")
        wanted = table_query(request, dataset, projects, span, [*groups, *y_texts])
        if not wanted.sorts:
            wanted.sorts = parse_sorts(wanted.columns, [f"-{y_axes[0].text}"])
        found = top_groups(wanted, top + 1)
        body = {}
        for order, group in enumerate(found[:top]):
            body[group.name] = {**_series_by_axis(within(wanted, group.condition), y_axes,
                                                  slots), "order": order}
        if len(found) > top and request.query_params.get("excludeOther") not in ("1", "true"):
            others = within(wanted, NoneOf(tuple(group.condition for group in found[:top])))
            body["Other"] = {**_series_by_axis(others, y_axes, slots), "order": top}
        return Response(body)
