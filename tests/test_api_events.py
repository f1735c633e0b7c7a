"""Events and tag breakdowns through the API, in Sentry's shapes."""

import re
from datetime import UTC, datetime

import pytest

from errortrack import actions
from errortrack.models import Issue
from tests.factories import digest_events, error_event

FIRST_EVENT = 1795435200  # 2026-11-23 12:00 UTC
# When the events are received and digested: pinned, so the digest never clamps their times
# to the clock's (it does for events more than 30 days old).
NOW = datetime(2026, 11, 23, 13, tzinfo=UTC)


@pytest.fixture
def api(client, alice):
    token = actions.create_api_token(alice, "api", ["event:read"])[1]

    def get(url: str, **params):
        return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token}")
    return get


@pytest.fixture
def issue(web_project):
    digest_events(web_project, *[error_event(
        timestamp=FIRST_EVENT + n * 60, tags={"customer": "acme" if n % 3 else "globex"},
        breadcrumbs=[{"message": "clicked pay", "category": "ui",
                      "timestamp": FIRST_EVENT - 100}],
        request={"url": "https://shop.test/pay?x=1", "method": "POST",
                 "headers": {"Accept": "*/*"}},
        user={"id": str(n % 2)}, release="shop@1") for n in range(5)], at=NOW)
    return Issue.objects.get()


@pytest.mark.django_db
def test_latest_oldest_and_neighbours(api, issue):
    events = list(issue.events.order_by("timestamp"))
    latest = api(f"/api/0/issues/{issue.pk}/events/latest/").json()
    assert latest["eventID"] == events[-1].event_id and latest["nextEventID"] is None
    assert latest["previousEventID"] == events[-2].event_id
    oldest = api(f"/api/0/organizations/alpha/issues/{issue.pk}/events/oldest/").json()
    assert oldest["id"] == events[0].event_id and oldest["previousEventID"] is None
    middle = api(f"/api/0/issues/{issue.pk}/events/{events[2].event_id}/").json()
    assert (middle["previousEventID"], middle["nextEventID"]) == (events[1].event_id,
                                                                 events[3].event_id)
    assert middle["groupID"] == str(issue.pk) and middle["dateCreated"].endswith("Z")


@pytest.mark.django_db
def test_the_event_has_sentrys_entries(api, issue):
    event = api(f"/api/0/issues/{issue.pk}/events/latest/").json()
    entries = {entry["type"]: entry["data"] for entry in event["entries"]}
    [exception] = entries["exception"]["values"]
    [frame] = exception["stacktrace"]["frames"]
    assert exception["type"] == "KeyError" and frame["inApp"] is True
    assert frame["lineNo"] == 42 and frame["context"] == [[41, "def checkout():"],
                                                          [42, "raise KeyError()"], [43, ""]]
    assert frame["vars"] == {"cart": "{}"}
    assert entries["breadcrumbs"]["values"][0]["message"] == "clicked pay"
    assert entries["request"]["url"] == "https://shop.test/pay"
    assert entries["request"]["query"] == [["x", "1"]]
    assert {"key": "customer", "value": "acme"} in event["tags"]
    assert event["release"] == {"version": "shop@1"} and event["title"] == "KeyError: 'sku'"
    assert event["user"] == {"id": "0"}


@pytest.mark.django_db
def test_the_event_list_pages_newest_first(api, issue):
    response = api(f"/api/0/issues/{issue.pk}/events/", limit=2)
    assert len(response.json()) == 2 and 'rel="next"; results="true"' in response["Link"]
    full = api(f"/api/0/issues/{issue.pk}/events/", full="true").json()
    assert len(full) == 5 and "entries" in full[0]
    assert full[0]["dateCreated"] > full[-1]["dateCreated"]


@pytest.mark.django_db
def test_a_project_event_by_id_dashed_or_not(api, issue):
    event_id = issue.events.first().event_id
    dashed = f"{event_id[:8]}-{event_id[8:12]}-{event_id[12:16]}-{event_id[16:20]}-{event_id[20:]}"
    for ident in (event_id, dashed):
        assert api(f"/api/0/projects/alpha/web/events/{ident}/").json()["id"] == event_id
    assert api("/api/0/projects/alpha/web/events/" + "0" * 32 + "/").status_code == 404


