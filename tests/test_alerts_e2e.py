"""An error sent by the real sentry-sdk to the real server reaches a real webhook receiver,
once: the digest's facts fire the rule wherever the digest runs (embedded: the background
child; scale-out: Celery workers, two processes racing for each delivery)."""

import os
import time

import pytest
import redis
import sentry_sdk
from django.db import connections

from alerts import actions as alert_actions
from alerts.models import Delivery
from errortrack.compat.dsn import build_dsn
from tests.conftest import database_url_for, start_server, stop_server
from tests.receivers import HttpReceiver

WAIT_SECONDS = 40


@pytest.mark.django_db(transaction=True)
def test_an_sdk_error_notifies_the_webhook_exactly_once(tmp_path, alice, web_project):
    with HttpReceiver() as receiver:
        channel = alert_actions.create_channel(web_project.organization, "webhook", "e2e",
                                               {"url": receiver.url("/hook"),
                                                "secret": "e2e-secret-0123456789"})
        alert_actions.create_rule(web_project, "notify", [{"type": "new_issue"}],
                                  channels=[channel])
        env = {"ERRORTRACK_OUTBOUND_ALLOWLIST": "127.0.0.1",
               "ERRORTRACK_DELIVERY_INTERVAL_SECONDS": "1", "ERRORTRACK_WORKER_CONCURRENCY": "2"}
        if os.environ.get("REDIS_URL"):  # a broker of its own: no other test's worker joins
            env["REDIS_URL"] = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/11"
            redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        server = start_server(tmp_path, database_url_for(connections["default"].settings_dict),
                              all_processes=True, **env)
        try:
            dsn = build_dsn(server.url, web_project.keys.get().public_key, web_project.pk)
            sentry_sdk.init(dsn=dsn, default_integrations=False,
                            auto_enabling_integrations=False)
            try:
                sentry_sdk.capture_message("checkout is down", level="error")
                sentry_sdk.flush(timeout=10)
            finally:
                sentry_sdk.get_client().close()
            deadline = time.monotonic() + WAIT_SECONDS
            while not receiver.requests and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(3)  # several delivery runs later, still one request
        finally:
            stop_server(server)
        [request] = receiver.requests
        assert request.json()["title"] == "checkout is down"
        assert request.json()["reason"] == "new_issue"
        delivery = Delivery.objects.get(channel=channel)
        assert (delivery.status, delivery.attempts, delivery.response_code) == ("sent", 1, 200)
