"""Cron monitoring end to end: the real sentry-sdk `monitor` decorator against the real server,
alerts reaching a real local webhook receiver, and the HTTP check-in endpoint with good and
hostile requests.

Missed runs are found by the single-step `evaluate_crons(now)`, called here with the time the
test needs; everything else (check-ins, the digest of failures, rules, deliveries) runs where it
runs in production: the server's background child (embedded) or its Celery worker (scale-out).
"""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from sentry_sdk.crons import monitor

from alerts import actions as alert_actions
from errortrack.compat.dsn import build_dsn
from errortrack.models import Issue
from health import actions
from health.crons import evaluate_crons
from health.models import CheckIn, CronMonitor
from tests.sdk import send_with_sdk
from tests.servers import stop_server
from tests.waiting import eventually

DAILY = {"schedule": {"type": "interval", "value": 1, "unit": "day"}, "checkin_margin": 5,
         "max_runtime": 30}


def hooks(receiver) -> list[tuple[str, str]]:
    return [(r.json()["action"], r.json()["title"]) for r in receiver.requests
            if r.path == "/hook"]


def test_monitored_jobs_alert_and_recover(start_own_server, receiver, alice, web_project):
    hook = alert_actions.create_channel(web_project.organization, "webhook", "on-call",
                                        {"url": receiver.url("/hook"), "secret": "s" * 32})
    alert_actions.create_rule(web_project, "crons", [{"type": "new_issue"},
                                                     {"type": "regression"}], channels=[hook])
    never = actions.create_cron_monitor(web_project, {
        "slug": "weekly-export", "schedule": "*/10 * * * *", "checkin_margin": 2},
        timezone.now())
    env = {"ERRORTRACK_OUTBOUND_ALLOWLIST": "127.0.0.1",
           "ERRORTRACK_DELIVERY_INTERVAL_SECONDS": "1"}
    server = start_own_server(**env)
    key = web_project.keys.get().public_key
    dsn = build_dsn(server.url, key, web_project.pk)

    @monitor(monitor_slug="nightly-backup", monitor_config=DAILY)
    def backup() -> None:
        pass

    @monitor(monitor_slug="nightly-report", monitor_config=DAILY)
    def failing_report() -> None:
        raise RuntimeError("disk full")

    def run_jobs() -> None:
        backup()
        with pytest.raises(RuntimeError):
            failing_report()

    send_with_sdk(dsn, run_jobs)
    eventually(lambda: CheckIn.objects.filter(status__in=["ok", "error"]).count() == 2,
               "both runs finished")
    assert dict(CheckIn.objects.values_list("monitor_slug", "status")) == {
        "nightly-backup": "ok", "nightly-report": "error"}
    eventually(lambda: hooks(receiver), "the failing job's alert")

    # The job that never checks in: missed once its first run is due plus the margin.
    never.refresh_from_db()
    assert evaluate_crons(never.next_expected_at + timedelta(minutes=2)) == 1
    eventually(lambda: len(hooks(receiver)) == 2, "the missed job's alert")

    # The report succeeds again (SDK), the export checks in over HTTP: both recover.
    @monitor(monitor_slug="nightly-report", monitor_config=DAILY)
    def fixed_report() -> None:
        pass

    send_with_sdk(dsn, fixed_report)
    response = requests.get(
        f"{server.url}/api/{web_project.pk}/cron/weekly-export/{key}/?status=ok", timeout=10)
    assert (response.status_code, response.content) == (202, b"")
    eventually(lambda: len(hooks(receiver)) == 4, "two recovery notices")
    stop_server(server)  # its schedulers decide nothing more while the rest is checked

    assert sorted(hooks(receiver)) == [
        ("resolve", "Cron failure: nightly-report"), ("resolve", "Cron failure: weekly-export"),
        ("trigger", "Cron failure: nightly-report"), ("trigger", "Cron failure: weekly-export")]
    assert hooks(receiver)[0] == ("trigger", "Cron failure: nightly-report")
    monitors = {m.slug: m for m in CronMonitor.objects.all()}
    assert {slug: m.status for slug, m in monitors.items()} == {
        "nightly-backup": "ok", "nightly-report": "ok", "weekly-export": "ok"}
    assert monitors["nightly-backup"].issue_id is None
    assert monitors["nightly-report"].schedule_type == "interval"
    assert set(Issue.objects.values_list("kind", "status")) == {("cron", "resolved")}


# --- the HTTP check-in endpoint ----------------------------------------------------------------

@pytest.fixture
def cron_url(errortrack_server, transactional_db, web_project):
    key = web_project.keys.get().public_key

    def url(slug: str = "db-backup", query: str = "status=ok", project_id: int | None = None,
            public_key: str = key) -> str:
        return (f"{errortrack_server.url}/api/{project_id or web_project.pk}/cron/{slug}/"
                f"{public_key}/?{query}")
    return url


def test_an_http_check_in_with_a_config_creates_its_monitor(cron_url, web_project):
    body = {"status": "in_progress", "environment": "production",
            "monitor_config": {"schedule": {"type": "crontab", "value": "0 4 * * *"},
                               "timezone": "Europe/Berlin"}}
    run_id = "8c2ea9b9-2f52-4f3c-9c35-1b7f4c1c6e90"
    response = requests.post(cron_url(query=f"check_in_id={run_id}"), json=body, timeout=10)
    assert response.status_code == 202
    eventually(lambda: CheckIn.objects.filter(status="in_progress").exists(), "the run")
    response = requests.get(cron_url(query=f"status=ok&check_in_id={run_id}&duration=12.5"),
                            timeout=10)
    assert response.status_code == 202
    eventually(lambda: CheckIn.objects.filter(status="ok").exists(), "the run's end")
    run = CheckIn.objects.get()
    assert (run.environment, run.duration, run.check_in_id) == (
        "production", 12.5, run_id.replace("-", ""))
    monitor = CronMonitor.objects.get(project=web_project, slug="db-backup")
    assert (monitor.schedule, monitor.timezone) == ("0 4 * * *", "Europe/Berlin")


@pytest.mark.parametrize("query, body, status, detail", [
    ("", None, 400, "status must be one of"),
    ("status=done", None, 400, "status must be one of"),
    ("status=ok&check_in_id=not-a-uuid", None, 400, "check_in_id"),
    ("status=ok&duration=NaN", None, 400, "duration"),
    ("status=ok&duration=-1", None, 400, "duration"),
    ("status=ok&environment=" + "e" * 65, None, 400, "environment"),
    ("", b"{not json", 400, "check-in body"),
    ("", b"[1, 2]", 400, "JSON object"),
    ("", b'{"status": "ok", "x": "' + b"a" * 200_000 + b'"}', 413, "larger than"),
])
def test_bad_http_check_ins_get_a_clear_4xx(cron_url, query, body, status, detail):
    method = requests.post if body is not None else requests.get
    response = method(cron_url(query=query), data=body, timeout=10)
    assert response.status_code == status
    assert detail in response.json()["detail"]


def test_http_check_ins_need_the_projects_key(cron_url, web_project, other_project):
    assert requests.get(cron_url(public_key="f" * 32), timeout=10).status_code == 401
    wrong_project = requests.get(cron_url(project_id=other_project.pk), timeout=10)
    assert wrong_project.status_code == 403
    assert requests.delete(cron_url(), timeout=10).status_code == 405
    assert not CheckIn.objects.exists()


@pytest.fixture
def other_project(charlie):
    return charlie.memberships.get().organization.projects.get()
