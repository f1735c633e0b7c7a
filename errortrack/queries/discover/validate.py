"""`/events/validate/`: each part of a Discover request checked on its own, in the shape the
MCP server parses (its `search_events` calls this before every search).

All valid: every list empty and `query.error` null. Otherwise every part is listed, each entry
with `valid` and `error` (fields, query fields and sorts with `name` and `attrType` too), so the
caller sees which one failed. [mcp: packages/mcp-core/src/api-client/client.ts
`validateEvents`; its test's 400 body]
"""

import copy
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db.models import QuerySet

from errortrack.models import Environment, Project
from errortrack.queries.discover import Dataset, get_dataset
from errortrack.queries.discover.fields import MAX_FIELDS, DiscoverError, parse_field
from errortrack.queries.discover.filters import parse_query, query_keys
from errortrack.queries.discover.table import SORT_NOT_SELECTED

ALL_VALID = {"valid": True, "projects": [], "dataset": [], "environment": [], "field": [],
             "query": {"valid": True, "error": None, "fields": []}, "orderby": []}
MAX_CHECKED = 50  # entries per part: enough for any real request, bounded for a hostile one


def _entry(name: str | None, check: Callable[[], str | None]) -> dict:
    """Run `check` (returns the type, or raises DiscoverError): one validation entry."""
    try:
        kind, error = check(), None
    except DiscoverError as problem:
        kind, error = None, str(problem)
    entry: dict[str, Any] = {"valid": error is None, "error": error}
    if name is not None:
        entry = {"name": name, **entry, "attrType": kind}
    return entry


def _field_kind(dataset: Dataset | None, text: str) -> str | None:
    if dataset is None:
        raise DiscoverError("The dataset is not supported.")
    return parse_field(dataset.fields, text).kind


def _query_part(dataset: Dataset | None, query: str) -> dict:
    error = None
    if dataset is not None:
        try:
            parse_query(dataset.fields, dataset.text_fields, query)
        except DiscoverError as problem:
            error = str(problem)
    keys = query_keys(query)[:MAX_CHECKED]
    fields = [_entry(key, partial(_query_key_kind, dataset, key)) for key in keys]
    valid = error is None and dataset is not None and all(f["valid"] for f in fields)
    return {"valid": valid, "error": error, "fields": fields}


def _query_key_kind(dataset: Dataset | None, key: str) -> str | None:
    if dataset is None:
        raise DiscoverError("The dataset is not supported.")
    if key == "has":
        return None
    spec = dataset.fields.plain(key) or (dataset.fields.tag(key) if dataset.fields.tag else None)
    if spec is None:
        raise DiscoverError(f"Unknown field in the query: {key[:100]}.")
    return spec.kind


def _orderby_kind(selected: set[str], text: str) -> str | None:
    name = text[1:] if text.startswith("-") else text
    if name not in selected:
        raise DiscoverError(SORT_NOT_SELECTED.format(name[:100]))
    return None


def _environment_error(projects: QuerySet[Project] | None, names: list[str]) -> str | None:
    wanted = {name for name in names if name}
    if not wanted or projects is None:
        return None
    known = set(Environment.objects.filter(project__in=projects, name__in=wanted)
                .values_list("name", flat=True))
    return None if wanted <= known else "Unknown environments selected"


def validate(dataset_name: str | None, projects: QuerySet[Project] | None,
             project_error: str | None, environments: list[str], fields: list[str],
             query: str, orderby: list[str]) -> dict:
    """The validation body; its `valid` says whether to answer 200 or 400."""
    try:
        dataset: Dataset | None = get_dataset(dataset_name)
        dataset_error = None
    except DiscoverError as problem:
        dataset, dataset_error = None, str(problem)
    fields = fields[:MAX_CHECKED]
    body: dict[str, Any] = {
        "projects": [{"valid": project_error is None, "error": project_error}],
        "dataset": [{"name": dataset_name or "errors", "valid": dataset_error is None,
                     "error": dataset_error}],
        "environment": [{"valid": True, "error": None}],
        "field": [_entry(text, partial(_field_kind, dataset, text)) for text in fields],
        "query": _query_part(dataset, query),
        "orderby": [_entry(text, partial(_orderby_kind, set(fields), text))
                    for text in orderby[:MAX_CHECKED] if text],
    }
    environment_error = _environment_error(projects, environments)
    if environment_error:
        body["environment"] = [{"valid": False, "error": environment_error}]
    if len(fields) > MAX_FIELDS:
        body["field"].append({"name": None, "valid": False, "attrType": None,
                              "error": f"You can view up to {MAX_FIELDS} fields at a time."})
    valid = (project_error is None and dataset_error is None and environment_error is None
             and all(entry["valid"] for entry in body["field"] + body["orderby"])
             and body["query"]["valid"])
    return copy.deepcopy(ALL_VALID) if valid else {"valid": False, **body}