@pytest.mark.django_db
def test_tag_breakdown(api, issue):
    tags = {tag["key"]: tag for tag in api(f"/api/0/issues/{issue.pk}/tags/").json()}
    assert tags["customer"]["totalValues"] == 5
    assert [(v["value"], v["count"]) for v in tags["customer"]["topValues"]] == [
        ("acme", 3), ("globex", 2)]
    values = api(f"/api/0/issues/{issue.pk}/tags/user/values/").json()
    assert sorted((v["value"], v["count"]) for v in values) == [("id:0", 3), ("id:1", 2)]
    assert api(f"/api/0/issues/{issue.pk}/tags/customer/").json()["totalValues"] == 5
    assert api(f"/api/0/issues/{issue.pk}/tags/nope/").status_code == 404


def naive(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.django_db
def test_events_by_short_id_as_mcp_fetches_them(api, issue):
    """MCP get_issue_details fetches `…/issues/{shortId}/events/latest/` (mcp: client.ts)."""
    short = issue.short_id_display
    latest = api(f"/api/0/organizations/alpha/issues/{short}/events/latest/")
    assert latest.status_code == 200
    assert latest.json()["eventID"] == issue.events.order_by("-timestamp").first().event_id
    oldest = api(f"/api/0/organizations/alpha/issues/{short.lower()}/events/oldest/").json()
    assert oldest["eventID"] == issue.events.order_by("timestamp").first().event_id
    recommended = api(f"/api/0/organizations/alpha/issues/{short}/events/recommended/")
    assert recommended.status_code == 200
    listed = api(f"/api/0/organizations/alpha/issues/{short}/events/")
    assert len(listed.json()) == 5


@pytest.mark.django_db
def test_the_latest_event_has_what_gitlab_reads(api, issue):
    """gl: lib/error_tracking/sentry_client/event.rb reads groupID and dateReceived, and the
    exception entry's frames."""
    event = api(f"/api/0/issues/{issue.pk}/events/latest/").json()
    assert event["groupID"] == str(issue.pk)
    assert isinstance(event["dateReceived"], str) and event["dateReceived"].endswith("Z")
    exception = next(e for e in event["entries"] if e["type"] == "exception")
    assert exception["data"]["values"][0]["stacktrace"]["frames"]


@pytest.mark.django_db
def test_an_issues_events_by_range_query_and_sort(api, issue):
    url = f"/api/0/issues/{issue.pk}/events/"
    ranged = api(url, start=naive(FIRST_EVENT + 60), end=naive(FIRST_EVENT + 180)).json()
    assert [e["dateCreated"][11:16] for e in ranged] == ["12:03", "12:02", "12:01"]
    oldest_first = api(url, sort="timestamp", limit=2).json()
    assert [e["dateCreated"][11:16] for e in oldest_first] == ["12:00", "12:01"]
    assert len(api(url, query="release:shop@1 level:error KeyError").json()) == 5
    assert api(url, query="!release:shop@1").json() == []
    assert api(url, query="release:shop@2").json() == []
    assert len(api(url, statsPeriod="").json()) == 5
    # Its events are from 2026-11-23: not in the last hour of the clock.
    assert api(url, statsPeriod="1h", full="true").json() == []
    event_id = issue.events.first().event_id
    assert [e["eventID"] for e in api(url, query=f"id:{event_id}").json()] == [event_id]


@pytest.mark.django_db
def test_events_by_environment(api, web_project):
    digest_events(web_project, error_event(environment="prod"), error_event(environment="dev"),
                  at=NOW)
    issue = Issue.objects.get()
    url = f"/api/0/organizations/alpha/issues/{issue.pk}/events/"
    [prod] = api(url, environment="prod").json()
    assert {"key": "environment", "value": "prod"} in prod["tags"]
    assert len(api(url, environment=["prod", "dev"]).json()) == 2
    assert len(api(url, query="environment:dev").json()) == 1
    assert api(url, environment="nowhere").json() == []


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "named"), [
    ({"statsPeriod": "30x"}, "statsPeriod"), ({"start": "2026-01-01T00:00:00"}, "end"),
    ({"sort": "-title"}, "sort"), ({"query": "customer:acme"}, "customer"),
    ({"query": "is:unresolved"}, "'is'"), ({"limit": "lots"}, "limit"),
    ({"cursor": "1:2"}, "cursor"),
])
def test_bad_event_list_parameters_are_a_400_with_a_detail(api, issue, params, named):
    for url in (f"/api/0/issues/{issue.pk}/events/", "/api/0/projects/alpha/web/events/"):
        response = api(url, **params)
        assert response.status_code == 400 and named in response.json()["detail"], url


