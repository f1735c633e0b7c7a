"""The issues API: lists with Sentry's search syntax and Link pagination, one issue, bulk
changes and merges; owner, member and outsider."""

import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from errortrack import actions
from errortrack.api import serializers
from errortrack.models import Activity, Event, Issue, IssueTagValue
from tests.factories import (
    PINNED_NOW,
    digest_events,
    digest_on_the_chart_edges,
    error_event,
    make_user,
)

NOW = PINNED_NOW


def slot_of(moment: datetime, seconds: int) -> int:
    """The stats slot (Unix seconds) that `moment` counts in."""
    return int(moment.timestamp()) // seconds * seconds


@pytest.fixture
def token(alice):
    return actions.create_api_token(alice, "api", ["org:read", "project:read", "event:admin",
                                                    "project:write"])[1]


@pytest.fixture
def api(client, token):
    def call(method: str, url: str, data=None, token_value: str | None = token, **params):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token_value}"} if token_value else {}
        if method == "get":
            return client.get(url, params, **headers)
        query = "&".join(f"{k}={v}" for k, vs in params.items()
                         for v in (vs if isinstance(vs, list) else [vs]))
        return getattr(client, method)(url + (f"?{query}" if query else ""), data,
                                       content_type="application/json", **headers)
    return call


PROJECT_ISSUES = "/api/0/projects/alpha/web/issues/"


@pytest.mark.django_db
def test_the_list_shows_sentrys_issue_json(api, issues):
    response = api("get", PROJECT_ISSUES)
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 3
    key_error = next(i for i in body if i["title"] == "KeyError: 'sku'")
    assert key_error["count"] == "2" and key_error["userCount"] == 0
    assert key_error["id"] == str(issues["KeyError"].pk)
    assert key_error["shortId"] == f"WEB-{issues['KeyError'].short_id}"
    assert key_error["permalink"].endswith(f"/organizations/alpha/issues/{key_error['id']}/")
    assert key_error["project"] == {"id": str(issues["KeyError"].project_id), "name": "web",
                                    "slug": "web", "platform": "python"}
    assert key_error["status"] == "unresolved" and key_error["substatus"] == "new"
    assert key_error["metadata"]["type"] == "KeyError"
    assert key_error["assignedTo"] is None and key_error["hasSeen"] is False
    # Both events count in their hour's slot, wherever in the 24 that is by now (exact slots
    # at a pinned `now`: test_the_stats_count_each_slot_up_to_now).
    hourly = dict(key_error["stats"]["24h"])
    assert len(key_error["stats"]["24h"]) == len(hourly) == 24
    assert hourly[slot_of(issues["KeyError"].last_seen, 3600)] == 2
    assert sum(hourly.values()) == 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", key_error["lastSeen"])


@pytest.mark.django_db
@pytest.mark.parametrize("query, titles", [
    ("level:warning", ["TypeError"]),
    ("customer:acme", ["KeyError"]),
    ("environment:staging", ["TypeError"]),
    ("!level:error", ["TypeError", "disk almost full"]),
    ("disk", ["disk almost full"]),
    ('"almost full" level:info', ["disk almost full"]),
    ("is:unresolved is:unassigned", ["KeyError", "TypeError", "disk almost full"]),
    ("is:resolved", []),
])
def test_search_syntax(api, issues, query, titles):
    response = api("get", PROJECT_ISSUES, query=query)
    assert response.status_code == 200, response.json()
    assert sorted(i["title"].split(":")[0] for i in response.json()) == titles


@pytest.mark.django_db
def test_default_query_is_unresolved_and_an_empty_query_is_everything(api, issues):
    actions.set_issue_status(issues["TypeError"], "resolved")
    assert len(api("get", PROJECT_ISSUES).json()) == 2
    assert len(api("get", PROJECT_ISSUES, query="").json()) == 3


