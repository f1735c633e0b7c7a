"""The issue page's event: the stored, normalized event document (errortrack.digest.normalize)
turned into plain structures that the templates loop over.

Everything in an event came from an SDK and is hostile. Values here are only shortened and
shaped, never marked safe: the templates autoescape them. Long strings are cut for display
and lists capped (the raw JSON view stays complete), and every field is type-checked again,
since a document may come from an older normalizer. No database access happens here, so the
page's number of queries does not depend on the event.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import orjson

TEXT_LIMIT = 1024  # one value in a table


LONG_TEXT_LIMIT = 4096  # a message or an exception's value


JSON_LIMIT = 4096  # pretty-printed data in a table cell


LINE_LIMIT = 400  # one source line


ROWS_LIMIT = 100  # rows of one key/value table


MODULES_LIMIT = 1000  # installed packages (Python sends a few hundred)


CONTEXT_LINES = 10  # source lines on each side of the crash line


BREADCRUMBS_SHOWN = 100  # the newest; Python sends at most 100


EXCEPTIONS_SHOWN = 25


FRAMES_SHOWN = 250


THREADS_SHOWN = 10


CONTEXTS_SHOWN = 30


BLOCK_AFTER = 120  # longer strings are shown as a block (<pre>), shorter ones inline


# Contexts Sentry knows, in the order the page shows them; others follow by name.
CONTEXT_TITLES = {
    "monitor": "Monitor", "trace": "Trace", "os": "Operating System", "runtime": "Runtime",
    "browser": "Browser", "device": "Device", "app": "App", "gpu": "GPU",
    "culture": "Culture", "cloud_resource": "Cloud Resource", "response": "Response",
    "state": "State", "otel": "OpenTelemetry", "profile": "Profile", "replay": "Replay",
}


DETAIL_FIELDS = (("level", "Level"), ("platform", "Platform"), ("environment", "Environment"),
                 ("release", "Release"), ("dist", "Distribution"), ("server_name", "Server"),
                 ("logger", "Logger"), ("transaction", "Transaction"), ("culprit", "Culprit"))


HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class Value:
    """A value as text: `block` ones go in a <pre> (multi-line or pretty JSON); `omitted` is
    how many characters were cut for display."""

    text: str
    block: bool = False
    omitted: int = 0


class Row(NamedTuple):
    """One row of a table, flat: templates unpack it in their loop (`{% for key, text, css,
    omitted in table.rows %}`), which renders a big event markedly faster than dotted
    lookups. `css` is "block" (kept as preformatted text) or "val"."""

    key: str
    text: str
    css: str
    omitted: int


def row(key: str, value: Value) -> Row:
    return Row(key, value.text, "block" if value.block else "val", value.omitted)


@dataclass(frozen=True, slots=True)
class Table:
    """Key/value rows; `omitted` counts rows left out beyond the cap."""

    rows: list[Row]
    omitted: int = 0

    def __bool__(self) -> bool:
        return bool(self.rows)


def shorten(text: str, limit: int) -> tuple[str, int]:
    """`text` cut to `limit` characters, and how many were cut."""
    if len(text) <= limit:
        return text, 0
    return text[:limit] + "…", len(text) - limit


def pretty_json(value: Any) -> str:
    """Indented JSON; the stdlib serves what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def display(value: Any, limit: int = TEXT_LIMIT) -> Value:
    """Any JSON value as display text: strings as they are, containers as pretty JSON."""
    if isinstance(value, str):
        text, omitted = shorten(value, limit)
        return Value(text, "\n" in text or len(text) > BLOCK_AFTER, omitted)
    if value is None:
        return Value("null")
    if isinstance(value, bool):
        return Value("true" if value else "false")
    if isinstance(value, int | float):
        return Value(str(value))
    if isinstance(value, dict | list) and not value:
        return Value("{}" if isinstance(value, dict) else "[]")
    text, omitted = shorten(pretty_json(value), max(limit, JSON_LIMIT))
    return Value(text, True, omitted)


def plain(value: Any, limit: int = TEXT_LIMIT) -> str:
    """A scalar field as short text ("" for anything else): names, types, paths."""
    if isinstance(value, str):
        return shorten(value, limit)[0]
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return ""


def number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def table(items: Any, limit: int = ROWS_LIMIT, skip: Iterable[str] = ()) -> Table:
    """A dict, or a list of [key, value] pairs (headers, tags, cookies), as a table."""
    if isinstance(items, dict):
        pairs: list = [(key, value) for key, value in items.items() if key not in skip]
    elif isinstance(items, list):
        pairs = [tuple(item) for item in items if isinstance(item, list | tuple) and len(item) == 2]
    else:
        return Table([])
    rows = [row(shorten(str(key), 200)[0], display(value)) for key, value in pairs[:limit]]
    return Table(rows, max(0, len(pairs) - limit))


