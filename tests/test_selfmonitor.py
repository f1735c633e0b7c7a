"""Self-monitoring: with SENTRY_DSN set, errortrack's own errors reach an errortrack through
the real sentry-sdk, and nothing from its ingest request path is ever sent (no feedback loop
when it reports to itself)."""

import os
import subprocess
import sys
import time

import pytest

from errortrack.compat.dsn import build_dsn
from errortrack.models import Event
from errortrack.runtime.selfmonitor import before_send
from tests.conftest import ROOT

WAIT_SECONDS = 30


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


@pytest.mark.django_db(transaction=True)
def test_errortrack_reports_its_own_errors_to_an_errortrack(errortrack_server, inbox_consumer,
                                                            alice, web_project):
    dsn = build_dsn(errortrack_server.url, web_project.keys.get().public_key, web_project.pk)
    script = ("import logging, sentry_sdk\n"
              "logging.getLogger('errortrack.ingest.batcher').error('inbox write failed')\n"
              "logging.getLogger('errortrack.runtime.jobs').error('periodic job exploded')\n"
              "sentry_sdk.flush(10)\n")
    env = {**os.environ, "SENTRY_DSN": dsn, "SENTRY_ENVIRONMENT": "selftest"}
    subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    deadline = time.monotonic() + WAIT_SECONDS
    while not Event.objects.filter(project=web_project).exists():
        if time.monotonic() > deadline:
            pytest.fail("errortrack's own error did not arrive")
        time.sleep(0.2)
    time.sleep(1)  # the filtered event, sent first if at all, would be here by now
    [event] = Event.objects.filter(project=web_project)
    assert event.data["logger"] == "errortrack.runtime.jobs"
    assert event.data["environment"] == "selftest"
    assert event.data["release"].startswith("errortrack@")
    assert "periodic job exploded" in event.title