@pytest.mark.django_db
def test_sort_environment_and_stats_period(api, issues):
    # On the organization list the series is groupStatsPeriod (statsPeriod is the range:
    # tests/test_api_issue_ranges.py); on the project list it is statsPeriod.
    by_freq = api("get", "/api/0/organizations/alpha/issues/", sort="freq", query="",
                  groupStatsPeriod="14d").json()
    assert by_freq[0]["title"] == "KeyError: 'sku'" and len(by_freq[0]["stats"]["14d"]) == 14
    daily = dict(by_freq[0]["stats"]["14d"])
    assert daily[slot_of(issues["KeyError"].last_seen, 86400)] == 2 and sum(daily.values()) == 2
    prod = api("get", "/api/0/organizations/alpha/issues/", environment="prod").json()
    assert [i["title"] for i in prod] == ["KeyError: 'sku'"]
    no_stats = api("get", PROJECT_ISSUES, statsPeriod="").json()
    assert "stats" not in no_stats[0]


@pytest.mark.django_db
def test_the_stats_count_each_slot_up_to_now(alice, web_project):
    digest_on_the_chart_edges(web_project)
    issue = Issue.objects.select_related("project__organization").get()
    hour, day = slot_of(NOW, 3600), slot_of(NOW, 86400)
    [hourly] = serializers.issues([issue], alice, NOW, "24h")
    assert hourly["stats"]["24h"] == [[hour - 3600 * n, {23: 1, 1: 1, 0: 2}.get(n, 0)]
                                      for n in range(23, -1, -1)]
    [daily] = serializers.issues([issue], alice, NOW, "14d")
    assert daily["stats"]["14d"] == [[day - 86400 * n, {13: 1, 1: 2, 0: 3}.get(n, 0)]
                                     for n in range(13, -1, -1)]
    assert hourly["substatus"] == "ongoing"  # first seen 13 days before NOW


@pytest.mark.django_db
def test_an_issue_is_new_for_seven_days_after_it_was_first_seen(alice, web_project):
    digest_events(web_project, error_event(timestamp=NOW.timestamp()), at=NOW)
    issue = Issue.objects.select_related("project__organization").get()
    week = NOW + timedelta(days=7)
    [last_moment] = serializers.issues([issue], alice, week - timedelta(microseconds=1), None)
    assert last_moment["substatus"] == "new" and "stats" not in last_moment
    assert serializers.issues([issue], alice, week, None)[0]["substatus"] == "ongoing"


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"query": "is:bogus"}, {"query": "level:loud"},
                                    {"sort": "chaos"}, {"statsPeriod": "3y"},
                                    {"cursor": "nope"}, {"limit": "-5"}, {"project": "x"},
                                    {"cursor": "0:99999999:0"}])
def test_bad_parameters_are_a_400_with_a_detail(api, issues, params):
    response = api("get", "/api/0/organizations/alpha/issues/", **params)
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.django_db
def test_pagination_walks_250_issues_by_the_link_header(api, web_project):
    digest_events(web_project, *[{"message": f"distinct {n} message", "fingerprint": [str(n)]}
                                 for n in range(250)])
    seen, url, pages = [], PROJECT_ISSUES + "?limit=100", 0
    while url:
        response = api("get", url)
        seen += [issue["id"] for issue in response.json()]
        pages += 1
        links = dict((rel, (link, results)) for link, rel, results in re.findall(
            r'<([^>]+)>; rel="(\w+)"; results="(\w+)"', response["Link"]))
        next_link, more = links["next"]
        assert links["previous"][1] == ("true" if pages > 1 else "false")
        url = next_link.split("testserver", 1)[1] if more == "true" else None
    assert pages == 3 and len(seen) == len(set(seen)) == 250


@pytest.mark.django_db
def test_resolve_ignore_and_unresolve_one_issue(api, issues, alice):
    issue = issues["KeyError"]
    url = f"/api/0/organizations/alpha/issues/{issue.pk}/"
    assert api("put", url, {"status": "resolved"}).json()["status"] == "resolved"
    assert api("get", url).json()["status"] == "resolved"
    body = api("put", url, {"status": "resolvedInNextRelease"}).json()
    assert (body["id"], body["status"]) == (str(issue.pk), "resolved")
    assert body["statusDetails"] == {"inNextRelease": True}
    assert api("get", url).json()["statusDetails"] == {"inNextRelease": True}
    api("put", url, {"status": "ignored", "statusDetails": {"ignoreDuration": 30}})
    issue.refresh_from_db()
    assert issue.status == "ignored" and issue.ignore_until is not None
    assert api("put", url, {"status": "unresolved"}).json()["status"] == "unresolved"
    kinds = list(Activity.objects.filter(issue=issue).values_list("kind", flat=True))
    assert kinds.count("set_resolved") == 2 and "set_ignored" in kinds
    assert Activity.objects.filter(issue=issue).first().user == alice


