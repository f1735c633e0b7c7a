"""The monitors API: uptime monitors (stats, check history) and cron monitors (check-ins);
owner, member and outsider, and what hostile bodies get."""

import uuid

import pytest
from django.utils import timezone

from health import actions as monitor_actions
from health.models import CronMonitor, UptimeMonitor
from tests.monitor_factories import check_in, record_check

UPTIME = "/api/0/projects/alpha/web/uptime/"
CRONS = "/api/0/projects/alpha/web/monitors/"


@pytest.fixture
def call(api_call):
    return api_call


@pytest.fixture
def site(web_project) -> UptimeMonitor:
    return monitor_actions.create_uptime_monitor(
        web_project, {"name": "shop", "url": "https://shop.example/health",
                      "interval_seconds": 60}, timezone.now())


@pytest.fixture
def nightly(web_project) -> CronMonitor:
    return monitor_actions.create_cron_monitor(
        web_project, {"slug": "nightly", "name": "Nightly export", "schedule": "0 3 * * *"},
        timezone.now())


# --- uptime ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_owner_creates_reads_changes_and_deletes_an_uptime_monitor(call, alice):
    created = call(alice, "post", UPTIME, {"name": "api", "url": "https://api.example/ping",
                                           "intervalSeconds": 120, "timeoutSeconds": 5,
                                           "expectedStatus": "200-299, 301",
                                           "expectedKeyword": "pong"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["uptimeStatus"] == "pending" and body["status"] == "active"
    assert body["expectedStatus"] == "200-299,301" and body["timeoutSeconds"] == 5.0
    url = f"{UPTIME}{body['id']}/"
    assert [m["name"] for m in call(alice, "get", UPTIME).json()] == ["api"]
    changed = call(alice, "put", url, {"status": "disabled", "failureThreshold": 5})
    assert changed.status_code == 200
    assert changed.json()["isActive"] is False and changed.json()["failureThreshold"] == 5
    assert call(alice, "delete", url).status_code == 204
    assert call(alice, "get", url).status_code == 404


@pytest.mark.django_db
def test_the_detail_has_uptime_stats_and_the_last_results(call, alice, site):
    record_check(site, 60 * 24 * 3, ok=False, ms=None, error="timed out")  # 3 days ago: 7d only
    record_check(site, 20, ok=True, ms=100.0)
    record_check(site, 10, ok=True, ms=300.0)
    record_check(site, 5, ok=False, ms=50.0, error="HTTP 503, expected 200-299")
    body = call(alice, "get", f"{UPTIME}{site.pk}/").json()
    assert body["stats"]["24h"] == {"checks": 3, "failures": 1, "uptimePercent": 66.667,
                                    "meanResponseMs": 200.0}
    assert body["stats"]["7d"]["checks"] == 4 and body["stats"]["30d"]["failures"] == 2
    newest = body["recentResults"][0]
    assert newest["ok"] is False and newest["statusCode"] == 503
    assert newest["error"] == "HTTP 503, expected 200-299" and newest["durationMs"] == 50.0
    assert len(body["recentResults"]) == 4 and body["uptimeStatus"] == "up"


@pytest.mark.django_db
def test_results_are_paged_newest_first(call, alice, site):
    for minutes in (30, 20, 10):
        record_check(site, minutes, ok=True, ms=minutes)
    first = call(alice, "get", f"{UPTIME}{site.pk}/results/?limit=2")
    assert [r["durationMs"] for r in first.json()] == [10.0, 20.0]
    assert 'rel="next"; results="true"' in first["Link"]
    second = call(alice, "get", f"{UPTIME}{site.pk}/results/?limit=2&cursor=0:2:0")
    assert [r["durationMs"] for r in second.json()] == [30.0]


@pytest.mark.django_db
def test_members_read_monitors_but_only_managers_change_them(call, bob, site, nightly):
    assert call(bob, "get", f"{UPTIME}{site.pk}/").status_code == 200
    assert call(bob, "get", f"{CRONS}nightly/checkins/").status_code == 200
    assert call(bob, "post", UPTIME, {"name": "x", "url": "https://x.example/"}
                ).status_code == 403
    assert call(bob, "put", f"{UPTIME}{site.pk}/", {"name": "mine"}).status_code == 403
    assert call(bob, "delete", f"{CRONS}nightly/").status_code == 403
    assert UptimeMonitor.objects.get().name == "shop" and CronMonitor.objects.exists()


@pytest.mark.django_db
def test_a_read_only_token_cannot_write(call, alice, site):
    read_only = ["project:read"]
    assert call(alice, "get", UPTIME, scopes=read_only).status_code == 200
    refused = call(alice, "put", f"{UPTIME}{site.pk}/", {"name": "x"}, scopes=read_only)
    assert refused.status_code == 403 and "project:write" in refused.json()["detail"]


@pytest.mark.django_db
def test_outsiders_get_404_on_every_monitor_route(call, charlie, site, nightly):
    routes = [("get", UPTIME), ("post", UPTIME), ("get", f"{UPTIME}{site.pk}/"),
              ("put", f"{UPTIME}{site.pk}/"), ("delete", f"{UPTIME}{site.pk}/"),
              ("get", f"{UPTIME}{site.pk}/results/"), ("get", CRONS), ("post", CRONS),
              ("get", f"{CRONS}nightly/"), ("put", f"{CRONS}nightly/"),
              ("delete", f"{CRONS}nightly/"), ("get", f"{CRONS}nightly/checkins/")]
    for method, url in routes:
        assert call(charlie, method, url, {"name": "mine"}).status_code == 404, (method, url)
    assert UptimeMonitor.objects.get().name == "shop" and CronMonitor.objects.count() == 1


@pytest.mark.django_db
def test_ids_and_slugs_that_name_nothing_are_404(call, alice, site):
    for url in (f"{UPTIME}x/", f"{UPTIME}{'9' * 40}/", f"{UPTIME}%C2%B2/", f"{CRONS}nope/",
                f"{CRONS}{'a' * 300}/checkins/"):
        assert call(alice, "get", url).status_code == 404, url
    assert call(alice, "get", f"{CRONS}%00/").status_code == 400  # the NUL middleware


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "message"), [
    ({"url": "https://x.example/"}, "name is required"),
    ({"name": "x", "url": "ftp://x.example/"}, "http:// or https://"),
    ({"name": "x", "url": "https://u:p@x.example/"}, "Credentials"),
    ({"name": "x", "url": "https://x.example/", "intervalSeconds": 5}, "between"),
    ({"name": "x", "url": "https://x.example/", "intervalSeconds": 30, "timeoutSeconds": 45},
     "timeout must not be longer"),
    ({"name": "x", "url": "https://x.example/", "expectedStatus": "2xx"}, "codes or ranges"),
    ({"name": "x", "url": "https://x.example/", "method": "DELETE"}, "Method is one of"),
    ({"name": "x", "url": "https://x.example/", "status": "paused"}, "status must be"),
])
def test_invalid_uptime_monitors_are_refused_with_the_reason(call, alice, body, message):
    response = call(alice, "post", UPTIME, body)
    assert response.status_code == 400 and message in response.json()["detail"]
    assert not UptimeMonitor.objects.exists()


