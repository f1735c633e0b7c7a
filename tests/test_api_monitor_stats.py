"""What the MCP server's get_monitor_details reads besides the monitor: its check-in stats
(`since`/`until` in Unix seconds, `resolution` like `3600s`: Sentry's buckets, exact counts for
pinned times) and its check-ins within the same range and environment; and hostile input."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from errortrack import tokens
from health import actions as monitor_actions
from health import crons
from health.models import CronMonitor
from tests.factories import make_project

STATS = "/api/0/organizations/alpha/monitors/nightly/stats/"
PROJECT_STATS = "/api/0/projects/alpha/web/monitors/nightly/stats/"
HOUR = 3600
# A fixed day, so buckets are exact: 2026-11-30 00:00 UTC.
DAY = datetime(2026, 11, 30, tzinfo=UTC)
SINCE = int(DAY.timestamp())


@pytest.fixture
def call(api_call):
    return lambda user, url, scopes=tokens.SCOPES: api_call(user, "get", url, scopes=scopes)


def cron(project, slug: str = "nightly") -> CronMonitor:
    return monitor_actions.create_cron_monitor(
        project, {"slug": slug, "name": slug.title(), "schedule": "0 3 * * *"}, DAY)


def run(monitor: CronMonitor, status: str, at: datetime, **extra) -> None:
    """A check-in as the inbox consumer records an SDK's, received at `at`."""
    data = {"monitor_slug": monitor.slug, "check_in_id": uuid.uuid4().hex, "status": status,
            **extra}
    crons.record_check_in(monitor.project_id, data, at, at)


def day_window(resolution: str = "3600s") -> str:
    return f"?since={SINCE}&until={SINCE + 24 * HOUR}&resolution={resolution}"


@pytest.mark.django_db
def test_buckets_count_each_status_with_the_mean_duration(call, alice, web_project):
    nightly = cron(web_project)
    run(nightly, "ok", DAY + timedelta(hours=3, minutes=1), duration=2.0)
    run(nightly, "ok", DAY + timedelta(hours=3, minutes=30), duration=4.0)
    run(nightly, "error", DAY + timedelta(hours=5, minutes=10), duration=1.5)
    response = call(alice, STATS + day_window())
    assert response.status_code == 200
    stats = response.json()
    # MonitorStatsSchema: an array of MonitorStatSchema, whose `ts` is a number (index.cjs).
    assert isinstance(stats, list) and all(isinstance(bucket["ts"], int) for bucket in stats)
    assert [bucket["ts"] for bucket in stats] == [SINCE + n * HOUR for n in range(25)]
    assert stats[3] == {"ts": SINCE + 3 * HOUR, "ok": 2, "error": 0, "missed": 0, "timeout": 0,
                        "unknown": 0, "duration": 3000}  # milliseconds, as Sentry's
    assert stats[5]["error"] == 1 and stats[5]["duration"] == 1500
    assert stats[0] == {"ts": SINCE, "ok": 0, "error": 0, "missed": 0, "timeout": 0,
                        "unknown": 0, "duration": 0}


@pytest.mark.django_db
def test_in_progress_runs_and_runs_outside_the_range_are_not_counted(call, alice, web_project):
    nightly = cron(web_project)
    run(nightly, "in_progress", DAY + timedelta(hours=2))
    run(nightly, "ok", DAY - timedelta(minutes=1))
    run(nightly, "ok", DAY + timedelta(hours=25))
    stats = call(alice, STATS + day_window()).json()
    assert sum(b["ok"] + b["error"] + b["missed"] + b["timeout"] for b in stats) == 0


@pytest.mark.django_db
def test_environment_narrows_and_production_finds_unnamed_runs(call, alice, web_project):
    nightly = cron(web_project)
    run(nightly, "ok", DAY + timedelta(hours=1), environment="staging")
    run(nightly, "ok", DAY + timedelta(hours=1, minutes=5))
    staging = call(alice, STATS + day_window() + "&environment=staging").json()
    production = call(alice, STATS + day_window() + "&environment=production").json()
    everything = call(alice, STATS + day_window()).json()
    assert staging[1]["ok"] == 1 and production[1]["ok"] == 1 and everything[1]["ok"] == 2


@pytest.mark.django_db
def test_stats_period_and_iso_start_end_work_too(call, alice, web_project):
    nightly = cron(web_project)
    run(nightly, "ok", timezone.now() - timedelta(minutes=5))
    recent = call(alice, STATS + "?statsPeriod=1h&resolution=10m").json()
    assert len(recent) in (7, 8) and sum(b["ok"] for b in recent) == 1
    start, end = "2026-11-30T00:00:00Z", "2026-12-01T00:00:00"  # naive is UTC
    absolute = call(alice, STATS + f"?start={start}&end={end}&rollup=86400").json()
    assert [b["ts"] for b in absolute] == [SINCE, SINCE + 24 * HOUR]


@pytest.mark.django_db
def test_without_a_resolution_the_bucket_count_stays_small(call, alice, web_project):
    cron(web_project)
    day = call(alice, STATS + f"?since={SINCE}&until={SINCE + 24 * HOUR}").json()
    assert len(day) == 97  # 15 minutes
    years = call(alice, STATS + "?statsPeriod=3000d").json()
    assert len(years) <= 201
    default = call(alice, STATS).json()  # the last 24 hours
    assert 96 <= len(default) <= 97