@pytest.mark.django_db
def test_assignment_bookmarks_and_seen(api, issues, alpha, alice, bob):
    issue, team = issues["KeyError"], actions.create_team(alpha, "backend")
    url = f"/api/0/issues/{issue.pk}/"  # the legacy path
    for value, expected in [(f"user:{bob.pk}", {"type": "user", "id": str(bob.pk)}),
                            ("alice", {"type": "user", "id": str(alice.pk)}),
                            ("bob@example.com", {"type": "user", "id": str(bob.pk)}),
                            (f"team:{team.pk}", {"type": "team", "id": str(team.pk)})]:
        assert api("put", url, {"assignedTo": value}).status_code == 200
        assigned = api("get", url).json()["assignedTo"]
        assert {k: assigned[k] for k in ("type", "id")} == expected
    assert api("get", PROJECT_ISSUES, query=f"assigned:#{team.slug}").json()[0]["id"] == str(
        issue.pk)
    api("put", url, {"assignedTo": None})
    assert api("get", url).json()["assignedTo"] is None
    outsider = make_user("mallory")
    assert api("put", url, {"assignedTo": outsider.username}).status_code == 400
    api("put", url, {"isBookmarked": True, "hasSeen": True})
    body = api("get", url).json()
    assert body["isBookmarked"] is True and body["hasSeen"] is True
    assert [i["id"] for i in api("get", PROJECT_ISSUES, query="is:bookmarked").json()] == [
        str(issue.pk)]


@pytest.mark.django_db
def test_short_ids_resolve_under_the_organization(api, issues):
    issue = issues["TypeError"]
    body = api("get", f"/api/0/organizations/alpha/issues/WEB-{issue.short_id}/").json()
    assert body["id"] == str(issue.pk)


@pytest.mark.django_db
def test_bulk_changes_by_id_or_by_query(api, issues):
    ids = [issues["KeyError"].pk, issues["TypeError"].pk]
    response = api("put", PROJECT_ISSUES, {"status": "resolved"}, id=ids)
    assert response.status_code == 200 and response.json()["status"] == "resolved"
    assert set(Issue.objects.filter(status="resolved").values_list("pk", flat=True)) == set(ids)
    response = api("put", "/api/0/organizations/alpha/issues/", {"status": "ignored"},
                   query="level:info")
    assert Issue.objects.get(title="disk almost full").status == "ignored"
    assert api("put", PROJECT_ISSUES, {"status": "resolved"},
               query="nothing-matches-this").status_code == 204


@pytest.mark.django_db
def test_merge_moves_events_and_new_events_follow(api, issues, web_project):
    key_error, type_error = issues["KeyError"], issues["TypeError"]
    response = api("put", PROJECT_ISSUES, {"merge": 1}, id=[key_error.pk, type_error.pk])
    assert response.json()["merge"] == {"parent": str(key_error.pk),
                                        "children": [str(type_error.pk)]}
    key_error.refresh_from_db()
    assert key_error.times_seen == 3 and key_error.events.count() == 3
    assert IssueTagValue.objects.get(issue=key_error, key="level", value="warning")
    assert str(type_error.pk) not in [i["id"] for i in api("get", PROJECT_ISSUES).json()]
    assert api("get", f"/api/0/issues/{type_error.pk}/").json()["id"] == str(key_error.pk)
    digest_events(web_project, error_event("TypeError", level="warning"))
    key_error.refresh_from_db()
    assert key_error.times_seen == 4 and Issue.objects.filter(merged_into=None).count() == 2


@pytest.mark.django_db
def test_deleting_needs_a_manager(api, issues, alpha, bob):
    issue = issues["KeyError"]
    bob_token = actions.create_api_token(bob, "b", ["event:admin"])[1]
    url = f"/api/0/organizations/alpha/issues/{issue.pk}/"
    assert api("delete", url, token_value=bob_token).status_code == 403
    assert api("delete", url).status_code == 202
    assert api("get", url).status_code == 404
    assert not Event.objects.filter(issue_id=issue.pk).exists()
    assert api("delete", PROJECT_ISSUES, query="").status_code == 204
    assert Issue.objects.count() == 0


