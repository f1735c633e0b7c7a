"""Errors sent by the real sentry-sdk to the real server reach real receivers (HTTP for Slack,
PagerDuty and a webhook; aiosmtpd for email), once each: the digest's facts fire the rules
wherever the digest runs (embedded: the background child; scale-out: Celery worker processes
racing for each delivery), and 50 more events of the same issue repeat nothing."""

import subprocess
import sys

import pytest
from django.utils import timezone

from alerts import actions as alert_actions
from alerts.delivery import deliver_due
from alerts.models import Delivery
from errortrack.compat.dsn import build_dsn
from tests.factories import PAGERDUTY_ROUTING_KEY
from tests.receivers import HttpReceiver, SmtpReceiver
from tests.sdk import capture, send_with_sdk
from tests.servers import ROOT, environment_of, stop_process, stop_server
from tests.waiting import eventually

PATHS = ("/slack", "/v2/enqueue", "/hook")


def send(dsn: str, count: int) -> None:
    send_with_sdk(dsn, capture("checkout is down", level="fatal", times=count))


def test_a_new_issue_notifies_every_channel_once(start_own_server, alice, web_project):
    with HttpReceiver() as receiver, SmtpReceiver() as smtp:
        organization = web_project.organization
        channels = [
            alert_actions.create_channel(organization, "slack", "s",
                                         {"url": receiver.url("/slack")}),
            alert_actions.create_channel(organization, "pagerduty", "p",
                                         {"routing_key": PAGERDUTY_ROUTING_KEY}),
            alert_actions.create_channel(organization, "webhook", "w",
                                         {"url": receiver.url("/hook"),
                                          "secret": "e2e-secret-0123456789"}),
        ]
        alert_actions.create_rule(web_project, "notify", [{"type": "new_issue"},
                                                          {"type": "event_frequency",
                                                           "value": 10, "minutes": 5}],
                                  channels=channels)
        env = {"ERRORTRACK_OUTBOUND_ALLOWLIST": "127.0.0.1",
               "ERRORTRACK_PAGERDUTY_EVENTS_URL": receiver.url("/v2/enqueue"),
               "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
               "ERRORTRACK_DELIVERY_INTERVAL_SECONDS": "1", "ERRORTRACK_WORKER_CONCURRENCY": "2"}
        server = start_own_server(**env)
        dsn = build_dsn(server.url, web_project.keys.get().public_key, web_project.pk)
        send(dsn, 1)
        eventually(lambda: len(receiver.requests) >= 3 and smtp.messages,
                   lambda: f"three HTTP notifications and an email (got "
                           f"{[r.path for r in receiver.requests]}, {len(smtp.messages)} emails)")
        send(dsn, 50)  # within the action interval: nothing new
        eventually(lambda: web_project.issues.filter(times_seen__gte=51).exists(),
                   "the 50 more events digested")
        stop_server(server)  # a graceful stop: whatever the digest's listeners queued is queued
        assert deliver_due(timezone.now()) == 0  # nothing left to send: nothing was queued
        assert sorted(r.path for r in receiver.requests) == sorted(PATHS)
        assert receiver.requests[0].json()  # JSON bodies
        pagerduty = next(r.json() for r in receiver.requests if r.path == "/v2/enqueue")
        assert pagerduty["event_action"] == "trigger"
        assert pagerduty["payload"]["severity"] == "critical"
        [(_, recipients)] = smtp.envelopes
        assert recipients == ["alice@example.com"]
        assert "checkout is down" in smtp.messages[0]["Subject"]
        assert web_project.issues.get().times_seen == 51
        assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
        assert Delivery.objects.count() == 4


@pytest.mark.scaleout
def test_two_celery_workers_never_send_a_delivery_twice(start_own_server, alice, web_project):
    """Two worker services of two processes each, all woken at once for the same 40 due
    deliveries: each is claimed by one of them and sent once."""
    with HttpReceiver() as receiver:
        receiver.script = [(200, {}, 0.05)] * 40  # slow enough for the workers to overlap
        channel = alert_actions.create_channel(web_project.organization, "webhook", "race",
                                               {"url": receiver.url("/hook"),
                                                "secret": "race-secret-0123456789"})
        for _ in range(40):
            alert_actions.send_test_notification(channel)
        server = start_own_server(all_processes=False)  # its Redis database; workers below
        env = environment_of(server, ERRORTRACK_OUTBOUND_ALLOWLIST="127.0.0.1",
                             ERRORTRACK_WORKER_CONCURRENCY="2")
        workers = [subprocess.Popen([sys.executable, "manage.py", "serve", "--only", "worker"],
                                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL) for _ in range(2)]
        try:
            wake = ("from errortrack.runtime.tasks import run_periodic_job\n"
                    "for _ in range(12): run_periodic_job.delay('alerts.deliver')\n")
            subprocess.run([sys.executable, "manage.py", "shell", "-c", wake], cwd=ROOT,
                           env=env, check=True, capture_output=True, timeout=60)
            eventually(lambda: not Delivery.objects.filter(status="pending").exists(),
                       "all 40 deliveries sent")
        finally:
            for worker in workers:
                stop_process(worker)  # a warm shutdown: a send under way (a double) finishes
        assert deliver_due(timezone.now()) == 0
        assert len(receiver.requests) == 40
        assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
