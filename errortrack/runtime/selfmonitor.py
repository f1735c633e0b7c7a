"""Self-monitoring: with SENTRY_DSN set, errortrack reports its own errors with sentry-sdk, to
another errortrack (or Sentry) or to itself.

Reporting to itself must not feed back: an error on the ingest path (the very path a report
arrives by) would produce a report that arrives by that path and may fail the same way. So
events from the ingest request path are dropped before sending: by logger, by request URL and
by the frames of the exception. The digest is not the ingest path and is reported: a failing
item is retried and quarantined, so its reports are bounded.
"""

import os
import re
from collections.abc import Mapping
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the SDK itself is imported only when self-monitoring starts
    from sentry_sdk.types import Event, Hint

INGEST_LOGGERS = ("errortrack.ingest.app", "errortrack.ingest.batcher",
                  "errortrack.ingest.streams", "errortrack.ingest.envelope")
INGEST_URL = re.compile(r"/api/\d+/(envelope|store)/?(\?|$)")


def _frames(event: Mapping[str, Any]) -> list[dict]:
    return [frame for exception in (event.get("exception") or {}).get("values") or []
            for frame in (exception.get("stacktrace") or {}).get("frames") or []]


def from_ingest_path(event: Mapping[str, Any]) -> bool:
    if event.get("logger") in INGEST_LOGGERS:
        return True
    if INGEST_URL.search(str((event.get("request") or {}).get("url") or "")):
        return True
    return any(str(frame.get("module") or "").startswith(INGEST_LOGGERS)
               for frame in _frames(event))


def before_send(event: "Event", hint: "Hint") -> "Event | None":
    return None if from_ingest_path(event) else event


def release() -> str:
    try:
        return f"errortrack@{metadata.version('errortrack')}"
    except metadata.PackageNotFoundError:
        return "errortrack@unknown"


def start(dsn: str) -> None:
    """Called from settings when SENTRY_DSN is set (as Sentry's Django guide does)."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import ignore_logger

    for name in INGEST_LOGGERS:
        ignore_logger(name)
    sentry_sdk.init(dsn=dsn, release=os.environ.get("SENTRY_RELEASE") or release(),
                    integrations=[DjangoIntegration(), CeleryIntegration()],
                    send_default_pii=False, traces_sample_rate=0.0, before_send=before_send)
