"""Live updates through the real server: a logged-in browser session's websocket hears of a new
issue and of new events sent by the real sentry-sdk, wherever the digest runs (embedded: the
background child process, bridged to the web process; scale-out: a Celery worker, through
channels-redis)."""

import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from errortrack.compat.dsn import build_dsn
from errortrack.models import Issue
from tests.factories import PASSWORD, usable_by_a_server
from tests.sdk import capture, send_with_sdk
from tests.servers import log_in


def session_id(base_url: str, username: str) -> str:
    return log_in(base_url, username, PASSWORD).cookies["sessionid"]


def test_a_watching_page_hears_of_new_issues_and_events(start_own_server, alice, charlie,
                                                        web_project):
    usable_by_a_server(alice)
    usable_by_a_server(charlie)
    server = start_own_server()
    ws_url = server.url.replace("http://", "ws://") + f"/ws/live/?projects={web_project.pk}"
    headers = {"Cookie": f"sessionid={session_id(server.url, 'alice')}", "Origin": server.url}
    dsn = build_dsn(server.url, web_project.keys.get().public_key, web_project.pk)
    with connect(ws_url, additional_headers=headers, open_timeout=10) as socket:
        send_with_sdk(dsn, capture("checkout <b>broke</b>"))
        update = json.loads(socket.recv(timeout=30))
        issue = Issue.objects.get(project=web_project)
        assert [row["id"] for row in update["rows"]] == [str(issue.pk)]
        assert "checkout &lt;b&gt;broke&lt;/b&gt;" in update["rows"][0]["html"]
        send_with_sdk(dsn, capture("checkout <b>broke</b>"))
        update = json.loads(socket.recv(timeout=30))
        assert update["rows"] == []
        assert update["counts"][0]["count"] == 2

    # Another organization's user cannot listen to this project, nor can a page of
    # another site (the origin is checked): both handshakes are refused.
    outsider = {"Cookie": f"sessionid={session_id(server.url, 'charlie')}",
                "Origin": server.url}
    foreign = {**headers, "Origin": "http://evil.example.com"}
    for refused in (outsider, foreign):
        with pytest.raises(InvalidStatus) as refusal, \
                connect(ws_url, additional_headers=refused, open_timeout=10):
            pass
        assert refusal.value.response.status_code == 403