def safe_href(url: Any) -> str:
    """`url` when it may be a link (http or https), else "": an event's `javascript:` URL
    must never become one."""
    if not isinstance(url, str) or len(url) > 2048:
        return ""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in ("http", "https") else ""


def moment(value: Any) -> datetime | None:
    """Unix seconds (as stored) as a datetime; None for what is no time."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


class Line(NamedTuple):
    """A source line, flat for the template's loop as Row; `css` is "crash" for the line
    the frame stopped at."""

    number: str  # "" when the frame has no line number
    text: str
    css: str = ""


@dataclass(frozen=True, slots=True)
class Frame:
    location: str  # the file (or module) the frame names
    function: str
    line: str  # "42", or "42:7" with the column; "" when unknown
    in_app: bool
    meta: list[tuple[str, str]]  # module (when not the location), package, address
    lines: list[Line]
    vars: Table
    open: bool  # shown expanded: in-app frames, or the crash frame of a stack without any


@dataclass(frozen=True, slots=True)
class FrameRun:
    """Consecutive frames shown alike: expanded ones, or collapsed (system) ones, of which a
    run of several folds into one "N system frames" line, as Sentry does."""

    expanded: bool
    frames: list[Frame]

    @property
    def folded(self) -> bool:
        return not self.expanded and len(self.frames) > 1


@dataclass(frozen=True, slots=True)
class Stack:
    runs: list[FrameRun]
    frame_count: int
    omitted_note: str  # "frames 125 to 300 were left out" when the SDK sent too many


def context_lines(frame: dict) -> list[Line]:
    """pre_context, context_line and post_context with their line numbers."""
    lineno = number(frame.get("lineno"))
    crash = frame.get("context_line")
    if not isinstance(crash, str):
        return []
    pre = [line for line in frame.get("pre_context") or [] if isinstance(line, str)]
    post = [line for line in frame.get("post_context") or [] if isinstance(line, str)]
    pre, post = pre[-CONTEXT_LINES:], post[:CONTEXT_LINES]

    def numbered(offset: int) -> str:
        return "" if lineno is None else str(lineno + offset)

    return ([Line(numbered(n - len(pre)), shorten(text, LINE_LIMIT)[0])
             for n, text in enumerate(pre)]
            + [Line(numbered(0), shorten(crash, LINE_LIMIT)[0], "crash")]
            + [Line(numbered(n + 1), shorten(text, LINE_LIMIT)[0])
               for n, text in enumerate(post)])


def present_frame(frame: dict, open_: bool) -> Frame:
    module = plain(frame.get("module"))
    location = (plain(frame.get("filename")) or plain(frame.get("abs_path")) or module
                or "<unknown>")
    lineno, colno = number(frame.get("lineno")), number(frame.get("colno"))
    line = "" if lineno is None else str(lineno) if colno is None else f"{lineno}:{colno}"
    meta = [(label, value) for label, value in (
        ("module", module if module != location else ""),
        ("package", plain(frame.get("package"))),
        ("address", plain(frame.get("instruction_addr"), 64))) if value]
    return Frame(location=location,
                 function=plain(frame.get("function")) or plain(frame.get("raw_function")),
                 line=line, in_app=frame.get("in_app") is True, meta=meta,
                 lines=context_lines(frame), vars=table(frame.get("vars")), open=open_)


def frame_runs(frames: list[Frame]) -> list[FrameRun]:
    runs: list[FrameRun] = []
    for frame in frames:
        if runs and runs[-1].expanded == frame.open:
            runs[-1].frames.append(frame)
        else:
            runs.append(FrameRun(frame.open, [frame]))
    return runs


def omitted_note(value: Any) -> str:
    if (isinstance(value, list) and len(value) == 2
            and all(number(part) is not None for part in value)):
        return f"Frames {value[0] + 1} to {value[1]} were left out (the SDK sent too many)."
    return ""


def present_stack(stacktrace: Any) -> Stack | None:
    """A stack trace, newest frame (the crash) first, as Sentry shows it by default."""
    if not isinstance(stacktrace, dict) or not isinstance(stacktrace.get("frames"), list):
        return None
    raw = [frame for frame in stacktrace["frames"] if isinstance(frame, dict)][-FRAMES_SHOWN:]
    if not raw:
        return None
    newest_first = list(reversed(raw))
    any_in_app = any(frame.get("in_app") is True for frame in raw)
    frames = [present_frame(frame, frame.get("in_app") is True or (not any_in_app and n == 0))
              for n, frame in enumerate(newest_first)]
    return Stack(frame_runs(frames), len(frames), omitted_note(stacktrace.get("frames_omitted")))


@dataclass(frozen=True, slots=True)
class Mechanism:
    type: str
    handled: bool | None
    synthetic: bool
    description: str
    help_link: str
    details: Table  # data, meta and the chain ids


@dataclass(frozen=True, slots=True)
class ExceptionView:
    type: str
    value: Value
    module: str
    mechanism: Mechanism | None
    stack: Stack | None
    main: bool  # the newest of the chain: what the issue is about


@dataclass(frozen=True, slots=True)
class Thread:
    name: str
    crashed: bool
    current: bool
    stack: Stack


def present_mechanism(raw: Any) -> Mechanism | None:
    if not isinstance(raw, dict):
        return None
    handled = raw.get("handled")
    details = {key: raw[key] for key in ("exception_id", "parent_id", "source",
                                         "is_exception_group", "data", "meta")
               if raw.get(key) not in (None, {}, [], "")}
    return Mechanism(type=plain(raw.get("type"), 64) or "generic",
                     handled=handled if isinstance(handled, bool) else None,
                     synthetic=raw.get("synthetic") is True,
                     description=plain(raw.get("description")),
                     help_link=safe_href(raw.get("help_link")), details=table(details))


def values_of(data: dict, key: str) -> list[dict]:
    """The entries of `{key: {"values": [...]}}` that are objects (exception, threads, …)."""
    container = data.get(key)
    values = container.get("values") if isinstance(container, dict) else None
    return [value for value in values if isinstance(value, dict)] if isinstance(
        values, list) else []


def present_exceptions(data: dict) -> list[ExceptionView]:
    """The exception chain, newest (the main exception) first, as Sentry shows it."""
    values = values_of(data, "exception")[-EXCEPTIONS_SHOWN:]
    return [ExceptionView(type=plain(exc.get("type"), 256) or "Error",
                          value=display(exc.get("value") or "", LONG_TEXT_LIMIT),
                          module=plain(exc.get("module"), 256),
                          mechanism=present_mechanism(exc.get("mechanism")),
                          stack=present_stack(exc.get("stacktrace")), main=n == 0)
            for n, exc in enumerate(reversed(values))]


def present_threads(data: dict) -> list[Thread]:
    """Threads with a stack trace (Python's attach_stacktrace, native crashes), crashed first."""
    threads = []
    for raw in values_of(data, "threads"):
        stack = present_stack(raw.get("stacktrace"))
        if stack is None:
            continue
        name = plain(raw.get("name")) or (f"Thread {plain(raw.get('id'))}" if plain(raw.get("id"))
                                           else "Thread")
        threads.append(Thread(name, raw.get("crashed") is True, raw.get("current") is True, stack))
    threads.sort(key=lambda thread: not (thread.crashed or thread.current))
    return threads[:THREADS_SHOWN]


@dataclass(frozen=True, slots=True)
class Crumb:
    time: str  # ISO 8601 for <time datetime>, "" when unknown
    clock: str  # "13:04:05", shown
    exact: str  # with the date and microseconds, the tooltip
    type: str
    category: str
    level: str
    message: Value
    data: Table


@dataclass(frozen=True, slots=True)
class Breadcrumbs:
    crumbs: list[Crumb]  # oldest first: the newest, just before the event, is last
    omitted: int


def crumb_times(when: datetime | None) -> tuple[str, str, str]:
    """A breadcrumb's time as the template shows it, formatted once here (a hundred date
    filters cost more than all the rest of the breadcrumbs)."""
    if when is None:
        return "", "", ""
    return (when.isoformat(), f"{when:%H:%M:%S}", f"{when:%Y-%m-%d %H:%M:%S.%f} UTC")


def present_breadcrumbs(data: dict) -> Breadcrumbs:
    crumbs = values_of(data, "breadcrumbs")
    shown = crumbs[-BREADCRUMBS_SHOWN:]
    return Breadcrumbs([Crumb(*crumb_times(moment(crumb.get("timestamp"))),
                              type=plain(crumb.get("type"), 64) or "default",
                              category=plain(crumb.get("category"), 128),
                              level=plain(crumb.get("level"), 16) or "info",
                              message=display(crumb.get("message") or "", LONG_TEXT_LIMIT),
                              data=table(crumb.get("data"), 50)) for crumb in shown],
                       len(crumbs) - len(shown))


@dataclass(frozen=True, slots=True)
class RequestView:
    method: str
    url: str
    href: str  # the URL as a link when it is http(s), else ""
    fragment: str
    query: Table
    headers: Table
    cookies: Table
    body: Value | None
    env: Table


def present_request(data: dict) -> RequestView | None:
    request = data.get("request")
    if not isinstance(request, dict) or not request:
        return None
    url = plain(request.get("url"), 2048)
    body = request.get("data")
    return RequestView(method=plain(request.get("method"), 16), url=url, href=safe_href(url),
                       fragment=plain(request.get("fragment")),
                       query=table(request.get("query_string")),
                       headers=table(request.get("headers")),
                       cookies=table(request.get("cookies")),
                       body=None if body in (None, "", {}, []) else display(body, JSON_LIMIT),
                       env=table(request.get("env")))


@dataclass(frozen=True, slots=True)
class Context:
    alias: str
    title: str
    rows: Table


def present_contexts(data: dict) -> list[Context]:
    """Contexts, the ones Sentry knows first (in its order), then the others by name."""
    contexts = data.get("contexts")
    if not isinstance(contexts, dict):
        return []
    known = list(CONTEXT_TITLES)
    aliases = sorted((alias for alias, value in contexts.items() if isinstance(value, dict)),
                     key=lambda alias: (known.index(alias) if alias in known else len(known),
                                        alias))
    result = []
    for alias in aliases[:CONTEXTS_SHOWN]:
        context = contexts[alias]
        skip = ("type",) if context.get("type") in (alias, CONTEXT_TITLES.get(alias)) else ()
        title = CONTEXT_TITLES.get(alias) or shorten(alias.replace("_", " ").title(), 100)[0]
        result.append(Context(alias, title, table(context, skip=skip)))
    return result


@dataclass(frozen=True, slots=True)
class EventView:
    event_id: str
    title: str
    message: Value | None
    message_template: Value | None  # logentry.message when it differs from the text
    message_params: Value | None
    exceptions: list[ExceptionView]
    threads: list[Thread]
    breadcrumbs: Breadcrumbs
    request: RequestView | None
    user: Table
    contexts: list[Context]
    monitor: Context | None  # uptime and cron issues' failure details
    tags: Table
    extra: Table
    sdk: Table
    modules: Table
    details: Table  # level, platform, environment, release …
    fingerprint: list[str]
    notes: Table  # what normalization fixed or dropped


def present_message(data: dict) -> tuple[Value | None, Value | None, Value | None]:
    message = data.get("message")
    logentry = data.get("logentry")
    if not isinstance(logentry, dict):
        logentry = {}
    text = message if isinstance(message, str) and message else logentry.get("formatted")
    template = logentry.get("message")
    params = logentry.get("params")
    return (display(text, LONG_TEXT_LIMIT) if isinstance(text, str) and text else None,
            display(template, LONG_TEXT_LIMIT) if isinstance(template, str) and template
            and template != text else None,
            display(params) if isinstance(params, list | dict) and params else None)


def present_details(data: dict) -> Table:
    return Table([row(label, display(data[key])) for key, label in DETAIL_FIELDS
                  if isinstance(data.get(key), str) and data[key]])


def present_notes(data: dict) -> Table:
    errors = data.get("errors")
    if not isinstance(errors, list):
        return Table([])
    notes = [[plain(error.get("type"), 64), " ".join(part for part in (
        plain(error.get("name"), 200), plain(error.get("value"), 200)) if part)]
             for error in errors if isinstance(error, dict)]
    return table(notes, 50)


def present(data: Any) -> EventView:
    """The whole event document, ready for the templates."""
    if not isinstance(data, dict):
        data = {}
    contexts = present_contexts(data)
    message, template, params = present_message(data)
    fingerprint = data.get("fingerprint")
    return EventView(
        event_id=plain(data.get("event_id"), 32), title=plain(data.get("title"), 255),
        message=message, message_template=template, message_params=params,
        exceptions=present_exceptions(data), threads=present_threads(data),
        breadcrumbs=present_breadcrumbs(data), request=present_request(data),
        user=table(data.get("user")),
        contexts=[context for context in contexts if context.alias != "monitor"],
        monitor=next((context for context in contexts if context.alias == "monitor"), None),
        tags=table(data.get("tags"), 200), extra=table(data.get("extra")),
        sdk=table(data.get("sdk")), modules=table(data.get("modules"), MODULES_LIMIT),
        details=present_details(data),
        fingerprint=[plain(part, 200) for part in fingerprint[:64]]
        if isinstance(fingerprint, list) else [],
        notes=present_notes(data))
