"""`sentry-cli send-event` (from PyPI): dashed event id, float timestamp, logentry, and
`extra.environ` with the whole process environment."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from errortrack.compat.dsn import build_dsn
from tests.waiting import wait_for_events


@pytest.mark.scaleout
def test_send_event_is_stored(errortrack_server, transactional_db, web_project):
    cli = shutil.which("sentry-cli", path=str(Path(sys.executable).parent))
    assert cli, "sentry-cli comes with the test extras: run `make test`"
    dsn = build_dsn(errortrack_server.url, web_project.keys.get().public_key, web_project.pk)
    proc = subprocess.run([cli, "send-event", "-m", "hello from sentry-cli", "--no-environ",
                           "-t", "origin:cli"], env={"SENTRY_DSN": dsn, "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    [event] = wait_for_events(1, project=web_project)
    assert event.data["logentry"]["formatted"] == event.data["message"] == "hello from sentry-cli"
    assert ["origin", "cli"] in event.data["tags"]
    dashed = proc.stdout.strip().split()[-1]
    assert event.event_id == dashed.replace("-", "")
