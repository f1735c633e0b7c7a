"""The errors dataset: stored error events (not uptime or cron failures), one row each.

Columns of the Event table (id, timestamp, level, release, environment, title, the issue and
project) filter, sort and group in the database; the rest is read from the stored event
document (`Event.data`, decompressed on access).
"""

from typing import Any

from django.db.models import CharField, Model, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, Upper

from errortrack.access import SHORT_ID
from errortrack.models import Event, Issue, Project
from errortrack.queries.discover import Dataset
from errortrack.queries.discover.fields import FieldSet, FieldSpec


def iso(moment: Any) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def _blank_is_null(value: Any) -> Any:
    return value if value not in ("", None) else None


def _data(path: str) -> Any:
    """A reader of the event document at a dotted path (None where it is missing)."""
    keys = path.split(".")

    def read(event: Event) -> Any:
        node: Any = event.data
        for key in keys:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return _blank_is_null(node) if not isinstance(node, dict | list) else None
    return read


def _exceptions(key: str) -> Any:
    def read(event: Event) -> list:
        values = (event.data.get("exception") or {}).get("values") or []
        return [exc.get(key) for exc in values if isinstance(exc, dict) and exc.get(key)]
    return read


def _tags(event: Event) -> dict:
    return {pair[0]: pair[1] for pair in event.data.get("tags") or []
            if isinstance(pair, list | tuple) and len(pair) == 2}


def _message(event: Event) -> str:
    data = event.data
    logentry = data.get("logentry") or {}
    return (data.get("message") or logentry.get("formatted") or logentry.get("message")
            or event.title)


def _user_display(event: Event) -> str | None:
    user = event.data.get("user") or {}
    for key in ("email", "username", "id", "ip_address"):
        if user.get(key):
            return str(user[key])
    return None


def _issue_lookup(value: str) -> Q:
    short = SHORT_ID.match(value)
    if short is None:
        return Q(pk__in=[])
    return Q(project__slug__iexact=short[1], issue__short_id=int(short[2]))


SHORT_ID_SQL = Concat(Upper("project__slug"), Value("-"),
                      Cast("issue__short_id", CharField()), output_field=CharField())


def _field(name: str, kind: str, read: Any, **extra: Any) -> FieldSpec:
    return FieldSpec(name, kind, read, **extra)


FIELDS = [
    _field("id", "string", lambda e: e.event_id, column="event_id",
           lookup=lambda value: Q(event_id=value.replace("-", "").lower())),
    _field("timestamp", "date", lambda e: e.timestamp, column="timestamp", present=iso),
    _field("title", "string", lambda e: e.title, column="title"),
    _field("message", "string", _message, contains=True),
    _field("level", "string", lambda e: e.level or None, column="level"),
    _field("environment", "string", lambda e: e.environment or None, column="environment",
           present=_blank_is_null),
    _field("release", "string", lambda e: e.release or None, column="release",
           present=_blank_is_null),
    _field("project", "string", lambda e: e.project.slug, column="project__slug"),
    _field("project.id", "integer", lambda e: e.project_id, column="project_id"),
    _field("issue", "string", lambda e: e.issue.short_id_display, column=SHORT_ID_SQL,
           lookup=_issue_lookup),
    _field("issue.id", "integer", lambda e: e.issue_id, column="issue_id"),
    # `is:unresolved` (what people and agents add out of habit): the issue's status.
    _field("issue.status", "string", lambda e: e.issue.status, column="issue__status"),
    _field("culprit", "string", _data("culprit")),
    _field("platform", "string", _data("platform")),
    _field("transaction", "string", _data("transaction")),
    _field("event.type", "string", _data("type")),
    _field("dist", "string", _data("dist")),
    _field("logger", "string", _data("logger")),
    _field("server_name", "string", _data("server_name")),
    _field("sdk.name", "string", _data("sdk.name")),
    _field("sdk.version", "string", _data("sdk.version")),
    _field("trace", "string", _data("contexts.trace.trace_id")),
    _field("trace.span", "string", _data("contexts.trace.span_id")),
    _field("error.type", "array", _exceptions("type")),
    _field("error.value", "array", _exceptions("value")),
    _field("user", "string", lambda e: _tags(e).get("user")),
    _field("user.id", "string", _data("user.id")),
    _field("user.email", "string", _data("user.email")),
    _field("user.username", "string", _data("user.username")),
    _field("user.ip", "string", _data("user.ip_address")),
    _field("user.display", "string", _user_display),
    _field("os.name", "string", lambda e: _tags(e).get("os.name")),
    _field("browser.name", "string", _data("contexts.browser.name")),
    _field("url", "string", lambda e: _tags(e).get("url")),
]
BY_NAME = {spec.name: spec for spec in FIELDS}


def tag(key: str) -> FieldSpec:
    """`tags[key]`, and any query key the dataset does not know (Sentry's rule)."""
    return FieldSpec(f"tags[{key}]", "string", lambda e: _tags(e).get(key))


def rows(projects: QuerySet[Project]) -> QuerySet[Model]:
    # The ids as values, not a subquery: the planner then sees one project (or a few) and can
    # read a project's newest events from the (project, timestamp) index.
    ids = list(projects.values_list("pk", flat=True))
    return (Event.objects.filter(project_id__in=ids, issue__isnull=False,
                                 issue__kind=Issue.Kind.ERROR)
            .select_related("issue", "project"))


DATASET = Dataset(
    name="errors",
    fields=FieldSet(BY_NAME, tag, aliases={"event.id": "id", "eventID": "id",
                                           "group_id": "issue.id", "error.message":
                                           "error.value", "timestamp.to_second": "timestamp",
                                           "location": "culprit", "is": "issue.status"}),
    rows=rows,
    time=BY_NAME["timestamp"],
    environment="environment",
    text_fields=(BY_NAME["message"], BY_NAME["title"]),
    default_fields=("issue", "title", "project", "timestamp", "level", "message", "error.type",
                    "culprit", "user.email", "user.id"),
)
