"""Live updates through the real server: a logged-in browser session's websocket hears of a new
issue and of new events sent by the real sentry-sdk, wherever the digest runs (embedded: the
background child process, bridged to the web process; scale-out: a Celery worker, through
channels-redis)."""

import json
import os
import re

import pytest
import requests
import sentry_sdk
from django.db import connections
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from errortrack.compat.dsn import build_dsn
from errortrack.models import Issue
from tests.conftest import database_url_for, private_broker, start_server, stop_server
from tests.factories import PASSWORD, usable_by_a_server
from tests.test_ingest_e2e import send_with_sdk


def log_in(base_url: str, username: str) -> str:
    """A real session: the login form, its CSRF token, the session cookie."""
    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    response = session.post(f"{base_url}/accounts/login/", timeout=10, data={
        "username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base_url}/accounts/login/"})
    assert response.status_code == 200 and "sessionid" in session.cookies
    return session.cookies["sessionid"]


def capture(message: str):
    return lambda: sentry_sdk.capture_message(message, level="error")


@pytest.mark.django_db(transaction=True)
def test_a_watching_page_hears_of_new_issues_and_events(tmp_path, alice, charlie, web_project):
    usable_by_a_server(alice)
    usable_by_a_server(charlie)
    env = {}
    if os.environ.get("REDIS_URL"):  # a broker of its own: its worker digests these events
        env["REDIS_URL"] = private_broker(14)
    server = start_server(tmp_path, database_url_for(connections["default"].settings_dict),
                          all_processes=True, **env)
    try:
        ws_url = server.url.replace("http://", "ws://") + f"/ws/live/?projects={web_project.pk}"
        headers = {"Cookie": f"sessionid={log_in(server.url, 'alice')}", "Origin": server.url}
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
        outsider = {"Cookie": f"sessionid={log_in(server.url, 'charlie')}",
                    "Origin": server.url}
        foreign = {**headers, "Origin": "http://evil.example.com"}
        for refused in (outsider, foreign):
            with pytest.raises(InvalidStatus) as refusal, \
                    connect(ws_url, additional_headers=refused, open_timeout=10):
                pass
            assert refusal.value.response.status_code == 403
    finally:
        stop_server(server)
