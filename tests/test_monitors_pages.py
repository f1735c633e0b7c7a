"""Monitor pages: the project's list, uptime and cron details (stats, chart, timeline) and
their forms; owner, member and outsider, and hostile form input."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from health import actions as monitor_actions
from health import crons
from health.models import CronMonitor, UptimeMonitor, UptimeResult
from health.uptime.chart import nice_ceiling, response_chart
from tests.factories import make_user
from tests.monitor_factories import check_in, record_check

MONITORS = "/organizations/alpha/projects/web/monitors/"
UPTIME_FORM = {"name": "shop", "url": "https://shop.example/health", "method": "GET",
               "interval_seconds": "60", "timeout_seconds": "10",
               "expected_status": "200-299", "expected_keyword": "", "failure_threshold": "3",
               "recovery_threshold": "1"}
CRON_FORM = {"slug": "nightly", "name": "Nightly export", "schedule_type": "crontab",
             "schedule": "0 3 * * *", "interval_value": "1", "interval_unit": "hour",
             "timezone": "UTC", "checkin_margin": "5", "max_runtime": "30",
             "failure_issue_threshold": "1", "recovery_threshold": "1"}
SCRIPT = "<script>alert(1)</script>"
NOW = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)  # what the tests without pages call now


@pytest.fixture
def site(web_project) -> UptimeMonitor:
    return monitor_actions.create_uptime_monitor(
        web_project, {"name": "shop", "url": "https://shop.example/health"}, timezone.now())


@pytest.fixture
def nightly(web_project) -> CronMonitor:
    return monitor_actions.create_cron_monitor(
        web_project, {"slug": "nightly", "name": "Nightly export", "schedule": "0 3 * * *"},
        timezone.now())


def uptime_url(monitor: UptimeMonitor) -> str:
    return f"{MONITORS}uptime/{monitor.pk}/"


# --- access ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_organization_page_links_to_each_projects_monitors(client, alice):
    client.force_login(alice)
    assert f'href="{MONITORS}"'.encode() in client.get("/organizations/alpha/").content


@pytest.mark.django_db
def test_outsiders_get_404_on_every_monitor_page(client, charlie, site, nightly):
    client.force_login(charlie)
    pages = [MONITORS, f"{MONITORS}new/uptime/", uptime_url(site), f"{MONITORS}new/cron/",
             f"{MONITORS}cron/nightly/"]
    for url in pages:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {**UPTIME_FORM, **CRON_FORM, "do": "delete"}
                           ).status_code == 404, url
    assert UptimeMonitor.objects.count() == 1 and CronMonitor.objects.count() == 1


@pytest.mark.django_db
def test_members_see_monitors_but_not_the_forms(client, bob, site, nightly):
    client.force_login(bob)
    listing = client.get(MONITORS).content.decode()
    assert "shop" in listing and "Nightly export" in listing and "New uptime" not in listing
    for url in (uptime_url(site), f"{MONITORS}cron/nightly/"):
        page = client.get(url)
        assert page.status_code == 200 and b"Save monitor" not in page.content
        assert client.post(url, {"do": "delete"}).status_code == 403
    assert client.get(f"{MONITORS}new/uptime/").status_code == 403
    assert client.post(f"{MONITORS}new/cron/", CRON_FORM).status_code == 403
    assert UptimeMonitor.objects.exists() and CronMonitor.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, site):
    response = client.get(MONITORS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- uptime ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_owner_creates_edits_and_deletes_an_uptime_monitor(client, alice):
    client.force_login(alice)
    assert client.get(f"{MONITORS}new/uptime/").status_code == 200
    created = client.post(f"{MONITORS}new/uptime/", UPTIME_FORM)
    monitor = UptimeMonitor.objects.get()
    assert created.status_code == 302 and created["Location"] == uptime_url(monitor)
    assert monitor.interval_seconds == 60 and monitor.is_active
    edited = client.post(uptime_url(monitor), {**UPTIME_FORM, "do": "edit", "name": "store",
                                               "timeout_seconds": "2.5"})
    assert edited.status_code == 302
    monitor.refresh_from_db()
    assert monitor.name == "store" and monitor.timeout_seconds == 2.5
    assert not monitor.is_active  # the box was not ticked
    assert b"store" in client.get(MONITORS).content
    deleted = client.post(uptime_url(monitor), {"do": "delete"})
    assert deleted.status_code == 302 and deleted["Location"] == MONITORS
    assert not UptimeMonitor.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "message"), [
    ({"url": "javascript:alert(1)"}, "http:// or https://"),
    ({"interval_seconds": "30", "timeout_seconds": "45"}, "timeout must not be longer"),
    ({"interval_seconds": "sixty"}, "whole number"),
    ({"timeout_seconds": "inf"}, "must be a number"),
    ({"interval_seconds": "1e400"}, "whole number"),
    ({"interval_seconds": "9" * 5000}, "whole number"),
    ({"name": "n" * 10_000}, "at most 100"),
    ({"name": "a\x00b"}, "NUL"),  # refused by the NUL middleware already
    ({"url": "http://[::1"}, "The URL must be"),
    ({"url": "https://ex ample.com/"}, "The URL must be"),
    ({"expected_status": "2xx"}, "codes or ranges"),
    ({"method": "TRACE"}, "Method is one of"),
])
def test_a_bad_uptime_form_shows_why_and_saves_nothing(client, alice, site, changes, message):
    client.force_login(alice)
    created = client.post(f"{MONITORS}new/uptime/", {**UPTIME_FORM, **changes})
    assert created.status_code == 400 and message in created.content.decode()
    edited = client.post(uptime_url(site), {**UPTIME_FORM, **changes, "do": "edit"})
    assert edited.status_code == 400 and message in edited.content.decode()
    assert list(UptimeMonitor.objects.values_list("name", flat=True)) == ["shop"]


@pytest.mark.django_db
def test_a_bad_form_keeps_what_was_typed(client, alice):
    client.force_login(alice)
    page = client.post(f"{MONITORS}new/uptime/", {**UPTIME_FORM, "name": "typed",
                                                  "interval_seconds": "x"})
    assert b'value="typed"' in page.content


@pytest.mark.django_db
def test_names_and_errors_are_escaped(client, alice, web_project, site):
    monitor_actions.update_uptime_monitor(site, {"name": SCRIPT,
                                                 "url": f"https://x.example/?q={SCRIPT}"},
                                          timezone.now())
    record_check(site, 5, ok=False, ms=None, error=SCRIPT)
    monitor_actions.create_cron_monitor(web_project, {"slug": "evil", "name": SCRIPT,
                                                      "schedule": "0 * * * *"}, timezone.now())
    client.force_login(alice)
    for url in (MONITORS, uptime_url(site), f"{MONITORS}cron/evil/"):
        page = client.get(url).content.decode()
        assert SCRIPT not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


@pytest.mark.django_db
def test_the_uptime_page_shows_stats_a_chart_and_the_history(client, alice, site):
    record_check(site, 60 * 24 * 3, ok=False, ms=None, error="connection refused")  # 7d only
    record_check(site, 90, ok=True, ms=120.0)
    record_check(site, 60, ok=True, ms=480.0)
    record_check(site, 30, ok=False, ms=None, error="HTTP 503, expected 200-299")
    client.force_login(alice)
    page = client.get(uptime_url(site)).content.decode()
    assert "66.67 %" in page and "50.00 %" in page  # 24h: 2 of 3; 7d: 2 of 4
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert "https://" not in svg and "<script" not in svg
    [points] = re.findall(r'<polyline class="response" points="([^"]+)"', svg)
    assert len(points.split()) == 2  # the successful checks of the last 24 h
    assert svg.count('class="failed"') == 1  # the failure 3 days ago is outside the chart
    assert "HTTP 503, expected 200-299</title>" in svg
    assert "500 ms" in svg  # the axis' top, rounded up from 480
    assert page.count("connection refused") == 1  # in the history table only


@pytest.mark.django_db
def test_a_down_monitor_links_to_its_issue(client, alice, site):
    for minutes in (3, 2, 1):
        record_check(site, minutes, ok=False, ms=None, error="HTTP 500")
    site.refresh_from_db()
    assert site.status == UptimeMonitor.Status.DOWN
    client.force_login(alice)
    page = client.get(uptime_url(site)).content.decode()
    assert f"/organizations/alpha/issues/{site.issue_id}/" in page


@pytest.mark.django_db
def test_an_unchecked_monitor_has_no_chart(client, alice, site):
    client.force_login(alice)
    page = client.get(uptime_url(site)).content.decode()
    assert "<svg" not in page and "No checks in the last 24 hours" in page


def test_the_chart_puts_checks_on_the_time_axis():
    end = NOW
    start = end - timedelta(hours=24)
    results = [UptimeResult(checked_at=start, ok=True, duration_ms=100.0),
               UptimeResult(checked_at=start + timedelta(hours=1), ok=True, duration_ms=100.0),
               UptimeResult(checked_at=end, ok=True, duration_ms=200.0),
               UptimeResult(checked_at=start + timedelta(hours=12), ok=False, error="boom")]
    chart = response_chart(results, start, end)
    hour = round(chart.plot_left + (chart.plot_right - chart.plot_left) / 24, 1)
    assert chart.lines == [f"{chart.plot_left}.0,84.0 {hour},84.0",  # broken at the failure
                           f"{chart.plot_right}.0,{chart.plot_top}.0"]
    [failure] = chart.failures
    assert failure.x == (chart.plot_left + chart.plot_right) / 2
    assert failure.y == chart.plot_bottom and failure.label.endswith("UTC: boom")
    assert [t.label for t in chart.x_ticks] == ["24 h ago", "12 h ago", "now"]
    assert [nice_ceiling(v) for v in (0, 0.3, 7, 120, 480, 1000)] == [1, 0.5, 10, 200, 500,
                                                                        1000]


# --- cron --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_owner_creates_edits_and_deletes_a_cron_monitor(client, alice):
    client.force_login(alice)
    assert client.get(f"{MONITORS}new/cron/").status_code == 200
    created = client.post(f"{MONITORS}new/cron/", CRON_FORM)
    assert created.status_code == 302 and created["Location"] == f"{MONITORS}cron/nightly/"
    monitor = CronMonitor.objects.get()
    assert monitor.checkin_margin_minutes == 5 and monitor.next_expected_at is not None
    edited = client.post(f"{MONITORS}cron/nightly/", {
        **CRON_FORM, "do": "edit", "schedule_type": "interval", "interval_value": "15",
        "interval_unit": "minute", "is_active": "1"})
    assert edited.status_code == 302
    monitor.refresh_from_db()
    assert (monitor.schedule_type, monitor.schedule, monitor.interval_unit) == (
        "interval", "15", "minute")
    assert "every 15 minutes" in client.get(f"{MONITORS}cron/nightly/").content.decode()
    client.post(f"{MONITORS}cron/nightly/", {"do": "delete"})
    assert not CronMonitor.objects.exists()


@pytest.mark.django_db
def test_a_new_cron_monitor_without_a_name_is_named_after_its_slug(client, alice):
    client.force_login(alice)
    client.post(f"{MONITORS}new/cron/", {**CRON_FORM, "name": ""})
    assert CronMonitor.objects.get().name == "nightly"


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "message"), [
    ({"slug": "Bad Slug"}, "A slug is 1 to 50"),
    ({"slug": "taken"}, "has a cron monitor"),
    ({"schedule": "61 * * * *"}, "Invalid crontab"),
    ({"schedule": SCRIPT}, "Invalid crontab"),
    ({"schedule": "x" * 10_000}, "crontab schedule needs"),
    ({"timezone": "Mars/Olympus"}, "Unknown timezone"),
    ({"timezone": "UTC\x00"}, "NUL"),
    ({"schedule_type": "interval", "interval_value": "often"}, "whole number"),
    ({"schedule_type": "interval", "interval_unit": "fortnight"}, "interval unit"),
    ({"schedule_type": "interval", "interval_value": "10000", "interval_unit": "year"},
     "between 1 and 1"),
    ({"max_runtime": "0"}, "between"),
])
def test_a_bad_cron_form_shows_why_and_saves_nothing(client, alice, web_project, changes,
                                                     message):
    monitor_actions.create_cron_monitor(web_project, {"slug": "taken", "schedule": "0 * * * *"},
                                        timezone.now())
    client.force_login(alice)
    created = client.post(f"{MONITORS}new/cron/", {**CRON_FORM, **changes})
    assert created.status_code == 400, created.content[:300]
    assert message in created.content.decode()
    assert SCRIPT not in created.content.decode()
    assert list(CronMonitor.objects.values_list("slug", flat=True)) == ["taken"]


@pytest.mark.django_db
def test_a_bad_cron_edit_shows_why(client, alice, nightly):
    client.force_login(alice)
    page = client.post(f"{MONITORS}cron/nightly/", {**CRON_FORM, "do": "edit",
                                                    "schedule": "every day"})
    assert page.status_code == 400 and "Invalid crontab" in page.content.decode()
    nightly.refresh_from_db()
    assert nightly.schedule == "0 3 * * *"


@pytest.mark.django_db
def test_the_cron_page_shows_the_runs_as_a_timeline_and_a_table(client, alice, nightly):
    check_in(nightly, "ok", minutes_ago=40, duration=12.5, environment="production")
    check_in(nightly, "error", minutes_ago=30, environment=SCRIPT)
    check_in(nightly, "in_progress", minutes_ago=1)
    crons.record_missed(timezone.now() + timedelta(days=2))  # the 03:00 run never came
    client.force_login(alice)
    page = client.get(f"{MONITORS}cron/nightly/").content.decode()
    cells = re.findall(r'class="run (run-[a-z]+)" title=', page)
    assert cells == ["run-ok", "run-error", "run-progress", "run-missed"]  # oldest first
    assert "12.50 s" in page and "production" in page
    assert "0 3 * * * (UTC)" in page
    nightly.refresh_from_db()
    assert f"/organizations/alpha/issues/{nightly.issue_id}/" in page
    assert SCRIPT not in page


@pytest.mark.django_db
def test_a_check_in_slug_that_cannot_be_a_url_is_normalized(client, alice, web_project):
    """Check-ins name monitors freely; like Sentry, errortrack slugifies the name."""
    crons.record_check_in(web_project.pk, {
        "monitor_slug": "jobs/daily", "check_in_id": uuid.uuid4().hex, "status": "ok",
        "monitor_config": {"schedule": {"type": "crontab", "value": "0 0 * * *"}}}, NOW, NOW)
    client.force_login(alice)
    page = client.get(MONITORS)
    assert page.status_code == 200 and b"monitors/cron/jobs-daily/" in page.content


@pytest.mark.django_db
def test_the_admin_lists_monitors_and_their_history(client, site, nightly):
    record_check(site, 5, ok=False, ms=None, error="HTTP 500")
    check_in(nightly, "ok")
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    for model in ("uptimemonitor", "uptimeresult", "cronmonitor", "checkin"):
        url = f"/admin/health/{model}/"
        assert client.get(url).status_code == 200, url
        assert client.get(url, {"q": "shop"}).status_code == 200, url
    assert b"HTTP 500" in client.get("/admin/health/uptimeresult/").content
    assert client.get(f"/admin/health/cronmonitor/{nightly.pk}/change/").status_code == 200
