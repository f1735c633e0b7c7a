"""The real @sentry/node (from the committed npm lock): query-string auth, chunked bodies with no
Content-Length, items without length, gzip above 32 KiB."""

import shutil
import subprocess

import pytest

from errortrack.compat.dsn import build_dsn
from tests.servers import ROOT
from tests.waiting import wait_for_events

SCRIPT = ROOT / "tests" / "js" / "send_node_events.mjs"


@pytest.mark.scaleout
def test_node_sdk_errors_are_stored(errortrack_server, transactional_db,
                                    web_project):
    if shutil.which("node") is None or not (ROOT / "node_modules" / "@sentry" / "node").exists():
        pytest.fail("node and the npm test clients are needed: run `make test`")
    dsn = build_dsn(errortrack_server.url, web_project.keys.get().public_key, web_project.pk)
    proc = subprocess.run(["node", str(SCRIPT), dsn, "3"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    events = wait_for_events(4, project=web_project)
    tags = {e.event_id: dict(e.data["tags"]) for e in events}  # normalized: [key, value] pairs
    errors = sorted((tags[e.event_id]["sequence"], e.data["exception"]["values"][-1])
                    for e in events if "sequence" in tags[e.event_id])
    assert [(seq, exc["type"], exc["value"]) for seq, exc in errors] == [
        (str(i), "TypeError", f"node failure {i}") for i in range(3)]
    # The 40 KiB message went gzipped (the SDK compresses above 32 KiB) and arrived.
    [big] = [e for e in events if "sequence" not in tags[e.event_id]]
    # Over-long messages are cut at 8,192 characters, as Relay does.
    assert big.data["message"] == ("big " + "x" * 40 * 1024)[:8189] + "..."
    assert all(e.data["platform"] == "node" for e in events)
