"""The organization issues list as the MCP server and Grafana call it: `statsPeriod` or
`start`/`end` is the time range, `groupStatsPeriod` the stats series, `limit` up to 10000, and a
query that is a short id or an event id answers that issue (PROTOCOL.md 12.2, 12.4)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from errortrack import actions
from errortrack.models import Issue
from tests.factories import PINNED_NOW, digest_events, error_event

ORG_ISSUES = "/api/0/organizations/alpha/issues/"


@pytest.fixture
def api(client, alice):
    token = actions.create_api_token(alice, "api", ["event:read"])[1]

    def get(url: str = ORG_ISSUES, token_value: str = token, **params):
        return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token_value}")
    return get


def seen_at(project, kind: str, *moments) -> Issue:
    """An issue of `kind` with one event at each moment, each digested when it happened."""
    for moment in moments:
        digest_events(project, error_event(kind, timestamp=moment.timestamp()), at=moment)
    return Issue.objects.get(title__startswith=kind)


@pytest.fixture
def by_age(web_project) -> dict:
    """Issues last seen an hour, 10 days, 40 days and 120 days before the clock's now."""
    now = timezone.now()
    return {days: seen_at(web_project, f"Age{days}Error", now - timedelta(days=days, hours=1))
            for days in (0, 10, 40, 120)}


