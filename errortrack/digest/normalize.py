"""Normalize: every payload variant SDKs send, turned into one event shape.

The output is what the digest scrubs, groups and stores, and what the UI and API read: Sentry's
normalized event (exception as `{values}`, breadcrumbs as `{values}`, tags and request headers,
cookies and query as `[key, value]` pairs, `logentry` for messages), plus an `errors` list saying
what was fixed or dropped; the next stage (errortrack.digest.derive) adds what Sentry derives
from it (title, culprit, metadata, type, derived tags). Over-long
values are trimmed as Relay does instead of rejecting the event, and every string is made
storable (PostgreSQL refuses `\\u0000` and lone surrogates in text, SDKs send both).
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import orjson

from errortrack.compat.timestamp import parse_timestamp

LEVELS = {"fatal", "error", "warning", "info", "debug"}
LEVEL_ALIASES = {"warn": "warning", "critical": "fatal", "log": "info", "err": "error",
                 "information": "info", "trace": "debug", "notice": "info"}
# Relay's limits, roughly: a value longer than these is cut, not refused.
MAX_STRING = 8192
MAX_TITLE = 255
MAX_CULPRIT = 200
MAX_DEPTH = 12  # deeper data (vars, extra, contexts) is replaced by a note
MAX_BREADCRUMBS = 100
MAX_FRAMES = 250
MAX_EXCEPTIONS = 25
MAX_THREADS = 50
MAX_TAGS = 200
MAX_TAG_KEY = 32
MAX_TAG_VALUE = 200
MAX_FUTURE = timedelta(seconds=60)
MAX_PAST = timedelta(days=30)
TAG_KEY = re.compile(r"^[a-zA-Z0-9_.:-]{1,32}$")
PLATFORM = re.compile(r"^[a-z0-9_-]{1,64}$")
BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
LEGACY_KEYS = {
    "sentry.interfaces.Exception": "exception", "sentry.interfaces.Message": "logentry",
    "sentry.interfaces.Stacktrace": "stacktrace", "sentry.interfaces.Http": "request",
    "sentry.interfaces.User": "user", "sentry.interfaces.Breadcrumbs": "breadcrumbs",
    "sentry.interfaces.Threads": "threads", "sentry.interfaces.Contexts": "contexts",
    "sentry.interfaces.DebugMeta": "debug_meta",
}
# The frame fields kept, by kind: strings, numbers, lists of source lines, flags, free-form data.
FRAME_FIELDS: dict[str, type] = {
    **dict.fromkeys(("filename", "abs_path", "module", "function", "raw_function", "package",
                     "platform", "instruction_addr", "symbol", "symbol_addr", "image_addr",
                     "context_line"), str),
    "lineno": int, "colno": int, "pre_context": list, "post_context": list, "in_app": bool,
    "vars": dict, "data": dict,
}
CRUMB_STRINGS = {"type": 64, "category": 128, "message": MAX_STRING, "event_id": 36}
KEPT_TOP_LEVEL = ("modules", "sdk", "debug_meta", "extra", "contexts", "dist", "server_name",
                  "logger", "transaction")
FILTERED = "[Filtered]"


@dataclass(frozen=True, slots=True)
class Received:
    """What ingest knew about the event beside its payload."""

    event_id: str
    received_at: datetime
    client_ip: str | None = None


class Normalizer:
    """One event's normalization; `errors` collects what was fixed, as Sentry reports it."""

    def __init__(self, received: Received) -> None:
        self.received = received
        self.errors: list[dict[str, str]] = []

    def note(self, kind: str, name: str, value: Any = None) -> None:
        entry = {"type": kind, "name": name}
        if value is not None:
            entry["value"] = str(value)[:200]
        self.errors.append(entry)

    # --- scalars ---------------------------------------------------------------------------

    def text(self, value: Any, limit: int = MAX_STRING, name: str = "") -> str | None:
        """A string from a string or scalar; None for anything else."""
        if value is None:
            return None
        if isinstance(value, str):
            text = value
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int | float):
            text = str(value)
        else:
            if name:
                self.note("invalid_data", name)
            return None
        return cut(text, limit)

    def int_or_none(self, value: Any) -> int | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdecimal():
            return int(value.strip())
        return None

    def bag(self, value: Any, depth: int = 0) -> Any:
        """Free-form data from the SDK (extra, contexts, vars, request data …), trimmed in
        place: strings cut at MAX_STRING, nesting below MAX_DEPTH replaced by a note."""
        value_type = type(value)
        if value_type is str:
            return cut(value, MAX_STRING)
        if value_type is dict or value_type is list:
            if depth >= MAX_DEPTH:
                return "[too deep]"
            for key, item in value.items() if value_type is dict else enumerate(value):
                item_type = type(item)
                if item_type is str:
                    if len(item) > MAX_STRING:
                        value[key] = cut(item, MAX_STRING)
                elif item_type is dict or item_type is list:
                    value[key] = self.bag(item, depth + 1)
        return value

    # --- the event ---------------------------------------------------------------------------

    def event(self, payload: dict) -> dict:
        for legacy, modern in LEGACY_KEYS.items():
            if legacy in payload and modern not in payload:
                payload[modern] = payload.pop(legacy)
        event: dict[str, Any] = {"event_id": self.received.event_id}
        event["timestamp"] = self.timestamp(payload.get("timestamp"))
        event["received"] = self.received.received_at.timestamp()
        event["platform"] = self.platform(payload.get("platform"))
        event["level"] = self.level(payload.get("level"))
        for key in KEPT_TOP_LEVEL:
            value = payload.get(key)
            if value is not None:
                event[key] = self.bag(value)
        for key, limit in (("logger", 64), ("transaction", 200), ("server_name", 200),
                           ("dist", 64)):
            if key in event:
                event[key] = self.text(event[key], limit, key)
        event["release"] = self.release(payload.get("release"))
        event["environment"] = self.environment(payload.get("environment"))
        self.message(payload, event)
        exceptions = self.exceptions(payload.get("exception"))
        threads = self.threads(payload.get("threads"))
        stacktrace = self.stacktrace(payload.get("stacktrace"))
        if stacktrace:  # legacy top-level stack trace: the exception's, or the crashed thread's
            if exceptions and not exceptions[-1].get("stacktrace"):
                exceptions[-1]["stacktrace"] = stacktrace
            elif not threads:
                threads = [{"stacktrace": stacktrace, "crashed": True, "current": True}]
        if exceptions:
            event["exception"] = {"values": exceptions}
        if threads:
            event["threads"] = {"values": threads}
        breadcrumbs = self.breadcrumbs(payload.get("breadcrumbs"))
        if breadcrumbs:
            event["breadcrumbs"] = {"values": breadcrumbs}
        request = self.request(payload.get("request"))
        if request:
            event["request"] = request
        user = self.user(payload.get("user"), payload.get("sdk"))
        if user:
            event["user"] = user
        event["contexts"] = self.contexts(event.get("contexts"))
        for key in ("extra", "modules", "sdk", "debug_meta"):
            if key in event and not isinstance(event[key], dict):
                self.note("invalid_data", key)
                del event[key]
        fingerprint = self.fingerprint(payload.get("fingerprint"))
        if fingerprint:
            event["fingerprint"] = fingerprint
        event["tags"] = self.tags(payload.get("tags"))
        if payload.get("culprit") and isinstance(payload["culprit"], str):
            event["culprit"] = payload["culprit"][:MAX_CULPRIT]
        if self.errors:
            event["errors"] = self.errors
        return event

    def timestamp(self, value: Any) -> float:
        received = self.received.received_at
        parsed = parse_timestamp(value)
        if parsed is None:
            if value is not None:
                self.note("invalid_data", "timestamp", value)
            return received.timestamp()
        if parsed > received + MAX_FUTURE:
            self.note("future_timestamp", "timestamp", value)
            return received.timestamp()
        if parsed < received - MAX_PAST:
            self.note("past_timestamp", "timestamp", value)
            return received.timestamp()
        return parsed.timestamp()

    def platform(self, value: Any) -> str:
        if isinstance(value, str) and PLATFORM.match(value.lower()):
            return value.lower()
        return "other"

    def level(self, value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):  # Python logging numbers
            return ("debug" if value < 20 else "info" if value < 30 else "warning" if value < 40
                    else "error" if value < 50 else "fatal")
        if isinstance(value, str):
            level = value.strip().lower()
            level = LEVEL_ALIASES.get(level, level)
            if level in LEVELS:
                return level
            self.note("invalid_data", "level", value)
        return "error"

    def release(self, value: Any) -> str:
        release = self.text(value, 200, "release")
        if release is None:
            return ""
        release = release.strip()
        if release in (".", "..") or "\n" in release or "\r" in release or "\t" in release:
            self.note("invalid_data", "release", release)
            return ""
        return release

    def environment(self, value: Any) -> str:
        environment = self.text(value, 64, "environment")
        if environment is None or not environment.strip():
            return "production"
        environment = environment.strip()
        if "/" in environment or "\n" in environment:
            self.note("invalid_data", "environment", environment)
            return "production"
        return environment

    def message(self, payload: dict, event: dict) -> None:
        """`message` (string or object) and `logentry` become `logentry` plus a plain
        `message` string: the formatted text."""
        entry = payload.get("logentry")
        message = payload.get("message")
        if not isinstance(entry, dict):
            entry = message if isinstance(message, dict) else {}
        template = self.text(entry.get("message"), MAX_STRING)
        params = entry.get("params")
        formatted = self.text(entry.get("formatted"), MAX_STRING)
        if formatted is None and template is not None:
            formatted = format_template(template, params)
        if formatted is None and isinstance(message, str):
            formatted = self.text(message)
        if formatted is None:
            return
        logentry: dict[str, Any] = {"formatted": formatted}
        if template is not None and template != formatted:
            logentry["message"] = template
        if isinstance(params, list | dict) and params:
            logentry["params"] = self.bag(params)
        event["logentry"] = logentry
        event["message"] = formatted

    # --- exceptions, threads, stack traces -----------------------------------------------------

    def exceptions(self, value: Any) -> list[dict]:
        if isinstance(value, dict):
            values = value.get("values") if "values" in value else [value]
        elif isinstance(value, list):
            values = value
        else:
            return []
        if not isinstance(values, list):
            self.note("invalid_data", "exception")
            return []
        if len(values) > MAX_EXCEPTIONS:  # keep the newest, which carry the crash
            values = values[-MAX_EXCEPTIONS:]
        result = []
        for raw in values:
            if not isinstance(raw, dict):
                continue
            exc: dict[str, Any] = {}
            exc_type = self.text(raw.get("type"), 256)
            exc_value = raw.get("value")
            if exc_value is not None and not isinstance(exc_value, str):
                exc_value = repr_json(exc_value)
            exc_value = self.text(exc_value)
            if exc_type is None and exc_value is None and not raw.get("stacktrace"):
                continue
            if exc_type is not None:
                exc["type"] = exc_type
            if exc_value is not None:
                exc["value"] = exc_value
            module = self.text(raw.get("module"), 256)
            if module:
                exc["module"] = module
            if raw.get("thread_id") is not None:
                exc["thread_id"] = self.text(raw["thread_id"], 64)
            if isinstance(raw.get("mechanism"), dict):
                exc["mechanism"] = self.mechanism(raw["mechanism"])
            stacktrace = self.stacktrace(raw.get("stacktrace"))
            if stacktrace:
                exc["stacktrace"] = stacktrace
            result.append(exc)
        return result

    def mechanism(self, raw: dict) -> dict:
        mechanism = {key: self.bag(raw[key]) for key in (
            "handled", "synthetic", "description", "help_link", "data", "meta", "exception_id",
            "parent_id", "source", "is_exception_group") if key in raw}
        mechanism["type"] = self.text(raw.get("type"), 64) or "generic"
        return mechanism

    def threads(self, value: Any) -> list[dict]:
        values = value.get("values") if isinstance(value, dict) else value
        if not isinstance(values, list):
            return []
        result = []
        for raw in values[:MAX_THREADS]:
            if not isinstance(raw, dict):
                continue
            thread = {key: self.bag(raw[key]) for key in ("id", "name", "crashed", "current",
                                                          "main", "state")
                      if raw.get(key) is not None}
            stacktrace = self.stacktrace(raw.get("stacktrace"))
            if stacktrace:
                thread["stacktrace"] = stacktrace
            result.append(thread)
        return result

    def stacktrace(self, value: Any) -> dict | None:
        if not isinstance(value, dict) or not isinstance(value.get("frames"), list):
            return None
        raw_frames = value["frames"]
        omitted = None
        if len(raw_frames) > MAX_FRAMES:  # Relay keeps both ends: the entry and the crash
            half = MAX_FRAMES // 2
            omitted = [half, len(raw_frames) - half]
            raw_frames = raw_frames[:half] + raw_frames[-half:]
        frames = [frame for frame in map(self.frame, raw_frames) if frame]
        if not frames:
            return None
        stacktrace: dict[str, Any] = {"frames": frames}
        if omitted:
            stacktrace["frames_omitted"] = omitted
        if isinstance(value.get("registers"), dict):
            stacktrace["registers"] = value["registers"]
        return stacktrace

    def frame(self, raw: Any) -> dict | None:
        """A stack frame with the fields Sentry knows, each of its type. (Hot: ~20 per event,
        so one pass over the frame's own keys.)"""
        if type(raw) is not dict:
            return None
        frame: dict[str, Any] = {}
        for key, value in raw.items():
            kind = FRAME_FIELDS.get(key)
            if kind is None:
                continue
            value_type = type(value)
            if kind is str:
                if value_type is str:
                    frame[key] = cut(value, 1024)
            elif kind is int:
                number = value if value_type is int else self.int_or_none(value)
                if number is not None:
                    frame[key] = number
            elif kind is list:
                if value_type is list:
                    frame[key] = [line if type(line) is str and len(line) <= 1024
                                  else line[:1024] if type(line) is str else ""
                                  for line in value[:10]]
            elif kind is bool:
                if value_type is bool:
                    frame[key] = value
            elif value_type is dict:
                frame[key] = self.bag(value)
        return frame or None

    # --- breadcrumbs, request, user, contexts, tags ------------------------------------------

    def breadcrumbs(self, value: Any) -> list[dict]:
        values = value.get("values") if isinstance(value, dict) else value
        if not isinstance(values, list):
            return []
        result = []
        for raw in values[-MAX_BREADCRUMBS:]:  # the newest: what happened just before
            if type(raw) is not dict:
                continue
            crumb: dict[str, Any] = {}
            for key, value in raw.items():
                limit = CRUMB_STRINGS.get(key)
                if limit is not None:
                    if type(value) is str and len(value) <= limit:
                        crumb[key] = value
                    else:
                        text = self.text(value, limit)
                        if text is not None:
                            crumb[key] = text
                elif key == "timestamp":
                    stamp = unix_seconds(value)
                    if stamp is not None:
                        crumb["timestamp"] = stamp
                elif key == "level":
                    if value is not None:
                        crumb["level"] = value if value in LEVELS else self.level(value)
                elif key == "data" and type(value) is dict:
                    crumb["data"] = self.bag(value)
            if crumb:
                crumb.setdefault("type", "default")
                result.append(crumb)
        return result

    def request(self, value: Any) -> dict | None:
        if not isinstance(value, dict):
            return None
        request: dict[str, Any] = {}
        url = self.text(value.get("url"), MAX_STRING)
        query = value.get("query_string")
        fragment = self.text(value.get("fragment"), 1024)
        if url:
            parts = urlsplit(url) if "://" in url or url.startswith("/") else None
            if parts is not None and (parts.query or parts.fragment):
                if not query and parts.query:
                    query = parts.query
                fragment = fragment or parts.fragment or None
                url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
            request["url"] = url
        method = self.text(value.get("method"), 16)
        if method:
            request["method"] = method.upper()
        for key, pairs in (("headers", self.pairs(value.get("headers"), "headers")),
                           ("query_string", self.query_pairs(query)),
                           ("cookies", self.cookie_pairs(value.get("cookies")))):
            if pairs:
                request[key] = pairs
        if fragment:
            request["fragment"] = fragment
        if value.get("data") not in (None, "", {}, []):
            request["data"] = self.bag(value["data"])
        if isinstance(value.get("env"), dict):
            request["env"] = self.bag(value["env"])
        return request or None

    def pairs(self, value: Any, name: str) -> list[list[str]]:
        """Headers and the like: a dict or a list of [key, value] pairs → pairs of strings."""
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = [tuple(item) for item in value
                     if isinstance(item, list | tuple) and len(item) == 2]
        else:
            if value is not None:
                self.note("invalid_data", name)
            return []
        result: list[list[str]] = []
        for key, item_value in items:
            if not isinstance(key, str):
                continue
            key = self.text(key, 1024) or ""
            if isinstance(item_value, list):  # repeated header: one pair per value
                result.extend([key, self.text(v) or ""] for v in item_value)
            else:
                result.append([key, self.text(item_value) or ""])
        return result

    def query_pairs(self, value: Any) -> list[list[str]]:
        if isinstance(value, str):
            return [[self.text(k, 1024) or "", self.text(v) or ""]
                    for k, v in parse_qsl(value.lstrip("?"), keep_blank_values=True)]
        return self.pairs(value, "query_string")

    def cookie_pairs(self, value: Any) -> list[list[str]]:
        if isinstance(value, str):
            pairs = []
            for part in value.split(";"):
                key, _, cookie = part.strip().partition("=")
                if key:
                    pairs.append([self.text(key, 1024) or "", self.text(cookie) or ""])
            return pairs
        return self.pairs(value, "cookies")

    def user(self, value: Any, sdk: Any) -> dict | None:
        user = self.bag(dict(value)) if isinstance(value, dict) else {}
        for key in ("id", "email", "username", "name", "segment"):
            if key in user:
                text = self.text(user[key], 128)
                if text is None:
                    del user[key]
                else:
                    user[key] = text
        infer = (sdk.get("settings") or {}).get("infer_ip") if isinstance(sdk, dict) else None
        if user.get("ip_address") == "{{auto}}" or (infer == "auto" and "ip_address" not in user):
            if self.received.client_ip:
                user["ip_address"] = self.received.client_ip
            else:
                user.pop("ip_address", None)
        elif "ip_address" in user and not isinstance(user["ip_address"], str):
            del user["ip_address"]
        return {key: item for key, item in user.items() if item is not None} or None

    def contexts(self, value: Any) -> dict:
        if not isinstance(value, dict):
            return {}
        contexts = {}
        for key, context in value.items():
            if isinstance(context, dict):
                context = self.bag(dict(context))
                if not isinstance(context.get("type"), str):
                    context["type"] = key
                contexts[key] = context
        return contexts

    def fingerprint(self, value: Any) -> list[str] | None:
        if not isinstance(value, list) or not value:
            return None
        parts = [self.text(part, 1024) for part in value[:64]]
        return [part for part in parts if part is not None] or None

    def tags(self, value: Any) -> list[list[str]]:
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = [tuple(item) for item in value
                     if isinstance(item, list | tuple) and len(item) == 2]
        else:
            return []
        seen, result = set(), []
        for key, tag_value in items[:MAX_TAGS]:
            text = self.text(tag_value, 10 * MAX_TAG_VALUE)
            if not isinstance(key, str) or not TAG_KEY.match(key) or key in seen:
                self.note("invalid_data", "tags", key)
                continue
            if text is None or not text.strip() or len(text) > MAX_TAG_VALUE or "\n" in text:
                self.note("invalid_data", f"tags.{key}", tag_value)
                continue
            seen.add(key)
            result.append([key, text.strip()])
        return result