@pytest.mark.django_db
def test_scopes_and_authentication(api, issues, alice):
    read_only = actions.create_api_token(alice, "ro", ["org:read"])[1]
    assert api("get", PROJECT_ISSUES, token_value=read_only).status_code == 403
    reader = actions.create_api_token(alice, "reader", ["event:read"])[1]
    assert api("get", PROJECT_ISSUES, token_value=reader).status_code == 200
    url = f"/api/0/issues/{issues['KeyError'].pk}/"
    assert api("put", url, {"status": "resolved"}, token_value=reader).status_code == 403
    anonymous = api("get", PROJECT_ISSUES, token_value=None)
    assert anonymous.status_code == 401 and anonymous.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["not json", '{"status": "exploded"}', '{"assignedTo": 5}',
                                  '{"status": "ignored", "snoozeDuration": -3}', "[1, 2]",
                                  '{"statusDetails": "x"}'])
def test_hostile_update_bodies_are_a_400(client, token, issues, body):
    response = client.put(f"/api/0/issues/{issues['KeyError'].pk}/", body,
                          content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400 and response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("issue_id", ["0", "99999999999999999999999", "abc", "WEB-0",
                                      "-1", "%E2%80%AE"])
def test_unknown_issue_ids_are_404(api, issues, issue_id):
    assert api("get", f"/api/0/organizations/alpha/issues/{issue_id}/").status_code == 404


@pytest.mark.django_db
def test_a_nul_in_an_issue_id_is_a_400(api, issues):
    response = api("get", "/api/0/organizations/alpha/issues/%00/")
    assert response.status_code == 400 and "NUL" in response.json()["detail"]


@pytest.mark.django_db
def test_monitor_issues_show_their_category_and_can_be_searched(api, issues, web_project):
    from health.crons import record_check_in

    record_check_in(web_project.pk, {
        "check_in_id": "a" * 32, "monitor_slug": "nightly", "status": "error",
        "monitor_config": {"schedule": {"type": "crontab", "value": "0 3 * * *"}}}, NOW, NOW)
    [cron] = api("get", PROJECT_ISSUES, query="issue.category:cron").json()
    assert (cron["title"], cron["issueCategory"], cron["issueType"]) == (
        "Cron failure: nightly", "cron", "monitor_check_in_failure")
    errors = api("get", PROJECT_ISSUES, query="issue.category:error").json()
    assert len(errors) == 3 and {i["issueType"] for i in errors} == {"error"}
    latest = api("get", f"/api/0/issues/{cron['id']}/events/latest/")
    assert latest.status_code == 200
    assert latest.json()["contexts"]["monitor"]["slug"] == "nightly"
    bad = api("get", PROJECT_ISSUES, query="issue.category:perf")
    assert bad.status_code == 400 and "Unknown issue category" in bad.json()["detail"]


ISSUE_KEYS = {"id", "shortId", "title", "firstSeen", "lastSeen", "count", "userCount",
              "permalink", "project", "status", "culprit"}


@pytest.mark.django_db
def test_a_put_of_one_issue_answers_the_whole_updated_issue_as_mcp_needs(api, issues, bob):
    """MCP update_issue parses the answer with IssueSchema and fails on anything else (mcp:
    api-client/client.ts updateIssue, schema.ts IssueSchema: permalink must be a URL)."""
    issue = issues["KeyError"]
    url = f"/api/0/organizations/alpha/issues/{issue.short_id_display}/"
    body = {"status": "ignored", "assignedTo": f"user:{bob.pk}",
            "substatus": "archived_until_escalating", "ignoreDuration": 60, "ignoreCount": 10,
            "ignoreWindow": 30, "ignoreUserCount": 3, "ignoreUserWindow": 60}
    response = api("put", url, body)
    assert response.status_code == 200, response.json()
    updated = response.json()
    assert set(updated) >= ISSUE_KEYS and updated["id"] == str(issue.pk)
    assert updated["status"] == "ignored" and updated["assignedTo"]["id"] == str(bob.pk)
    assert updated["permalink"].startswith(("http://", "https://"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", updated["lastSeen"])
    issue.refresh_from_db()
    assert issue.ignore_until is not None  # the duration is kept; the thresholds are not
    minutes = (issue.ignore_until - timezone.now()).total_seconds() / 60
    assert 58 < minutes <= 60


@pytest.mark.django_db
def test_gitlab_updates_through_the_legacy_path_and_reads_the_issue_back(api, issues):
    issue = issues["TypeError"]
    response = api("put", f"/api/0/issues/{issue.pk}/", {"status": "resolved"})
    assert response.status_code == 200
    assert response.json()["status"] == "resolved" and response.json()["id"] == str(issue.pk)


@pytest.mark.django_db
def test_a_bulk_put_keeps_answering_sentrys_echo(api, issues):
    response = api("put", PROJECT_ISSUES, {"status": "resolved"}, id=[issues["KeyError"].pk])
    assert response.json() == {"status": "resolved", "statusDetails": {}}


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"ignoreCount": "lots"}, {"ignoreDuration": -1},
                                  {"status": "ignored", "ignoreDuration": 10 ** 30},
                                  {"ignoreUserWindow": [1]}, {"substatus": {"a": 1}},
                                  {"status": None}])
