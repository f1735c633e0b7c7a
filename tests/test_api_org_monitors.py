"""Cron monitors at the organization level, in Sentry's shape (sentry-cli `monitors list`, the
MCP server's monitor tools): owner, member, outsider and hostile input."""

import pytest
from django.utils import timezone

from errortrack import tokens
from health import actions as monitor_actions
from health.models import CronMonitor
from tests.factories import make_project
from tests.monitor_factories import check_in

MONITORS = "/api/0/organizations/alpha/monitors/"


@pytest.fixture
def call(api_call):
    return lambda user, url, scopes=tokens.SCOPES: api_call(user, "get", url, scopes=scopes)


def cron(project, slug: str, **values) -> CronMonitor:
    return monitor_actions.create_cron_monitor(
        project, {"slug": slug, "name": slug.title(), "schedule": "0 3 * * *", **values},
        timezone.now())


@pytest.mark.django_db
def test_the_list_has_what_sentry_cli_decodes_as_strings(call, alice, web_project):
    nightly = cron(web_project, "nightly")
    check_in(nightly, "ok", minutes_ago=30, environment="prod")
    response = call(alice, MONITORS)
    assert response.status_code == 200
    [monitor] = response.json()
    # sentry-cli src/api/data_types/monitor.rs: id, slug, name, status, each a String.
    assert {key: type(monitor[key]) for key in ("id", "slug", "name", "status")} == dict.fromkeys(
        ("id", "slug", "name", "status"), str)
    assert monitor["slug"] == "nightly" and monitor["status"] == "active"
    assert monitor["config"]["schedule_type"] == "crontab"
    assert monitor["config"]["schedule"] == "0 3 * * *"
    assert isinstance(monitor["config"]["checkin_margin"], int)
    assert isinstance(monitor["config"]["max_runtime"], int)
    assert monitor["config"]["timezone"] == "UTC"
    assert monitor["project"]["slug"] == "web" and monitor["project"]["id"] == str(
        web_project.pk)
    [environment] = monitor["environments"]
    assert environment["name"] == "prod" and environment["status"] == "ok"
    assert environment["lastCheckIn"].endswith("Z")
    assert monitor["dateCreated"].endswith("Z")
    assert 'rel="next"; results="false"' in response["Link"]


@pytest.mark.django_db
def test_the_list_pages_with_sentrys_cursor(call, alice, web_project):
    for slug in ("a-job", "b-job", "c-job"):
        cron(web_project, slug)
    first = call(alice, f"{MONITORS}?limit=2")
    assert [m["slug"] for m in first.json()] == ["a-job", "b-job"]
    assert 'rel="next"; results="true"; cursor="0:2:0"' in first["Link"]
    second = call(alice, f"{MONITORS}?limit=2&cursor=0:2:0")
    assert [m["slug"] for m in second.json()] == ["c-job"]


@pytest.mark.django_db
def test_an_interval_schedule_is_sentrys_pair(call, alice, web_project):
    cron(web_project, "every-5", schedule={"type": "interval", "value": 5, "unit": "minute"},
         schedule_type="interval")
    [monitor] = call(alice, MONITORS).json()
    assert monitor["config"]["schedule_type"] == "interval"
    assert monitor["config"]["schedule"] == [5, "minute"]


@pytest.mark.django_db
def test_one_monitor_and_its_check_ins(call, bob, web_project):
    nightly = cron(web_project, "nightly")
    check_in(nightly, "in_progress", minutes_ago=10)
    check_in(nightly, "error", minutes_ago=1, duration=2.5)
    detail = call(bob, f"{MONITORS}nightly/")
    assert detail.status_code == 200 and detail.json()["slug"] == "nightly"
    checkins = call(bob, f"{MONITORS}nightly/checkins/")
    assert checkins.status_code == 200
    newest = checkins.json()[0]
    assert newest["status"] == "error" and newest["duration"] == 2500
    assert isinstance(newest["id"], str) and newest["environment"] == "production"
    assert newest["dateCreated"].endswith("Z")
    assert "expectedTime" in newest and "Link" in checkins


@pytest.mark.django_db
def test_a_slug_in_two_projects_needs_a_project(call, alice, alpha, web_project):
    api = make_project(alpha, "api")
    cron(web_project, "nightly")
    cron(api, "nightly")
    ambiguous = call(alice, f"{MONITORS}nightly/")
    assert ambiguous.status_code == 400 and "several projects" in ambiguous.json()["detail"]
    chosen = call(alice, f"{MONITORS}nightly/?project={api.pk}")
    assert chosen.status_code == 200 and chosen.json()["project"]["slug"] == "api"
    assert len(call(alice, f"{MONITORS}?project={api.pk}").json()) == 1
    assert len(call(alice, f"{MONITORS}?project=-1").json()) == 2


@pytest.mark.django_db
def test_uptime_monitors_are_listed_apart_as_in_sentry(call, alice, web_project):
    monitor_actions.create_uptime_monitor(
        web_project, {"name": "shop", "url": "https://shop.example/health"}, timezone.now())
    assert call(alice, MONITORS).json() == []


@pytest.mark.django_db
def test_outsiders_get_404_and_tokens_need_org_read(call, alice, charlie, web_project):
    cron(web_project, "nightly")
    for url in (MONITORS, f"{MONITORS}nightly/", f"{MONITORS}nightly/checkins/"):
        outsider = call(charlie, url)
        assert outsider.status_code == 404 and "detail" in outsider.json(), url
        refused = call(alice, url, scopes=["project:read"])
        assert refused.status_code == 403 and "org:read" in refused.json()["detail"]
    assert call(charlie, "/api/0/organizations/beta/monitors/").json() == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    f"{MONITORS}?project=web", f"{MONITORS}?project=99999999999999999999",
    f"{MONITORS}?cursor=garbage", f"{MONITORS}?limit=-1", f"{MONITORS}{'x' * 300}/",
    f"{MONITORS}%00/checkins/", f"{MONITORS}no-such/", f"{MONITORS}nightly/checkins/?cursor=1",
])
def test_hostile_input_is_a_4xx_with_a_detail(call, alice, web_project, url):
    cron(web_project, "nightly")
    response = call(alice, url)
    assert 400 <= response.status_code < 500, (url, response.status_code)
    assert "detail" in response.json()
