"""Grouping v1. Frozen: once released, changing anything here regroups events silently; a
change of behaviour is a new module (v2) instead. Its helpers are its own for that reason.

Precedence, as in Sentry:
1. The SDK's `fingerprint`, unless it is just `{{ default }}`. Its parts are literal strings or
   variables: `{{ default }}` (the default grouping's components), `{{ transaction }}`,
   `{{ type }}`, `{{ value }}`, `{{ function }}`, `{{ module }}`, `{{ level }}`, `{{ tags.X }}`
   and the rest of VARIABLES.
2. The exception chain: each exception's type (unless synthetic) and its stack frames: only
   in-app frames when any frame of the event is in-app, else all frames. A frame is its module
   (or file basename), normalized function and whitespace-collapsed context line; never its line
   number (a deploy that shifts code must not split issues) and never the transaction (the same
   crash inside and outside a request is one issue).
3. An exception chain with no usable frames: types and normalized values.
4. A thread's stack trace (messages sent with attach_stacktrace), by the same frame rules.
5. The message template, with numbers, hex, UUIDs, hashes, IPs, emails, URLs and dates
   replaced by placeholders, so "user 42 failed" and "user 43 failed" are one issue.
"""

import hashlib
import re

from errortrack.digest.grouping.base import Grouping

