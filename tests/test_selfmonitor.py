"""Self-monitoring's filter: nothing from errortrack's ingest request path is ever sent (no
feedback loop when it reports to itself); other errors are. End to end: tests/e2e/."""

import pytest

from errortrack.runtime.selfmonitor import before_send


def logged(logger: str, message: str = "boom") -> dict:
    return {"logger": logger, "logentry": {"message": message}, "level": "error"}


@pytest.mark.parametrize("event", [
    logged("errortrack.ingest.batcher"),
    logged("errortrack.ingest.app"),
    {"request": {"url": "http://et.example/api/17/envelope/", "method": "POST"}},
    {"request": {"url": "http://et.example/api/17/store/?sentry_key=abc"}},
    {"exception": {"values": [{"type": "OperationalError", "stacktrace": {"frames": [
        {"module": "asyncio.events"}, {"module": "errortrack.ingest.batcher"},
        {"module": "django.db.backends.utils"}]}}]}},
])
def test_events_from_the_ingest_path_are_not_sent(event):
    assert before_send(event, {}) is None


@pytest.mark.parametrize("event", [
    logged("errortrack.digest.consume"),  # the digest is reported: its failures are bounded
    logged("django.request"),
    {"request": {"url": "http://et.example/api/0/projects/a/b/issues/"}},
    {"exception": {"values": [{"type": "KeyError", "stacktrace": {"frames": [
        {"module": "errortrack.digest.store"}]}}]}},
])
def test_other_errors_are_sent(event):
    assert before_send(event, {}) is event