HOSTILE_UPTIME_BODIES = [
    {"name": 5, "url": "https://x.example/"},
    {"name": ["x"], "url": {"href": "https://x.example/"}},
    {"name": "x", "url": "https://x.example/", "intervalSeconds": "60"},
    {"name": "x", "url": "https://x.example/", "intervalSeconds": 60.5},
    {"name": "x", "url": "https://x.example/", "isActive": "yes"},
    {"name": "x", "url": "https://x.example/", "failureThreshold": True},
    {"name": "x" * 10_000, "url": "https://x.example/"},
    {"name": "x", "url": "https://x.example/" + "a" * 10_000},
    {"name": "x", "url": "https://x.example/", "expectedKeyword": "k" * 10_000},
    {"name": "x\x00y", "url": "https://x.example/"},
    {"name": "x", "url": "https://x.example/\x00"},
    {"name": "x", "url": "http://[::1"},
    {"name": "x", "url": "https://x.example/", "expectedStatus": "9" * 10_000},
    {"name": "x", "url": "https://x.example/", "failureThreshold": 10 ** 40},
]


@pytest.mark.django_db
@pytest.mark.parametrize("body", HOSTILE_UPTIME_BODIES)
def test_hostile_uptime_bodies_get_a_400(call, alice, site, body):
    for method, url in (("post", UPTIME), ("put", f"{UPTIME}{site.pk}/")):
        response = call(alice, method, url, body)
        assert response.status_code == 400, (method, response.content[:300])
        assert response.json()["detail"]
    assert UptimeMonitor.objects.get().name == "shop"


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ['{"name": "x",', "[1, 2]", '"text"', "null",
                                 '{"name": "x", "url": "https://x.example/", '
                                 '"intervalSeconds": 1e400}',
                                 '{"name": "x", "url": "https://x.example/", '
                                 '"intervalSeconds": NaN}'])
