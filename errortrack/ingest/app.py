"""The ingest endpoints as a lean ASGI app in front of Django.

`POST /api/<project_id>/envelope/` and `/store/`, and the HTTP check-in endpoint
`/api/<project_id>/cron/<slug>/<key>/`, are served here; every other path falls through to
Django. Django's handler spools a whole body before any view runs, so caps could not be enforced
there; here the body streams through BodyReader, the key comes from a cache, and the 200 is sent
only after the inbox commit.
"""

import base64
import binascii
import ipaddress
import re
import time
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import orjson
from asgiref.sync import sync_to_async
from django.conf import settings

from errortrack import metrics
from errortrack.compat.auth import AuthError, request_key, resolve_key
from errortrack.compat.errors import PayloadTooLarge, RequestRejected
from errortrack.compat.json import JSONError, loads_lenient
from errortrack.ingest import cron, keys
from errortrack.ingest.batcher import batcher
from errortrack.ingest.envelope import (
    Envelope,
    EnvelopeError,
    Item,
    normalize_event_id,
    parse_envelope,
)
from errortrack.ingest.inbox import Accepted
from errortrack.ingest.quotas import Limited, rate_limits_header
from errortrack.ingest.streams import BodyReader

# The smallest transparent GIF: what Sentry answers to the image-beacon form of /store/.
TRANSPARENT_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
INGEST_PATH = re.compile(r"^/api/(\d{1,18})/(envelope|store)/?$")
EVENT_TYPES = {"event", "transaction", "feedback"}  # items that are an event with an id
# Largest payload kept per item type (Relay's limits); unknown types are skipped, never refused.
ITEM_LIMITS: dict[str, int | str] = {"event": "EVENT", "transaction": "EVENT", "feedback": "EVENT",
               "attachment": "ATTACHMENT", "user_report": 64 * 1024, "check_in": 100 * 1024,
               "client_report": 4 * 1024, "session": 64 * 1024, "sessions": 1024 * 1024}
CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"POST, OPTIONS"),
    (b"access-control-allow-headers",
     b"x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, content-type, "
     b"authentication, authorization, content-encoding, transfer-encoding, sentry-trace, baggage"),
    (b"access-control-expose-headers", b"x-sentry-error, x-sentry-rate-limits, retry-after"),
    (b"access-control-max-age", b"3600"),
]


async def respond(send: Any, status: int, body: dict,
                  headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    payload = orjson.dumps(body)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()),
                            *CORS_HEADERS, *headers]})
    await send({"type": "http.response.body", "body": payload})


@dataclass(slots=True)
class Outcome:
    event_id: str | None
    limited: list[Limited]
    all_limited: bool
    events: int = 0  # event items accepted or refused by the rate limits
    dropped_events: int = 0

    def response(self) -> tuple[int, dict, list[tuple[bytes, bytes]]]:
        body = {"id": self.event_id} if self.event_id else {}
        if not self.limited:
            return 200, body, []
        headers = [(b"x-sentry-rate-limits", rate_limits_header(self.limited).encode())]
        if self.all_limited:
            retry_after = str(max(entry.retry_after for entry in self.limited)).encode()
            return 429, {"detail": "rate limited"}, [(b"retry-after", retry_after), *headers]
        return 200, body, headers


class IngestApp:
    """Route ingest paths to `handle`, everything else to `fallback` (Django)."""

    def __init__(self, fallback: Any) -> None:
        self.fallback = fallback

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            match = INGEST_PATH.match(scope["path"])
            if match:
                await handle(scope, receive, send, int(match[1]), match[2])
                return
            match = cron.CRON_PATH.match(scope["path"])
            if match:
                await handle_cron(scope, receive, send, int(match[1]), match[2], match[3])
                return
        await self.fallback(scope, receive, send)


async def respond_gif(send: Any) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"image/gif"), (b"cache-control", b"no-cache"),
                            (b"content-length", str(len(TRANSPARENT_GIF)).encode()),
                            *CORS_HEADERS]})
    await send({"type": "http.response.body", "body": TRANSPARENT_GIF})