@pytest.mark.django_db
def test_a_projects_events_as_sentry_cli_lists_them(api, web_project):
    """sentry-cli `events list` decodes each into ProcessedEvent: eventID a UUID, dateCreated
    and title strings (null fails), user fields Option<String> (a number fails), tags
    [{key, value}] strings, and `project` only as a number (cli: src/api/mod.rs)."""
    digest_events(web_project, *[error_event(
        timestamp=FIRST_EVENT + n, user={"id": n, "email": "u@example.com",
                                         "ip_address": "10.0.0.1", "username": "u"},
        tags={"customer": "acme"}) for n in range(3)], at=NOW)
    response = api("/api/0/projects/alpha/web/events/")
    assert response.status_code == 200 and 'rel="next"; results="false"' in response["Link"]
    events = response.json()
    assert len(events) == 3
    for event in events:
        assert re.fullmatch(r"[0-9a-f]{32}", event["eventID"])
        assert isinstance(event["dateCreated"], str) and isinstance(event["title"], str)
        assert all(isinstance(event["user"][k], str)
                   for k in ("id", "username", "email", "ip_address"))
        assert {"key": "customer", "value": "acme"} in event["tags"]
        assert all(isinstance(t["key"], str) and isinstance(t["value"], str)
                   for t in event["tags"])
        assert "project" not in event
    assert [e["user"]["id"] for e in events] == ["2", "1", "0"]  # newest first


@pytest.mark.django_db
def test_a_projects_events_page_by_the_cursor(api, web_project):
    digest_events(web_project, *[{"message": f"m {n}", "timestamp": FIRST_EVENT + n}
                                 for n in range(5)], at=NOW)
    seen, cursor = [], ""
    while True:
        response = api("/api/0/projects/alpha/web/events/", cursor=cursor, limit=2)
        seen += [e["eventID"] for e in response.json()]
        found = re.search(r'rel="next"; results="(\w+)"; cursor="([^"]+)"', response["Link"])
        if found[1] != "true":
            break
        cursor = found[2]
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.django_db
def test_another_tenants_events_are_404_and_the_list_needs_a_scope(api, issue, charlie,
                                                                   client, alice):
    token = actions.create_api_token(charlie, "c", ["event:read"])[1]
    for url in ("/api/0/projects/alpha/web/events/", f"/api/0/issues/{issue.pk}/events/",
                f"/api/0/organizations/alpha/issues/{issue.short_id_display}/events/latest/",
                "/api/0/projects/alpha/nope/events/"):
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 404 and response.json()["detail"], url
    # charlie's own project is `web` too: its list is his, not alpha's.
    theirs = client.get("/api/0/projects/beta/web/events/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert theirs.status_code == 200 and theirs.json() == []
    org_only = actions.create_api_token(alice, "o", ["org:read"])[1]
    response = client.get("/api/0/projects/alpha/web/events/",
                          HTTP_AUTHORIZATION=f"Bearer {org_only}")
    assert response.status_code == 403 and "event:read" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("issue_id", ["WEB-99999999999999999999999", "WEB-0", "%C2%B2",
                                      "0", "x" * 300])
def test_odd_issue_ids_in_event_paths_are_404(api, issue, issue_id):
    for tail in ("events/", "events/latest/", "tags/customer/"):
        response = api(f"/api/0/organizations/alpha/issues/{issue_id}/{tail}")
        assert response.status_code == 404, (issue_id, tail)


@pytest.mark.django_db
def test_one_tags_values_as_mcp_reads_them(api, issue):
    """mcp: schema.ts IssueTagValuesSchema: key and name strings, totalValues a number,
    topValues[{value, count}]."""
    body = api(f"/api/0/organizations/alpha/issues/{issue.short_id_display}/tags/customer/"
               ).json()
    assert (body["key"], body["name"], body["totalValues"], body["uniqueValues"]) == (
        "customer", "customer", 5, 2)
    assert [(v["value"], v["count"]) for v in body["topValues"]] == [("acme", 3), ("globex", 2)]