def test_hostile_mcp_fields_are_a_400(api, issues, body):
    response = api("put", f"/api/0/organizations/alpha/issues/{issues['KeyError'].pk}/", body)
    assert response.status_code == 400 and response.json()


@pytest.mark.django_db
def test_another_tenant_cannot_update_or_read_an_issue(api, issues, charlie):
    token = actions.create_api_token(charlie, "c", ["event:admin"])[1]
    issue = issues["KeyError"]
    for url in (f"/api/0/issues/{issue.pk}/", f"/api/0/organizations/alpha/issues/{issue.pk}/",
                f"/api/0/organizations/beta/issues/{issue.pk}/"):
        assert api("put", url, {"status": "resolved"}, token_value=token).status_code == 404
        assert api("get", url, token_value=token).status_code == 404
    issue.refresh_from_db()
    assert issue.status == "unresolved"


@pytest.mark.django_db
def test_the_issue_detail_has_what_gitlab_reads(api, web_project):
    """gl: lib/error_tracking/sentry_client/issue.rb `map_to_detailed_error` reads level,
    logger, firstRelease/lastRelease {version, shortVersion, lastCommit}, annotations (HTML
    strings), pluginIssues, stats["24h"] and a numeric id."""
    digest_events(web_project, error_event(release="shop@1.2.0", logger="shop.checkout",
                                           timestamp=NOW.timestamp() - 60),
                  error_event(release="0f" * 20, logger="shop.checkout",
                              timestamp=NOW.timestamp()), at=NOW)
    issue = Issue.objects.get()
    body = api("get", f"/api/0/issues/{issue.pk}/").json()
    assert body["id"].isdecimal() and body["level"] == "error"
    assert body["logger"] == "shop.checkout"
    first, last = body["firstRelease"], body["lastRelease"]
    assert (first["version"], first["shortVersion"], first["lastCommit"]) == (
        "shop@1.2.0", "1.2.0", None)
    assert (last["version"], last["shortVersion"]) == ("0f" * 20, ("0f" * 20)[:12])
    assert first["dateCreated"].endswith("Z")
    assert body["annotations"] == [] and body["pluginIssues"] == []
    assert len(body["stats"]["24h"]) == 24 and body["count"] == "2"
    assert isinstance(body["userCount"], int) and isinstance(body["numComments"], int)
    assert body["assignedTo"] is None and body["userReportCount"] == 0
    assert body["permalink"] == (f"{settings.BASE_URL}/organizations/alpha/issues/"
                                 f"{issue.pk}/")


@pytest.mark.django_db
def test_an_issue_without_releases_has_null_ones(api, issues):
    body = api("get", f"/api/0/issues/{issues['KeyError'].pk}/").json()
    assert body["firstRelease"] is None and body["lastRelease"] is None
    assert body["logger"] is None