def cut(text: str, limit: int) -> str:
    """`text`, or its start and "..." when longer than `limit`."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unix_seconds(value: Any) -> float | None:
    """A breadcrumb's time: JavaScript sends unix seconds, Python RFC 3339."""
    if type(value) is float or type(value) is int:
        return float(value) if 0 <= value < 253402300800 else None
    stamp = parse_timestamp(value)
    return stamp.timestamp() if stamp is not None else None


def format_template(template: str, params: Any) -> str:
    """`logentry.message` with its `params`, formatted as Python's logging would (best effort)."""
    if isinstance(params, list) and params:
        try:
            return template % tuple(params)
        except (TypeError, ValueError, KeyError):
            pass
    elif isinstance(params, dict) and params:
        try:
            return template % params
        except (TypeError, ValueError, KeyError):
            pass
    return template


def repr_json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return str(value)


# --- making every string storable --------------------------------------------------------------

def clean_string(text: str) -> str:
    return BAD_CHARS.sub("\ufffd", text) if BAD_CHARS.search(text) else text


def make_storable(value: Any, depth: int = 0) -> Any:
    """Replace NUL and lone surrogates (PostgreSQL refuses them), cut strings over MAX_STRING
    and data nested deeper than MAX_DEPTH, in keys and values alike."""
    if isinstance(value, str):
        return clean_string(cut(value, MAX_STRING))
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            return "[too deep]"
        return {clean_string(str(key)): make_storable(item, depth + 1)
                for key, item in value.items()}
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            return "[too deep]"
        return [make_storable(item, depth + 1) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**63:
        return str(value)  # beyond what JSON readers (and orjson) keep exactly
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def normalize(payload: dict, received: Received, suspicious: bool = True) -> dict:
    """The normalized event for `payload` (a parsed event item).

    `suspicious`: the payload may hold strings PostgreSQL refuses (NUL, lone surrogates) or
    numbers JSON readers don't keep (NaN, huge integers), so every value is checked. The digest
    passes False when the strict parser read the payload and it has no escaped NUL; the bags
    are then trimmed while they are normalized, and nothing else needs a look.
    """
    event = Normalizer(received).event(payload)
    return make_storable(event) if suspicious else event


def event_datetime(event: dict) -> datetime:
    return datetime.fromtimestamp(event["timestamp"], UTC)
