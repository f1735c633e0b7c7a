"""Sentry's HTTP check-in endpoint: `/api/<project_id>/cron/<monitor_slug>/<sentry_key>/`.

For jobs without an SDK (`curl` at the end of a shell script). GET or POST, with the check-in
in the query string (`?status=ok&check_in_id=…&environment=…&duration=…`) and, for POST, in an
optional JSON body that may also carry `monitor_config` (the upsert). The query wins over the
body. The key is the path segment. Like Relay it answers 202 with no body, and never 429. The
check-in goes through the inbox like an envelope's `check_in` item.
"""

import re
import uuid
from typing import Any
from urllib.parse import parse_qs

import orjson

from errortrack.compat.errors import PayloadTooLarge, RequestRejected
from errortrack.compat.json import JSONError, loads_lenient
from errortrack.ingest.inbox import Accepted

CRON_PATH = re.compile(r"^/api/(\d{1,18})/cron/([^/]{1,200})/([^/]{1,100})/?$")
MAX_CHECK_IN_BYTES = 100 * 1024
STATUSES = ("in_progress", "ok", "error")


def check_in_from(slug: str, query_string: bytes, body: bytes) -> Accepted:
    """The check-in item for one request; RequestRejected (400/413) for a bad one."""
    if len(body) > MAX_CHECK_IN_BYTES:
        raise PayloadTooLarge(f"check-in larger than {MAX_CHECK_IN_BYTES} bytes")
    data = _body_object(body)
    query = parse_qs(query_string.decode("latin-1"), keep_blank_values=True)
    for name in ("status", "check_in_id", "environment", "duration"):
        if name in query:
            data[name] = query[name][0]
    data["monitor_slug"] = slug[:50]
    if data.get("status") not in STATUSES:
        raise RequestRejected(f"status must be one of {', '.join(STATUSES)}")
    data["check_in_id"] = _check_in_id(data.get("check_in_id"))
    if "duration" in data:
        data["duration"] = _duration(data["duration"])
    environment = data.get("environment")
    if environment is not None and (not isinstance(environment, str) or len(environment) > 64):
        raise RequestRejected("environment must be text of at most 64 characters")
    payload = orjson.dumps(data)
    return Accepted("check_in", "", {"envelope": {}, "item": {"type": "check_in"}}, payload)


def _body_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        data = loads_lenient(body)
    except JSONError as exc:
        raise RequestRejected(f"check-in body: {exc}") from None
    if not isinstance(data, dict):
        raise RequestRejected("check-in body must be a JSON object")
    return data


def _check_in_id(value: object) -> str:
    if value in (None, ""):
        return uuid.uuid4().hex
    try:
        return uuid.UUID(str(value)).hex
    except ValueError:
        raise RequestRejected("check_in_id must be a UUID") from None


def _duration(value: object) -> float:
    try:
        duration = float(value)  # type: ignore[arg-type]  # any JSON value; float() is the check
    except (TypeError, ValueError):
        raise RequestRejected("duration must be a number of seconds") from None
    if not 0 <= duration < 10**9:
        raise RequestRejected("duration must be a number of seconds")
    return duration
