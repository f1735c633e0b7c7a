"""Self-monitoring: with SENTRY_DSN set, errortrack's own errors reach an errortrack through
the real sentry-sdk, and what its ingest request path logs is never sent."""

import os
import subprocess
import sys

from errortrack.compat.dsn import build_dsn
from errortrack.models import Event, InboxItem
from tests.servers import ROOT
from tests.waiting import eventually


def test_errortrack_reports_its_own_errors_to_an_errortrack(errortrack_server, transactional_db,
                                                            alice, web_project):
    dsn = build_dsn(errortrack_server.url, web_project.keys.get().public_key, web_project.pk)
    script = ("import logging, sentry_sdk\n"
              "logging.getLogger('errortrack.ingest.batcher').error('inbox write failed')\n"
              "logging.getLogger('errortrack.runtime.jobs').error('periodic job exploded')\n"
              "sentry_sdk.flush(10)\n")
    env = {**os.environ, "SENTRY_DSN": dsn, "SENTRY_ENVIRONMENT": "selftest"}
    subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    # The shell has flushed and exited: whatever it sent was acked, so it is in the inbox or
    # digested. Once the inbox is empty, the events stored are all it sent.
    eventually(lambda: Event.objects.filter(project=web_project).exists()
               and not InboxItem.objects.exists(), "errortrack's own error digested")
    [event] = Event.objects.filter(project=web_project)
    assert event.data["logger"] == "errortrack.runtime.jobs"
    assert event.data["environment"] == "selftest"
    assert event.data["release"].startswith("errortrack@")
    assert "periodic job exploded" in event.title
