"""Every kept item type reaches its consumer: what the real sentry-sdk sends, and the rest raw."""

import time
import uuid

import pytest
import requests
import sentry_sdk
from sentry_sdk.crons import capture_checkin

from errortrack.compat.dsn import build_dsn
from errortrack.models import (
    DiscardCounts,
    EventAttachment,
    SessionCounts,
    TransactionSummary,
    UserReport,
)
from health.models import CheckIn
from tests.sdk import send_with_sdk
from tests.waiting import wait_for_events, wait_for_rows


@pytest.fixture
def dsn(errortrack_server, transactional_db, web_project):
    return build_dsn(errortrack_server.url, web_project.keys.get().public_key, web_project.pk)


@pytest.fixture
def post(errortrack_server, dsn, web_project):
    def send(body: bytes) -> requests.Response:
        return requests.post(f"{errortrack_server.url}/api/{web_project.pk}/envelope/",
                             data=body, timeout=10, headers={
                                 "X-Sentry-Auth": f"Sentry sentry_key="
                                                  f"{web_project.keys.get().public_key}"})
    return send


def test_a_transaction_becomes_a_compact_row(dsn, web_project):
    def run() -> None:
        with sentry_sdk.start_transaction(name="GET /items", op="http.server"):
            time.sleep(0.02)

    send_with_sdk(dsn, run, traces_sample_rate=1.0, release="app@2.0", environment="staging")
    [row] = wait_for_rows(TransactionSummary.objects.filter(project=web_project))
    assert (row.name, row.op, row.release, row.environment) == (
        "GET /items", "http.server", "app@2.0", "staging")
    assert row.duration_ms >= 20


def test_a_session_is_counted_per_release_and_minute(dsn, web_project):
    def run() -> None:
        scope = sentry_sdk.get_isolation_scope()
        scope.start_session()
        scope.end_session()

    send_with_sdk(dsn, run, release="app@2.0")
    [bucket] = wait_for_rows(SessionCounts.objects.filter(project=web_project, release="app@2.0"))
    assert (bucket.started, bucket.exited) == (1, 1)


def test_a_cron_check_in_is_stored(dsn, web_project):
    def run() -> None:
        check_in_id = capture_checkin(monitor_slug="nightly-report", status="in_progress",
                                      monitor_config={"schedule": {"type": "crontab",
                                                                   "value": "0 3 * * *"}})
        capture_checkin(monitor_slug="nightly-report", check_in_id=check_in_id, status="ok",
                        duration=1.5)

    send_with_sdk(dsn, run)
    # One run: the in_progress row, finished by the ok with the same check_in_id.
    [run_row] = wait_for_rows(CheckIn.objects.filter(project=web_project, status="ok"))
    assert CheckIn.objects.filter(project=web_project).count() == 1
    assert run_row.monitor_config["schedule"]["value"] == "0 3 * * *"
    assert run_row.duration == 1.5
    assert (run_row.monitor.slug, run_row.monitor.schedule) == ("nightly-report", "0 3 * * *")


def test_an_attachment_is_linked_to_its_event(dsn, web_project):
    def run() -> None:
        sentry_sdk.get_isolation_scope().add_attachment(bytes=b"\x00log\xff", filename="app.log")
        sentry_sdk.capture_message("with a file")

    send_with_sdk(dsn, run)
    [event] = wait_for_events(1, project=web_project)
    [attachment] = wait_for_rows(EventAttachment.objects.filter(project=web_project))
    assert (attachment.event_id, attachment.filename, bytes(attachment.data)) == (
        event.event_id, "app.log", b"\x00log\xff")


def test_session_aggregates_client_reports_and_user_reports(post, web_project):
    event_id = uuid.uuid4().hex
    body = (b'{}\n{"type":"sessions"}\n{"attrs":{"release":"api@1","environment":"prod"},'
            b'"aggregates":[{"started":"2026-11-23T10:15:00Z","exited":5,"errored":2,"crashed":1}]}\n'
            b'{"type":"client_report"}\n{"timestamp":1795000000,"discarded_events":'
            b'[{"reason":"queue_overflow","category":"error","quantity":4}]}\n'
            b'{"type":"user_report"}\n{"event_id":"%s","email":"a@b.c","comments":"broken"}\n'
            b'{"type":"hologram"}\n{}' % event_id.encode())
    assert post(body).status_code == 200
    [bucket] = wait_for_rows(SessionCounts.objects.filter(project=web_project, release="api@1"))
    assert (bucket.started, bucket.exited, bucket.errored, bucket.crashed) == (8, 5, 2, 1)
    [discard] = wait_for_rows(DiscardCounts.objects.filter(project=web_project))
    assert (discard.reason, discard.category, discard.quantity) == ("queue_overflow", "error", 4)
    [report] = wait_for_rows(UserReport.objects.filter(project=web_project))
    assert (report.event_id, report.comments) == (event_id, "broken")


def test_oversized_non_event_items_are_dropped_alone(post, web_project):
    body = (b'{}\n{"type":"client_report"}\n{"pad":"' + b"x" * 5000 + b'"}\n'
            b'{"type":"event"}\n{"message":"kept"}')
    assert post(body).status_code == 200
    wait_for_events(1, project=web_project)
    assert not DiscardCounts.objects.exists()
