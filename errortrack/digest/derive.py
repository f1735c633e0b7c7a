"""Derive: what Sentry computes from a normalized event (errortrack.digest.normalize) before it
is scrubbed and grouped: `title`, `culprit`, `metadata`, `type`, and the derived tags (level,
environment, release, user, browser, …) beside the SDK's own."""

from typing import Any

from errortrack.digest.normalize import FILTERED, MAX_CULPRIT, MAX_TAG_VALUE, MAX_TITLE


def derive(event: dict) -> dict:
    """The stage: `event` with its derived fields and tags, in place (returned for chaining)."""
    derive_fields(event)
    event["tags"] = merge_derived_tags(event)
    return event


def main_exception(event: dict) -> dict | None:
    values = (event.get("exception") or {}).get("values") or []
    return values[-1] if values else None


def crash_frame(event: dict) -> dict | None:
    """The frame the error happened in: the newest in-app frame of the main exception (or of
    the crashed thread), else its newest frame."""
    exc = main_exception(event)
    stacktrace = (exc or {}).get("stacktrace")
    if stacktrace is None:
        threads = (event.get("threads") or {}).get("values") or []
        chosen = next((t for t in threads if t.get("crashed")), None) or next(
            (t for t in threads if t.get("current")), None) or (threads[0] if threads else None)
        stacktrace = (chosen or {}).get("stacktrace")
    frames = (stacktrace or {}).get("frames") or []
    for frame in reversed(frames):
        if frame.get("in_app"):
            return frame
    return frames[-1] if frames else None


def first_line(text: str, limit: int) -> str:
    line = next((part for part in text.splitlines() if part.strip()), "").strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def derive_fields(event: dict) -> None:
    """title, culprit, metadata and type, from the normalized event."""
    exc = main_exception(event)
    frame = crash_frame(event)
    metadata: dict[str, Any] = {}
    if exc is not None:
        event["type"] = "error"
        exc_type, value = exc.get("type") or "", exc.get("value") or ""
        if exc_type and value:
            title = f"{exc_type}: {first_line(value, MAX_TITLE)}"
        else:
            title = first_line(exc_type or value, MAX_TITLE) or "<unknown error>"
        metadata.update({"type": exc_type, "value": value[:1024]})
    else:
        event["type"] = "default"
        message = event.get("message") or ""
        title = first_line(message, MAX_TITLE) or event.get("transaction") or "<unlabeled event>"
        metadata["title"] = title
    if frame is not None:
        for key in ("filename", "function"):
            if frame.get(key):
                metadata[key] = frame[key]
        if frame.get("in_app") is not None:
            metadata["in_app_frame"] = frame["in_app"]
    event["title"] = title[:MAX_TITLE]
    event["metadata"] = metadata
    event["culprit"] = (event.get("transaction") or event.get("culprit")
                        or frame_culprit(frame))[:MAX_CULPRIT]


def frame_culprit(frame: dict | None) -> str:
    if frame is None:
        return ""
    where = frame.get("module") or frame.get("filename") or frame.get("abs_path") or ""
    function = frame.get("function")
    return f"{where} in {function}" if where and function else where or function or ""


def user_tag(user: dict | None) -> str | None:
    """Sentry's `user` tag: the user's first identity of id, username, email, IP address."""
    if not user:
        return None
    for key, prefix in (("id", "id"), ("username", "username"), ("email", "email"),
                        ("ip_address", "ip")):
        value = user.get(key)
        if isinstance(value, str) and value and value != FILTERED:
            return f"{prefix}:{value}"[:MAX_TAG_VALUE]
    return None


def merge_derived_tags(event: dict) -> list[list[str]]:
    """The SDK's tags plus what Sentry derives (level, environment, release, …); the SDK's
    own value wins where both name a key."""
    tags = list(event.get("tags") or [])
    have = {key for key, _ in tags}
    contexts = event.get("contexts") or {}
    exc = main_exception(event)
    mechanism = (exc or {}).get("mechanism") or {}
    request = event.get("request") or {}
    derived = [
        ("level", event.get("level")), ("environment", event.get("environment")),
        ("release", event.get("release")), ("dist", event.get("dist")),
        ("logger", event.get("logger")), ("transaction", event.get("transaction")),
        ("server_name", event.get("server_name")), ("user", user_tag(event.get("user"))),
        ("url", request.get("url")),
        ("mechanism", mechanism.get("type")),
        ("handled", None if mechanism.get("handled") is None
         else ("yes" if mechanism["handled"] else "no")),
        ("os.name", (contexts.get("os") or {}).get("name")),
        ("runtime", " ".join(str(part) for part in (
            (contexts.get("runtime") or {}).get("name"),
            (contexts.get("runtime") or {}).get("version")) if part) or None),
        ("browser", " ".join(str(part) for part in (
            (contexts.get("browser") or {}).get("name"),
            (contexts.get("browser") or {}).get("version")) if part) or None),
        ("device", (contexts.get("device") or {}).get("model")),
    ]
    for key, value in derived:
        if key in have or not isinstance(value, str) or not value.strip():
            continue
        value = value.strip()
        if len(value) > MAX_TAG_VALUE or "\n" in value:
            value = value.splitlines()[0][:MAX_TAG_VALUE] if value.splitlines() else ""
            if not value:
                continue
        tags.append([key, value])
        have.add(key)
    return tags