def titles(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return sorted(issue["title"].split(":")[0] for issue in response.json())


@pytest.mark.django_db
def test_stats_period_is_the_time_range_in_any_unit(api, by_age):
    assert titles(api(statsPeriod="30d")) == ["Age0Error", "Age10Error"]  # what MCP sends
    assert titles(api(statsPeriod="7d")) == ["Age0Error"]
    assert titles(api(statsPeriod="2h")) == ["Age0Error"]
    assert titles(api(statsPeriod="30m")) == []
    assert titles(api(statsPeriod="20w")) == ["Age0Error", "Age10Error", "Age120Error",
                                              "Age40Error"]
    assert len(api(statsPeriod="").json()) == 4  # empty: all time


@pytest.mark.django_db
def test_without_a_range_the_list_covers_sentrys_90_days(api, by_age):
    assert titles(api()) == ["Age0Error", "Age10Error", "Age40Error"]


@pytest.mark.django_db
def test_naive_start_and_end_as_grafana_sends_them(api, web_project):
    """In range: last seen at or after start and first seen at or before end (inclusive)."""
    start, end = PINNED_NOW - timedelta(days=2), PINNED_NOW - timedelta(days=1)
    seen_at(web_project, "BeforeError", start - timedelta(seconds=1))
    seen_at(web_project, "EndsOnStartError", start - timedelta(hours=5), start)
    seen_at(web_project, "StartsOnEndError", end, end + timedelta(hours=5))
    seen_at(web_project, "SpansError", start - timedelta(hours=1), end + timedelta(hours=1))
    seen_at(web_project, "AfterError", end + timedelta(seconds=1))
    naive = "%Y-%m-%dT%H:%M:%S"
    response = api(start=start.strftime(naive), end=end.strftime(naive), limit="10000",
                   query="", sort="date", project=str(web_project.pk), environment="")
    assert titles(response) == ["EndsOnStartError", "SpansError", "StartsOnEndError"]
    zoned = api(start=start.isoformat(), end=end.isoformat().replace("+00:00", "Z"))
    assert titles(zoned) == titles(response)


@pytest.mark.django_db
def test_grafanas_parser_gets_its_types(api, by_age, alice):
    """Go's encoding/json fails the whole panel on one mismatch (graf: pkg/sentry/issues.go):
    count a string, userCount and numComments integers, ids strings, assignedTo an object or
    null, the booleans booleans."""
    actions.assign_issue(by_age[0], alice)
    body = api(statsPeriod="30d", limit="10000").json()
    assigned = next(i for i in body if i["id"] == str(by_age[0].pk))
    assert assigned["assignedTo"]["type"] == "user" and assigned["assignedTo"]["id"] == str(
        alice.pk)
    for issue in body:
        assert isinstance(issue["count"], str) and isinstance(issue["userCount"], int)
        assert isinstance(issue["numComments"], int) and isinstance(issue["id"], str)
        assert isinstance(issue["project"]["id"], str) and issue["lastSeen"].endswith("Z")
        for flag in ("hasSeen", "isPublic", "isBookmarked", "isSubscribed", "isUnhandled"):
            assert isinstance(issue[flag], bool)
        assert issue["permalink"].startswith("http")


@pytest.mark.django_db
def test_group_stats_period_picks_the_series(api, by_age):
    assert len(api(statsPeriod="30d").json()[0]["stats"]["24h"]) == 24  # the default
    assert len(api(groupStatsPeriod="14d").json()[0]["stats"]["14d"]) == 14
    assert len(api(groupStatsPeriod="auto").json()[0]["stats"]["24h"]) == 24
    assert "stats" not in api(groupStatsPeriod="").json()[0]


@pytest.mark.django_db
def test_the_project_list_keeps_stats_period_as_the_series(api, by_age):
    """Backstage reads stats["14d"] (bs: src/api/production-api.ts); no range applies."""
    url = "/api/0/projects/alpha/web/issues/"
    body = api(url, statsPeriod="14d").json()
    assert len(body) == 4 and all(len(issue["stats"]["14d"]) == 14 for issue in body)
    assert "stats" not in api(url, statsPeriod="").json()[0]
    bad = api(url, statsPeriod="30d")
    assert bad.status_code == 400 and "statsPeriod" in bad.json()["detail"]


@pytest.mark.django_db
def test_a_limit_beyond_a_page_is_capped_silently(api, web_project):
    digest_events(web_project, *[{"message": f"message {n}", "fingerprint": [str(n)]}
                                 for n in range(105)])
    response = api(limit="10000")  # Grafana's largest
    assert response.status_code == 200 and len(response.json()) == 100
    assert 'rel="next"; results="true"' in response["Link"]


@pytest.mark.django_db
def test_mcp_search_issues_extras_are_accepted(api, by_age, web_project):
    """mcp: api-client/client.ts listIssues sends limit, sort, statsPeriod, query, project and
    collapse=unhandled; its sorts include recommended."""
    for sort in ("date", "freq", "new", "user", "recommended", "trends", "priority"):
        response = api(limit="10", sort=sort, statsPeriod="14d", query="is:unresolved",
                       project=str(web_project.pk), collapse="unhandled", referrer="mcp")
        assert titles(response) == ["Age0Error", "Age10Error"], sort


@pytest.mark.django_db
def test_a_short_id_with_short_id_lookup_is_a_direct_hit(api, by_age):
    issue = by_age[120]  # out of the default range, and resolved: a direct hit ignores both
    actions.set_issue_status(issue, "resolved")
    response = api(query=issue.short_id_display, shortIdLookup="1")
    assert response.status_code == 200 and response["X-Sentry-Direct-Hit"] == "1"
    assert [i["id"] for i in response.json()] == [str(issue.pk)]
    lower = api(query=issue.short_id_display.lower(), shortIdLookup="1").json()
    assert [i["id"] for i in lower] == [str(issue.pk)]
    assert api(query=issue.short_id_display).json() == []  # without the flag: a search
    project_list = api("/api/0/projects/alpha/web/issues/", query=issue.short_id_display,
                       shortIdLookup="1").json()
    assert [i["id"] for i in project_list] == [str(issue.pk)]


@pytest.mark.django_db
def test_an_event_id_query_finds_its_issue(api, by_age):
    """MCP get_issue_details with only an event id lists issues with query=<eventId>."""
    issue = by_age[40]
    event_id = issue.events.get().event_id
    dashed = f"{event_id[:8]}-{event_id[8:12]}-{event_id[12:16]}-{event_id[16:20]}-{event_id[20:]}"
    for query in (event_id, dashed.upper(), f"  {event_id} "):
        response = api(query=query, statsPeriod="1h")
        assert response["X-Sentry-Direct-Hit"] == "1"
        [hit] = response.json()
        assert hit["id"] == str(issue.pk) and hit["matchingEventId"] == event_id
    assert api(query="0" * 32).json() == []


@pytest.mark.django_db
def test_another_tenants_ids_name_nothing_here(api, by_age, charlie, client):
    """charlie's org has a project `web` too: its short ids and event ids are not alpha's."""
    from errortrack.models import Project

    beta_web = Project.objects.get(organization__slug="beta")
    theirs = seen_at(beta_web, "TheirError", timezone.now())
    their_event = theirs.events.get().event_id
    assert api(query=their_event).json() == []
    hit = api(query=theirs.short_id_display, shortIdLookup="1").json()
    assert all(i["id"] != str(theirs.pk) for i in hit)
    charlie_token = actions.create_api_token(charlie, "c", ["event:read"])[1]
    assert api(token_value=charlie_token).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "named"), [
    ({"statsPeriod": "30x"}, "statsPeriod"), ({"statsPeriod": "-1d"}, "statsPeriod"),
    ({"statsPeriod": "99999999999d"}, "statsPeriod"), ({"start": "2026-12-01T00:00:00"}, "end"),
    ({"start": "yesterday", "end": "today"}, "start"),
    ({"start": "2026-12-02T00:00:00", "end": "2026-12-01T00:00:00"}, "before"),
    ({"groupStatsPeriod": "7d"}, "groupStatsPeriod"), ({"limit": "-1"}, "limit"),
    ({"limit": "ten"}, "limit"), ({"sort": "chaos"}, "sort"), ({"project": "web"}, "project"),
])
def test_bad_ranges_and_series_are_a_400_with_a_detail(api, by_age, params, named):
    response = api(**params)
    assert response.status_code == 400 and named in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["WEB-99999999999999999999999", "WEB-0", "-1", "WEB-",
                                   "x" * 5000, "\u202e", "g" * 32])
def test_odd_short_ids_and_event_ids_find_nothing(api, by_age, query):
    response = api(query=query, shortIdLookup="1")
    assert response.status_code == 200 and response.json() == []


@pytest.mark.django_db
def test_the_list_needs_event_read(api, by_age, alice):
    token = actions.create_api_token(alice, "org only", ["org:read"])[1]
    response = api(token_value=token, statsPeriod="30d")
    assert response.status_code == 403 and "event:read" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "status"), [
    ({"limit": "9" * 5000}, 200),  # beyond what int() reads: the cap, like any large limit
    ({"cursor": "0:" + "9" * 5000 + ":0"}, 400),
])
def test_enormous_numbers_are_capped_or_refused_never_a_500(api, by_age, params, status):
    response = api(**params)
    assert response.status_code == status
    if status == 400:
        assert response.json()["detail"]