VERSION = "v1"
CONTEXT_LINE_PLATFORMS = {"javascript", "node", "python", "php", "ruby"}
JS_PLATFORMS = {"javascript", "node"}
MAX_CONTEXT_LINE = 120
IGNORED_FILENAMES = {"<anonymous>", "[native code]", "native", "<unknown>"}
IGNORED_JS_FUNCTIONS = {"?", "<anonymous>", "eval", "anonymous", "Anonymous function"}
VARIABLE = re.compile(r"^\{\{\s*([\w.:-]+)\s*\}\}$")
URL_PATH = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
# Placeholders for the variable parts of messages and exception values (order matters).
MESSAGE_PATTERNS = [(re.compile(pattern), f"<{name}>") for name, pattern in [
    ("email", r"[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}"),
    ("url", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+"),
    ("uuid", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    ("date", r"\b\d{4}-\d{2}-\d{2}"
             r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"),
    ("time", r"\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b"),
    ("ip", r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-fA-F]{1,4}:){4,7}[0-9a-fA-F]{1,4}\b"),
    ("sha1", r"\b[0-9a-fA-F]{40}\b"),
    ("md5", r"\b[0-9a-fA-F]{32}\b"),
    ("hex", r"\b0[xX][0-9a-fA-F]+\b"),
    ("float", r"-?\b\d+\.\d+\b"),
    ("int", r"-?\b\d+\b"),
]]


def normalize_message(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()][:2]
    text = "\n".join(lines)
    for pattern, placeholder in MESSAGE_PATTERNS:
        text = pattern.sub(placeholder, text)
    return text


def normalize_function(function: str, platform: str) -> str:
    function = function.strip()
    if platform in JS_PLATFORMS:
        for prefix in ("async ", "new "):
            if function.startswith(prefix):
                function = function[len(prefix):]
        function = function.split("/<")[0]  # Firefox's nested-function marker
        if function in IGNORED_JS_FUNCTIONS:
            return ""
        function = function.rsplit(".", 1)[-1]  # Foo.bar → bar, Object.handler → handler
        return "" if function in IGNORED_JS_FUNCTIONS else function
    return function


def frame_component(frame: dict, event_platform: str) -> str:
    platform = frame.get("platform") or event_platform
    parts = []
    if frame.get("module"):
        parts.append("module:" + frame["module"])
    else:
        filename = frame.get("filename") or frame.get("abs_path") or ""
        is_url = bool(URL_PATH.match(frame.get("abs_path") or filename))
        if filename and not is_url and filename not in IGNORED_FILENAMES:
            parts.append("file:" + re.split(r"[/\\]", filename)[-1].lower())
    function = normalize_function(frame.get("function") or frame.get("raw_function") or "",
                                  platform)
    if function:
        parts.append("function:" + function)
    context_line = frame.get("context_line")
    if platform in CONTEXT_LINE_PLATFORMS and isinstance(context_line, str):
        collapsed = " ".join(context_line.split())
        if collapsed and len(collapsed) <= MAX_CONTEXT_LINE:
            parts.append("context:" + collapsed)
    return " | ".join(parts)


def frames_of(container: dict | None) -> list[dict]:
    return ((container or {}).get("stacktrace") or {}).get("frames") or []


def stack_components(frames: list[dict], app_only: bool, platform: str) -> list[str]:
    components: list[str] = []
    for frame in frames:
        if app_only and not frame.get("in_app"):
            continue
        component = frame_component(frame, platform)
        if component and (not components or components[-1] != component):  # skip recursion
            components.append(component)
    return [f"frame: {component}" for component in components]


def exception_components(exceptions: list[dict], platform: str) -> list[str]:
    app_only = any(frame.get("in_app") for exc in exceptions for frame in frames_of(exc))
    components, any_frames = ["exception"], False
    for exc in exceptions:
        synthetic = bool((exc.get("mechanism") or {}).get("synthetic"))
        if exc.get("type") and not synthetic:
            components.append("type: " + exc["type"])
        frames = stack_components(frames_of(exc), app_only, platform)
        any_frames = any_frames or bool(frames)
        components.extend(frames)
    if any_frames:
        return components
    components = ["exception"]
    for exc in exceptions:
        synthetic = bool((exc.get("mechanism") or {}).get("synthetic"))
        if exc.get("type") and not synthetic:
            components.append("type: " + exc["type"])
        if exc.get("value"):
            components.append("value: " + normalize_message(exc["value"]))
    return components if len(components) > 1 else []


def thread_components(event: dict, platform: str) -> list[str]:
    threads = (event.get("threads") or {}).get("values") or []
    thread = (next((t for t in threads if t.get("crashed")), None)
              or next((t for t in threads if t.get("current")), None)
              or (threads[0] if len(threads) == 1 else None))
    frames = frames_of(thread)
    app_only = any(frame.get("in_app") for frame in frames)
    components = stack_components(frames, app_only, platform)
    return ["threads", *components] if components else []


def default_components(event: dict) -> list[str]:
    platform = event.get("platform") or "other"
    exceptions = (event.get("exception") or {}).get("values") or []
    components = exception_components(exceptions, platform) if exceptions else []
    if not components:
        components = thread_components(event, platform)
    if not components:
        logentry = event.get("logentry") or {}
        message = logentry.get("message") or logentry.get("formatted") or ""
        if message.strip():
            components = ["message", "message: " + normalize_message(message)]
    return components or ["nothing to group by"]


def crash_frame(event: dict) -> dict:
    exceptions = (event.get("exception") or {}).get("values") or []
    frames = frames_of(exceptions[-1]) if exceptions else []
    for frame in reversed(frames):
        if frame.get("in_app"):
            return frame
    return frames[-1] if frames else {}


def variable_value(event: dict, name: str) -> str:
    exceptions = (event.get("exception") or {}).get("values") or []
    main = exceptions[-1] if exceptions else {}
    frame_keys = {"function": "function", "stack.function": "function", "module": "module",
                  "stack.module": "module", "path": "abs_path", "stack.abs_path": "abs_path",
                  "stack.filename": "filename", "package": "package", "stack.package": "package"}
    if name in frame_keys:
        value = crash_frame(event).get(frame_keys[name])
    elif name in ("type", "error.type"):
        value = main.get("type")
    elif name in ("value", "error.value"):
        value = main.get("value")
    elif name == "message":
        value = (event.get("logentry") or {}).get("formatted")
    elif name in ("transaction", "level", "logger"):
        value = event.get(name)
    elif name.startswith("tags."):
        value = next((v for k, v in event.get("tags") or [] if k == name[5:]), None)
    else:
        return "part: {{ " + name + " }}"  # not a variable: a literal part
    return f"{name}={value}" if value else f"{name}=<no value>"


def group(event: dict) -> Grouping:
    fingerprint = event.get("fingerprint") or []
    variables = [VARIABLE.match(part) for part in fingerprint]
    if fingerprint and not (len(fingerprint) == 1 and variables[0]
                            and variables[0][1] == "default"):
        components = ["fingerprint"]
        for part, variable in zip(fingerprint, variables, strict=True):
            if variable is None:
                components.append("part: " + part)
            elif variable[1] == "default":
                components.extend(default_components(event))
            else:
                components.append(variable_value(event, variable[1]))
    else:
        components = default_components(event)
    digest = hashlib.md5("\n".join([VERSION, *components]).encode(),  # not for security
                         usedforsecurity=False).hexdigest()
    return Grouping(digest, VERSION, tuple(components))