async def handle(scope: dict, receive: Any, send: Any, project_id: int, endpoint: str) -> None:
    method = scope["method"]
    if method == "OPTIONS":
        await respond(send, 200, {})
        return
    pixel = method == "GET" and endpoint == "store"  # the legacy `?sentry_data=` image beacon
    if method != "POST" and not pixel:
        await respond(send, 405, {"detail": "use POST"})
        return
    started = time.perf_counter()
    try:
        outcome = await accept(scope, receive, project_id, endpoint)
    except RequestRejected as exc:
        await respond(send, exc.status, {"detail": exc.detail})
        count_refused(exc.status, started)
        return
    status, body, headers = outcome.response()
    if pixel and status == 200:
        await respond_gif(send)
    else:
        await respond(send, status, body, headers)
    count_outcome(outcome, started)


async def handle_cron(scope: dict, receive: Any, send: Any, project_id: int, slug: str,
                      public_key: str) -> None:
    """The HTTP check-in endpoint (errortrack.ingest.cron): 202 and no body once stored."""
    method = scope["method"]
    if method == "OPTIONS":
        await respond(send, 200, {})
        return
    if method not in ("GET", "POST"):
        await respond(send, 405, {"detail": "use GET or POST"})
        return
    try:
        key_info = await authorized_key(public_key, project_id)
        headers = request_headers(scope)
        body = await read_body(receive, headers) if method == "POST" else b""
        item = cron.check_in_from(slug, scope.get("query_string", b""), body)
        await batcher.write(key_info, [item], client_ip(scope, headers))
    except RequestRejected as exc:
        await respond(send, exc.status, {"detail": exc.detail})
        return
    await send({"type": "http.response.start", "status": 202,
                "headers": [(b"content-length", b"0"), *CORS_HEADERS]})
    await send({"type": "http.response.body", "body": b""})


def request_headers(scope: dict) -> dict[str, str]:
    """The ASGI scope's headers by lowercase name."""
    return {name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope["headers"]}


def count_refused(status: int, started: float) -> None:
    outcome = ("unauthorized" if status in (401, 403) else "too_large" if status == 413
               else "invalid")
    metrics.ingest_envelopes.labels(outcome).inc()
    metrics.ingest_events.labels(outcome).inc()
    metrics.ingest_duration.observe(time.perf_counter() - started)


def count_outcome(outcome: "Outcome", started: float) -> None:
    metrics.ingest_envelopes.labels("rate_limited" if outcome.all_limited else "accepted").inc()
    if outcome.events > outcome.dropped_events:
        metrics.ingest_events.labels("accepted").inc(outcome.events - outcome.dropped_events)
    if outcome.dropped_events:
        metrics.ingest_events.labels("rate_limited").inc(outcome.dropped_events)
    metrics.ingest_duration.observe(time.perf_counter() - started)


async def accept(scope: dict, receive: Any, project_id: int, endpoint: str) -> Outcome:
    headers = request_headers(scope)
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    key_in_request = request_key(headers, query)
    key_info = None
    if key_in_request:  # refuse before reading the body
        key_info = await authorized_key(key_in_request, project_id)
    body = (query_body(query) if scope["method"] == "GET"
            else await read_body(receive, headers))
    envelope = parse_store(body) if endpoint == "store" else parse_envelope(
        body, settings.ERRORTRACK_MAX_ENVELOPE_ITEMS)
    key = resolve_key(key_in_request, envelope.headers.get("dsn"))
    if key_info is None or key != key_in_request:
        key_info = await authorized_key(key, project_id)
    kept = keep_items(envelope)
    limited, dropped = [], 0
    if kept:
        admission = await batcher.write(key_info, kept, client_ip(scope, headers))
        limited, dropped = admission.limited, admission.dropped_events
    events = sum(1 for item in kept if item.item_type in EVENT_TYPES)
    return Outcome(envelope.event_id, limited, bool(kept) and len(limited) == len(kept),
                   events, dropped)


async def authorized_key(public_key: str, project_id: int) -> keys.KeyInfo:
    hit, info = keys.cached_key(public_key)
    if not hit:
        info = await sync_to_async(keys.load_key)(public_key)
        keys.remember(public_key, info)
    if info is None:
        raise AuthError("unknown sentry_key")
    if not info.is_active:
        raise AuthError("this DSN key is disabled", status=403)
    if info.project_id != project_id:
        raise AuthError("this DSN key belongs to another project", status=403)
    return info


