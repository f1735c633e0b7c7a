"""Sentry's pagination: `?cursor=<value>:<offset>:<is_prev>` and a `Link` header that always
carries a previous and a next link, each saying whether it has results. sentry-cli and scripts
follow `rel="next"` while `results="true"`."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import QueryDict
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

DEFAULT_LIMIT = 100
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000


@dataclass(frozen=True)
class Page:
    items: list
    link: str


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdecimal():
        raise ParseError(f"{name} must be a whole number.")
    if len(raw.lstrip("0")) > 9:  # beyond any cap (and int() refuses over 4,300 digits): the cap
        return high
    return max(low, min(high, int(raw)))


def cursor_offset(request: Request) -> int:
    raw = request.query_params.get("cursor")
    if not raw:
        return 0
    parts = raw.split(":")
    if len(parts) != 3 or not all(part.lstrip("-").isdecimal() and len(part) <= 19
                                  for part in parts):
        raise ParseError("cursor must look like 0:100:0.")
    offset = int(parts[1])
    if not 0 <= offset <= MAX_OFFSET:
        raise ParseError(f"cursor offset must be between 0 and {MAX_OFFSET}.")
    return offset


def _link(request: Request, cursor: str, rel: str, results: bool) -> str:
    params: QueryDict = request.query_params.copy()
    params.pop("cursor", None)
    query = urlencode(list(params.lists()), doseq=True)
    url = request.build_absolute_uri(request.path) + "?" + (query + "&" if query else "&")
    return (f'<{url}cursor={cursor}>; rel="{rel}"; results="{str(results).lower()}"; '
            f'cursor="{cursor}"')


def paginate(request: Request, items: QuerySet[Any] | Sequence[Any],
             default_limit: int = DEFAULT_LIMIT) -> Page:
    """One page of `items` (a QuerySet or list), by `limit` and `cursor`, and its Link header."""
    limit = _int_param(request, "limit", default_limit, 1, MAX_LIMIT)
    offset = cursor_offset(request)
    window = list(items[offset:offset + limit + 1])
    more = len(window) > limit
    link = ", ".join([
        _link(request, f"0:{max(0, offset - limit)}:1", "previous", offset > 0),
        _link(request, f"0:{offset + limit}:0", "next", more),
    ])
    return Page(window[:limit], link)


def paged(request: Request, items: Any, shape: Callable[[Any], dict]) -> Response:
    """One page of `items`, each shaped by `shape`, with its Link header."""
    page = paginate(request, items)
    return Response([shape(item) for item in page.items], headers={"Link": page.link})
