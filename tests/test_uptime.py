"""Uptime monitors against a real local HTTP target, with real local receivers for the alerts.

Time moves through the single-step functions (`run_uptime_checks(now)`, `deliver_due(now)`); the
probes themselves are real requests: 500s, a refused connection, timeouts, and recovery. `now`
is pinned (NOW), except where alerts are delivered: the database stamps a delivery's first
attempt with its own clock, so those timelines start at the clock, read once.
"""

import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts import actions as alert_actions
from alerts.delivery import deliver_due
from alerts.models import Delivery
from errortrack.models import Activity, Issue
from health import actions
from health.models import UptimeHour, UptimeMonitor, UptimeResult
from health.uptime import claim_due, parse_expected_status, probe, run_uptime_checks
from health.uptime.history import (
    delete_expired_results,
    keep_result,
    uptime_stats,
    uptime_stats_for,
)
from tests.factories import PAGERDUTY_ROUTING_KEY as ROUTING_KEY
from tests.servers import free_port

NOW = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)  # what these tests call now

class Target:
    """A site whose behaviour the test sets: `ok`, `error` (500), `slow` (answers after the
    probe's timeout), `huge` (an endless body) or stopped (connections refused)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mode = "ok"
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if target.mode == "slow":
                    time.sleep(1.5)
                status = 500 if target.mode == "error" else 200
                self.send_response(status)
                if target.mode == "huge":
                    self.send_header("Content-Length", str(50 * 1024 * 1024))
                    self.end_headers()
                    for _ in range(50 * 16):
                        self.wfile.write(b"x" * 65536)
                    return
                body = b"all systems healthy" if status == 200 else b"boom"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *args: None  # a probe that gave up is expected
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/healthz"


@pytest.fixture
def target(settings):
    settings.ERRORTRACK_OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.ERRORTRACK_UPTIME_MIN_INTERVAL_SECONDS = 1
    site = Target()
    site.start()
    yield site
    site.stop()


def make_monitor(project, url, at: datetime = NOW, **values) -> UptimeMonitor:
    """A monitor made at `at`, so first due then."""
    return actions.create_uptime_monitor(project, {
        "name": "Checkout", "url": url, "interval_seconds": 60, "timeout_seconds": 0.5,
        **values}, at)


def test_expected_status_parses_codes_and_ranges():
    assert parse_expected_status("200-299, 301") == [(200, 299), (301, 301)]
    for bad in ("", "2xx", "299-200", "99", "200-", "1000", "200,,301"):
        with pytest.raises(ValidationError):
            parse_expected_status(bad)


@pytest.mark.django_db
def test_probe_outcomes(target, web_project):
    monitor = make_monitor(web_project, target.url, expected_keyword="healthy")
    assert probe(monitor).ok
    target.mode = "error"
    result = probe(monitor)
    assert (result.ok, result.status_code) == (False, 500)
    assert "expected 200-299" in result.error
    target.mode = "ok"
    monitor.expected_keyword = "not there"
    assert "does not contain" in probe(monitor).error
    monitor.expected_keyword = ""
    target.mode = "slow"
    slow = probe(monitor)
    assert (slow.ok, slow.status_code) == (False, None)
    assert "timed out" in slow.error.lower()
    target.stop()
    assert not probe(monitor).ok


@pytest.mark.django_db
def test_an_endless_body_is_not_downloaded(target, web_project):
    target.mode = "huge"
    monitor = make_monitor(web_project, target.url, expected_keyword="healthy",
                           timeout_seconds=5)
    started = time.monotonic()
    result = probe(monitor)
    assert "does not contain" in result.error  # read up to the cap, then judged
    assert time.monotonic() - started < 5


@pytest.mark.django_db
def test_a_private_address_is_refused_without_the_allowlist(settings, web_project):
    settings.ERRORTRACK_UPTIME_MIN_INTERVAL_SECONDS = 1
    monitor = make_monitor(web_project, "http://169.254.169.254/latest/meta-data/")
    result = probe(monitor)
    assert not result.ok
    assert result.error.startswith("refused:")


@pytest.mark.django_db
def test_a_due_monitor_is_claimed_once(target, web_project):
    monitor = make_monitor(web_project, target.url)  # due at NOW
    assert claim_due(NOW - timedelta(microseconds=1)) == []
    assert [m.pk for m in claim_due(NOW)] == [monitor.pk]
    assert claim_due(NOW) == []  # a second scheduler finds it taken
    assert claim_due(NOW + timedelta(seconds=59)) == []
    assert claim_due(NOW + timedelta(seconds=60, microseconds=-1)) == []
    assert [m.pk for m in claim_due(NOW + timedelta(seconds=60))] == [monitor.pk]


@pytest.mark.django_db
def test_inactive_monitors_are_not_probed(target, web_project):
    make_monitor(web_project, target.url, is_active=False)
    assert run_uptime_checks(NOW + timedelta(minutes=5)) == 0


@pytest.mark.django_db
def test_down_and_back_sends_one_alert_and_one_recovery_notice(
        target, receiver, smtp, alice, web_project, django_capture_on_commit_callbacks):
    organization = web_project.organization
    slack = alert_actions.create_channel(organization, "slack", "ops",
                                         {"url": receiver.url("/slack")})
    pagerduty = alert_actions.create_channel(organization, "pagerduty", "pd",
                                             {"routing_key": ROUTING_KEY})
    alert_actions.create_rule(web_project, "monitors", [{"type": "new_issue"},
                                                        {"type": "regression"}],
                              channels=[slack, pagerduty])
    start = timezone.now()  # the deliveries' first attempt is stamped by the database clock
    monitor = make_monitor(web_project, target.url, start, recovery_threshold=2)

    def step(minute: int) -> UptimeMonitor:
        now = start + timedelta(minutes=minute)
        with django_capture_on_commit_callbacks(execute=True):
            assert run_uptime_checks(now) == 1
        deliver_due(now)
        return UptimeMonitor.objects.get(pk=monitor.pk)

    assert step(1).status == "up"
    target.mode = "error"
    assert step(2).status == "up"  # one failure is not downtime (threshold 3)
    assert step(3).status == "up"
    target.stop()  # connections refused
    down = step(4)
    assert (down.status, down.consecutive_failures) == ("down", 3)
    issue = Issue.objects.get(pk=down.issue_id)
    assert (issue.kind, issue.status, issue.times_seen) == ("uptime", "unresolved", 1)
    assert issue.title == f"Downtime detected for {target.url}"
    target.start()
    target.mode = "slow"  # timeouts: still down, nothing new sent
    assert step(5).status == "down"
    assert step(6).status == "down"
    target.mode = "ok"
    assert step(7).status == "down"  # recovery needs 2 good checks
    up = step(8)
    assert up.status == "up"
    issue.refresh_from_db()
    assert issue.status == "resolved"
    assert issue.activities.filter(kind=Activity.Kind.SET_RESOLVED,
                                   data__reason="monitor_recovered").exists()

    slack_posts = [r.json() for r in receiver.requests if r.path == "/slack"]
    assert [p["text"].split(":")[0] for p in slack_posts] == ["Uptime monitor down",
                                                              "Uptime monitor recovered"]
    incidents = [r.json() for r in receiver.requests if r.path == "/v2/enqueue"]
    assert [i["event_action"] for i in incidents] == ["trigger", "resolve"]
    assert incidents[0]["dedup_key"] == incidents[1]["dedup_key"]
    # The default rule mails the members: once down, once recovered.
    assert [m["Subject"].split(":")[0] for m in smtp.messages] == [
        "[web] Uptime monitor down", "[Recovered] [web] Uptime monitor recovered"]
    assert Delivery.objects.filter(status="sent").count() == 6
    assert UptimeResult.objects.filter(monitor=monitor).count() == 8

    stats = uptime_stats(up, start + timedelta(minutes=8))
    assert stats["24h"]["checks"] == 8
    assert stats["24h"]["failures"] == 5
    assert stats["24h"]["uptime_percent"] == 37.5
    assert stats["24h"]["mean_response_ms"] is not None


@pytest.mark.django_db
def test_a_second_downtime_reopens_the_issue_as_a_regression(
        target, receiver, web_project, django_capture_on_commit_callbacks):
    hook = alert_actions.create_channel(web_project.organization, "webhook", "hook",
                                        {"url": receiver.url("/hook"), "secret": "s" * 32})
    alert_actions.create_rule(web_project, "monitors", [{"type": "new_issue"},
                                                        {"type": "regression"}],
                              channels=[hook])
    start = timezone.now()  # the deliveries' first attempt is stamped by the database clock
    monitor = make_monitor(web_project, target.url, start, failure_threshold=1)
    for minute, mode in enumerate(["error", "ok", "error"], start=1):
        target.mode = mode
        with django_capture_on_commit_callbacks(execute=True):
            run_uptime_checks(start + timedelta(minutes=minute))
        deliver_due(start + timedelta(minutes=minute))
    monitor.refresh_from_db()
    issue = Issue.objects.get(pk=monitor.issue_id)
    assert (issue.status, issue.is_regressed, issue.times_seen) == ("unresolved", True, 2)
    assert [(r.json()["action"], r.json()["reason"]) for r in receiver.requests] == [
        ("trigger", "new_issue"), ("resolve", "resolved"), ("trigger", "regression")]


@pytest.mark.django_db
def test_history_older_than_the_setting_is_deleted(settings, target, web_project):
    settings.ERRORTRACK_UPTIME_HISTORY_DAYS = 30
    monitor = make_monitor(web_project, target.url)
    for days in (1, 29, 31, 45):
        keep_result(monitor.pk, NOW - timedelta(days=days), ok=True)
    assert delete_expired_results(NOW) == 2
    assert UptimeResult.objects.filter(monitor=monitor).count() == 2
    assert UptimeHour.objects.filter(monitor=monitor).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("values, message", [
    ({"url": "ftp://example.com/"}, "http"),
    ({"url": "http://user:pw@example.com/"}, "Credentials"),
    ({"interval_seconds": 0}, "Interval"),
    ({"interval_seconds": "60"}, "whole number"),
    ({"timeout_seconds": 120}, "Timeout"),
    ({"timeout_seconds": 50, "interval_seconds": 30}, "longer than the interval"),
    ({"expected_status": "abc"}, "status"),
    ({"method": "DELETE"}, "Method"),
    ({"failure_threshold": 0}, "Failure threshold"),
    ({"name": "x" * 101}, "at most 100"),
    ({"name": "a\x00b"}, "NUL"),
])
def test_bad_monitor_settings_are_refused(settings, web_project, values, message):
    settings.ERRORTRACK_UPTIME_MIN_INTERVAL_SECONDS = 30
    with pytest.raises(ValidationError, match=message):
        actions.create_uptime_monitor(web_project, {"name": "n", "url": "https://example.com/",
                                                    **values}, NOW)


UPTIME_KEYS = st.sampled_from(["name", "url", "method", "interval_seconds", "timeout_seconds",
                               "expected_status", "expected_keyword", "failure_threshold",
                               "recovery_threshold", "is_active"])
VALUES = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
          | st.sampled_from(["http://[abc", "https://ex ample.com/", "http://h:99999/",
                             "http://h:port/", "200-299", "GET"]))


@given(values=st.dictionaries(UPTIME_KEYS, VALUES, max_size=10))
@settings(max_examples=300, deadline=None)
def test_any_uptime_settings_are_cleaned_or_refused_with_a_reason(values):
    try:
        cleaned = actions.clean_uptime(values)
    except ValidationError:
        return
    if "expected_status" in cleaned:
        parse_expected_status(cleaned["expected_status"])


@pytest.mark.django_db
def test_the_stats_of_many_monitors_take_two_queries(target, web_project,
                                                    django_assert_num_queries):
    monitors = [make_monitor(web_project, target.url, name=f"m{i}") for i in range(5)]
    for index, monitor in enumerate(monitors):
        for hours, ok in ((1, True), (30, False), (24 * 10, True)):
            keep_result(monitor.pk, NOW - timedelta(hours=hours), ok=ok or index % 2 == 0,
                        duration_ms=10.0 * (index + 1))
    with django_assert_num_queries(2):  # the hours' sums, and the results of partial hours
        stats = uptime_stats_for([m.pk for m in monitors], NOW)
    assert stats == {m.pk: uptime_stats(m, NOW) for m in monitors}
    odd = stats[monitors[1].pk]
    assert (odd["24h"]["checks"], odd["7d"]["checks"], odd["30d"]["checks"]) == (1, 2, 3)
    assert (odd["24h"]["uptime_percent"], odd["7d"]["failures"]) == (100.0, 1)
    assert odd["30d"]["mean_response_ms"] == 20.0