async def read_body(receive: Any, headers: dict[str, str]) -> bytes:
    declared = headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > settings.ERRORTRACK_MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body larger than {settings.ERRORTRACK_MAX_BODY_BYTES} bytes")
    reader = BodyReader(headers.get("content-encoding", ""), settings.ERRORTRACK_MAX_BODY_BYTES,
                        settings.ERRORTRACK_MAX_DECODED_BYTES)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise RequestRejected("client disconnected before the body ended")
        reader.feed(message.get("body", b""))
        if not message.get("more_body", False):
            return reader.finish()


def query_body(query: dict[str, list[str]]) -> bytes:
    """`GET /store/?sentry_data=<JSON or base64 zlib>`: the event rides in the query string."""
    data = query.get("sentry_data", [""])[0]
    if not data:
        raise RequestRejected("GET /store/ needs the event in ?sentry_data=")
    return data.encode()


def parse_store(body: bytes) -> Envelope:
    """The legacy store endpoint: one JSON event, or base64 of zlib-compressed JSON."""
    stripped = body.strip()
    limit = settings.ERRORTRACK_MAX_EVENT_BYTES
    if stripped[:1] != b"{":
        try:
            # max_length bounds the expansion: a zlib bomb stops one byte past the limit.
            stripped = zlib.decompressobj().decompress(base64.b64decode(stripped), limit + 1)
        except (binascii.Error, zlib.error, ValueError):
            raise RequestRejected("store body is neither JSON nor base64 of zlib JSON") from None
    if len(stripped) > limit:
        raise PayloadTooLarge(f"event larger than {limit} bytes")
    try:
        data = loads_lenient(stripped)
    except JSONError as exc:
        raise RequestRejected(f"store body: {exc}") from None
    if not isinstance(data, dict):
        raise RequestRejected("store body must be a JSON object")
    event_id = normalize_event_id(data.get("event_id")) or uuid.uuid4().hex
    return Envelope({"event_id": event_id}, [Item({"type": "event"}, stripped)])


def item_limit(item_type: str) -> int:
    limit = ITEM_LIMITS[item_type]
    if isinstance(limit, int):
        return limit
    if limit == "EVENT":
        return settings.ERRORTRACK_MAX_EVENT_BYTES
    return settings.ERRORTRACK_MAX_ATTACHMENT_BYTES


def keep_items(envelope: Envelope) -> list[Accepted]:
    """The items that have a consumer. An oversized event fails the request (413, which SDKs
    record); an oversized item of another kind is dropped alone."""
    kept = []
    for item in envelope.items:
        if item.type not in ITEM_LIMITS:
            continue
        limit = item_limit(item.type)
        if len(item.payload) > limit:
            if item.type in EVENT_TYPES:
                raise PayloadTooLarge(f"{item.type} item larger than {limit} bytes")
            continue
        if item.type in EVENT_TYPES and envelope.event_id is None:
            envelope.headers["event_id"] = event_id_of(item)
        event_id = envelope.event_id or (event_id_of(item) if item.type == "user_report" else "")
        kept.append(Accepted(item.type, event_id,
                             {"envelope": envelope.headers, "item": item.headers},
                             item.payload))
    return kept


def event_id_of(item: Item) -> str:
    """An envelope without an event_id header: take the payload's, or make one."""
    try:
        data = loads_lenient(item.payload)
    except JSONError:
        data = None
    candidate = data.get("event_id") if isinstance(data, dict) else None
    try:
        return normalize_event_id(candidate) or uuid.uuid4().hex
    except EnvelopeError:
        return uuid.uuid4().hex


def client_ip(scope: dict, headers: dict[str, str]) -> str | None:
    """The SDK's address for `{{auto}}`: X-Forwarded-For's entry added by our trusted proxies."""
    address = (scope.get("client") or (None,))[0]
    forwarded = [part.strip() for part in headers.get("x-forwarded-for", "").split(",")
                 if part.strip()]
    hops = settings.ERRORTRACK_TRUSTED_PROXY_COUNT
    if hops and len(forwarded) >= hops:
        address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None  # a forged or garbled header must not fail the event