def test_malformed_json_gets_a_400(call, alice, site, raw):
    for method, url in (("post", UPTIME), ("put", f"{UPTIME}{site.pk}/"), ("post", CRONS)):
        response = call(alice, method, url, raw=raw)
        assert response.status_code == 400, (method, raw, response.content[:300])


# --- cron --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_owner_creates_reads_changes_and_deletes_a_cron_monitor(call, alice):
    created = call(alice, "post", CRONS, {
        "slug": "billing", "name": "Billing run", "config": {
            "schedule_type": "crontab", "schedule": "30 2 * * *", "timezone": "Europe/Berlin",
            "checkin_margin": 5, "max_runtime": 60}})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["monitorStatus"] == "waiting" and body["nextCheckIn"] is not None
    assert body["config"] == {"schedule_type": "crontab", "schedule": "30 2 * * *",
                              "timezone": "Europe/Berlin", "checkin_margin": 5,
                              "max_runtime": 60, "failure_issue_threshold": 1,
                              "recovery_threshold": 1}
    assert call(alice, "get", f"{CRONS}billing/").json()["name"] == "Billing run"
    assert call(alice, "delete", f"{CRONS}billing/").status_code == 204
    assert not CronMonitor.objects.exists()


@pytest.mark.django_db
def test_an_interval_schedule_is_written_as_sentry_writes_it(call, alice):
    created = call(alice, "post", CRONS, {"slug": "sync", "config": {
        "schedule_type": "interval", "schedule": [10, "minute"]}})
    assert created.status_code == 201, created.json()
    assert created.json()["config"]["schedule"] == [10, "minute"]
    assert created.json()["scheduleText"] == "every 10 minutes"
    assert created.json()["name"] == "sync"


@pytest.mark.django_db
def test_a_partial_config_keeps_the_other_settings(call, alice, nightly):
    call(alice, "put", f"{CRONS}nightly/", {"config": {"max_runtime": 90,
                                                       "timezone": "Asia/Tokyo"}})
    changed = call(alice, "put", f"{CRONS}nightly/", {"config": {"checkin_margin": 10}})
    assert changed.status_code == 200, changed.json()
    config = changed.json()["config"]
    assert config["checkin_margin"] == 10 and config["max_runtime"] == 90
    assert config["timezone"] == "Asia/Tokyo" and config["schedule"] == "0 3 * * *"
    moved = call(alice, "put", f"{CRONS}nightly/", {"config": {"schedule": "*/5 * * * *"}})
    assert moved.json()["config"]["schedule"] == "*/5 * * * *"
    assert moved.json()["config"]["max_runtime"] == 90