@pytest.mark.django_db
def test_the_project_route_answers_the_same(call, bob, web_project):
    cron(web_project)  # due at 03:00 with a minute's margin: the job records the miss at 03:05
    assert crons.evaluate_crons(DAY + timedelta(hours=3, minutes=5)) == 1
    response = call(bob, PROJECT_STATS + day_window())
    assert response.status_code == 200 and response.json()[3]["missed"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    "?resolution=1s&statsPeriod=1d",  # 86,401 buckets
    "?resolution=0s", "?resolution=fast", "?rollup=-5", "?since=yesterday", "?until=%00",
    f"?since={SINCE + HOUR}&until={SINCE}", "?statsPeriod=99999999999d", "?start=2026-01-01",
    "?environment=" + "&environment=".join(map(str, range(60))),
])
def test_bad_parameters_are_a_400_with_detail(call, alice, web_project, query):
    cron(web_project)
    for url in (STATS, PROJECT_STATS):
        response = call(alice, url + query)
        assert response.status_code == 400, (url, query, response.content[:200])
        assert isinstance(response.json()["detail"], str)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["nope", "x" * 300, "..", "nightly%20"])
def test_unknown_monitors_are_404(call, alice, web_project, slug):
    cron(web_project)
    assert call(alice, f"/api/0/organizations/alpha/monitors/{slug}/stats/").status_code == 404
    assert call(alice, f"/api/0/projects/alpha/web/monitors/{slug}/stats/").status_code == 404


@pytest.mark.django_db
def test_a_nul_in_the_slug_is_refused_not_a_500(call, alice, web_project):
    cron(web_project)
    for url in ("/api/0/organizations/alpha/monitors/%00/stats/",
                "/api/0/projects/alpha/web/monitors/%00/stats/"):
        assert call(alice, url).status_code in (400, 404)


@pytest.mark.django_db
def test_another_tenants_monitor_is_404(call, charlie, web_project):
    cron(web_project)
    assert call(charlie, STATS).status_code == 404
    assert call(charlie, PROJECT_STATS).status_code == 404
    cron(charlie.memberships.get().organization.projects.get(slug="web"))
    assert call(charlie, STATS).status_code == 404  # the slug is beta's too, not alpha's
    assert call(charlie, "/api/0/organizations/beta/monitors/nightly/stats/").status_code == 200


@pytest.mark.django_db
def test_a_slug_in_two_projects_needs_the_project(call, alice, alpha, web_project):
    cron(web_project)
    api = make_project(alpha, "api")
    cron(api)
    assert call(alice, STATS).status_code == 400
    assert call(alice, STATS + f"?project={api.pk}").status_code == 200


@pytest.mark.django_db
def test_missing_scope_is_403(call, alice, web_project):
    cron(web_project)
    assert call(alice, STATS, scopes=["event:read"]).status_code == 403
    assert call(alice, PROJECT_STATS, scopes=["org:read"]).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_refused(client, web_project):
    cron(web_project)
    assert client.get(STATS).status_code in (401, 403)


# --- the check-ins it lists beside the stats ----------------------------------------------------

CHECKINS = "/api/0/organizations/alpha/monitors/nightly/checkins/"
PROJECT_CHECKINS = "/api/0/projects/alpha/web/monitors/nightly/checkins/"


@pytest.mark.django_db
def test_check_ins_always_carry_a_monitor_config_object(call, alice, web_project):
    nightly = cron(web_project)
    run(nightly, "ok", timezone.now() - timedelta(minutes=3))  # sent without monitor_config
    [check_in] = call(alice, CHECKINS).json()
    # MonitorCheckInSchema: monitorConfig is an optional record, never null (index.cjs).
    assert check_in["monitorConfig"] == {}
    assert isinstance(check_in["environment"], str)


@pytest.mark.django_db
def test_check_ins_keep_to_the_range_and_environment_asked(call, alice, web_project):
    nightly = cron(web_project)
    now = timezone.now()
    run(nightly, "ok", now - timedelta(hours=2), environment="staging")
    run(nightly, "error", now - timedelta(hours=30))
    run(nightly, "ok", now - timedelta(minutes=5))
    for url in (CHECKINS, PROJECT_CHECKINS):
        assert len(call(alice, url).json()) == 3  # nothing asked: every run, as before
        assert [c["status"] for c in call(alice, url + "?statsPeriod=24h").json()] == [
            "ok", "ok"]
        production = call(alice, url + "?statsPeriod=48h&environment=production").json()
        assert [c["status"] for c in production] == ["ok", "error"]
        start = (now - timedelta(hours=31)).strftime("%Y-%m-%dT%H:%M:%S")
        end = (now - timedelta(hours=29)).strftime("%Y-%m-%dT%H:%M:%S")
        absolute = call(alice, url + f"?start={start}&end={end}").json()
        assert [c["status"] for c in absolute] == ["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?statsPeriod=soon", "?start=2026-01-01",
                                   "?start=nope&end=nope", "?end=2026-01-01&start=2026-02-01"])
def test_check_ins_refuse_a_bad_range(call, alice, web_project, query):
    cron(web_project)
    for url in (CHECKINS, PROJECT_CHECKINS):
        response = call(alice, url + query)
        assert response.status_code == 400 and "detail" in response.json()
