"""OpenAPI descriptions for the API views (drf-spectacular): the parameters each route reads
and the shapes it answers, so /api/schema/ is complete and schemathesis can explore it."""

from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

OBJECT = OpenApiTypes.OBJECT
Described = TypeVar("Described", bound=Callable[..., Any])
# listing() and detail() return the view unchanged. Their return type is spelled out, not an
# alias: through `Decorator = Callable[[Described], Described]`, mypy binds Described when
# listing() is called (to Never) instead of when the decorator is applied.


def query(name: str, description: str, many: bool = False,
          kind: OpenApiTypes = OpenApiTypes.STR) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description,
                            many=many)


PAGE = [query("cursor", "Sentry's cursor, `0:<offset>:<is_prev>`, from the Link header"),
        query("limit", "Items per page (1-100)", kind=OpenApiTypes.INT)]
ISSUE_FILTERS = [
    query("query", "Sentry search syntax; default `is:unresolved`, empty for all"),
    query("sort", "date, new, freq or user"),
    query("statsPeriod", "Organization lists: the time range (30d, 24h, …; default 90d, "
                         "empty for all time); project lists: the stats series (24h, 14d, "
                         "empty)"),
    query("start", "Organization lists: the range's start (ISO 8601, naive is UTC)"),
    query("end", "Organization lists: the range's end"),
    query("groupStatsPeriod", "Organization lists: the stats series: 24h (default), 14d, "
                              "auto or empty"),
    query("shortIdLookup", "1: a query that is a short id (WEB-12) returns that issue"),
    query("environment", "Only issues seen in these environments", many=True),
    query("project", "Organization lists: project ids (-1 for all)", many=True),
    query("status", "resolved, unresolved, ignored or muted"),
    query("id", "Bulk changes: these issue ids", many=True),
]
EVENT_FILTERS = [
    query("full", "true for whole events"),
    query("statsPeriod", "Only events of this recent period (30d, 24h, …)"),
    query("start", "Only events from (ISO 8601, naive is UTC)"),
    query("end", "Only events until"),
    query("environment", "Only events of these environments", many=True),
    query("query", "Free text (title), environment:, release:, level:, id:"),
    query("sort", "-timestamp (default) or timestamp"),
]


def listing(*extra: OpenApiParameter, description: str = "") -> Callable[[Described], Described]:
    return extend_schema(parameters=[*PAGE, *extra], responses={200: OBJECT},
                         description=description)


def detail(description: str = "", request: object = None, status: int = 200,
           parameters: list[OpenApiParameter] | None = None,
           ) -> Callable[[Described], Described]:
    return extend_schema(request=request, responses={status: OBJECT}, description=description,
                         parameters=parameters)


# The events API (errortrack.api.discover): what /events/, /events-stats/ and /events/validate/
# read.
DISCOVER_FILTERS = [
    query("dataset", "errors (the default)"),
    query("field", "Columns: fields such as title or tags[key], functions such as count()",
          many=True),
    query("query", "Sentry's search syntax over events"),
    query("sort", "A selected column, `-` for descending", many=True),
    query("statsPeriod", "How far back, such as 24h or 14d (the default)"),
    query("start", "ISO 8601 (with end)"), query("end", "ISO 8601 (with start)"),
    query("project", "Project ids (-1 for all)", many=True),
    query("environment", "Only these environments", many=True),
]