@pytest.mark.django_db
def test_a_cron_monitor_is_paused_and_renamed(call, alice, nightly):
    changed = call(alice, "put", f"{CRONS}nightly/", {"status": "disabled", "name": "Export"})
    assert changed.json()["isActive"] is False and changed.json()["name"] == "Export"


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "message"), [
    ({"slug": "nightly", "config": {"schedule": "0 * * * *"}}, "has a cron monitor"),
    ({"slug": "Bad Slug", "config": {"schedule": "0 * * * *"}}, "slug is 1 to 50"),
    ({"config": {"schedule": "0 * * * *"}}, "slug is required"),
    ({"slug": "x"}, "schedule is required"),
    ({"slug": "x", "config": {"schedule": "61 * * * *"}}, "Invalid crontab"),
    ({"slug": "x", "config": {"schedule": "0 0 30 2 *"}}, "Invalid crontab"),
    ({"slug": "x", "config": {"schedule": "0 * * * *", "timezone": "Mars/Olympus"}},
     "Unknown timezone"),
    ({"slug": "x", "config": {"schedule_type": "interval", "schedule": [5, "fortnight"]}},
     "interval unit"),
    ({"slug": "x", "config": {"schedule": "0 * * * *", "max_runtime": 0}}, "between"),
])
def test_invalid_cron_monitors_are_refused_with_the_reason(call, alice, nightly, body,
                                                            message):
    response = call(alice, "post", CRONS, body)
    assert response.status_code == 400 and message in response.json()["detail"]
    assert list(CronMonitor.objects.values_list("slug", flat=True)) == ["nightly"]


HOSTILE_CRON_BODIES = [
    {"slug": 5, "config": {"schedule": "0 * * * *"}},
    {"slug": "x", "config": "0 * * * *"},
    {"slug": "x", "config": {"schedule": ["0 * * * *"]}},
    {"slug": "x", "config": {"schedule": "0 * * * *", "checkin_margin": "5"}},
    {"slug": "x", "config": {"schedule": "0 * * * *", "timezone": {"name": "UTC"}}},
    {"slug": "x", "config": {"schedule": "0 * * * *", "timezone": "UTC\x00"}},
    {"slug": "x", "config": {"schedule": "0 \x00 * * *"}},
    {"slug": "x", "config": {"schedule": "*" * 10_000}},
    {"slug": "x", "name": "n" * 10_000, "config": {"schedule": "0 * * * *"}},
    {"slug": "x", "config": {"schedule_type": "interval", "schedule": [5, ["minute"]]}},
    {"slug": "x", "config": {"schedule_type": "interval", "schedule": [10_000, "year"]}},
    {"slug": "x", "config": {"schedule_type": "interval", "schedule": [1e300, "day"]}},
    {"slug": "x", "config": {"schedule": "0 * * * *"}, "isActive": "no"},
]


@pytest.mark.django_db
@pytest.mark.parametrize("body", HOSTILE_CRON_BODIES)
def test_hostile_cron_bodies_get_a_400(call, alice, nightly, body):
    for method, url in (("post", CRONS), ("put", f"{CRONS}nightly/")):
        response = call(alice, method, url, body)
        assert response.status_code == 400, (method, response.content[:300])
    assert CronMonitor.objects.get().schedule == "0 3 * * *"


@pytest.mark.django_db
def test_check_ins_are_listed_newest_first_as_sentry_shows_them(call, alice, nightly):
    first = check_in(nightly, "ok", minutes_ago=30, duration=1.5, environment="production",
                     release="shop@1.2")
    check_in(nightly, "error", minutes_ago=20)
    check_in(nightly, "in_progress", minutes_ago=1)
    runs = call(alice, "get", f"{CRONS}nightly/checkins/").json()
    assert [r["status"] for r in runs] == ["in_progress", "error", "ok"]
    oldest = runs[-1]
    assert oldest["checkInId"] == str(uuid.UUID(first.check_in_id))
    assert oldest["duration"] == 1500 and oldest["environment"] == "production"
    assert oldest["release"] == "shop@1.2" and oldest["expectedTime"] is not None
    assert oldest["dateCreated"].endswith("Z")
    paged = call(alice, "get", f"{CRONS}nightly/checkins/?limit=1")
    assert len(paged.json()) == 1 and 'results="true"' in paged["Link"]


@pytest.mark.django_db
def test_a_failing_cron_monitor_names_its_issue(call, alice, nightly):
    check_in(nightly, "error")
    body = call(alice, "get", f"{CRONS}nightly/").json()
    assert body["monitorStatus"] == "error" and body["consecutiveFailures"] == 1
    assert body["issue"] == str(CronMonitor.objects.get().issue_id)
