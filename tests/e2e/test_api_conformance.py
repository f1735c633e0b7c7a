"""The web API as each ecosystem client calls it, replayed against a live server.

For each client the requests are the ones its source makes (cited per test; the reading is
summed up in ../shared/PROTOCOL.md section 12), and each answer is checked against what that
client's parser requires: the keys, the types (a Go struct or a zod schema fails on a number
where it wants a string), the status codes. Clients that run here (sentry-cli, the MCP server)
are also driven for real in test_api_sentry_cli.py and test_mcp_server.py; Grafana, GitLab,
Backstage and Terraform cannot run here, so this is how they are tested.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests

from errortrack import actions, tokens
from errortrack.models import Issue, Project, Team
from tests.factories import digest_events, error_event
from tests.shapes import DATETIME, ID, URL, assert_shape, nullable, one_of, optional

# GitLab's pagination_parser.rb: each link exactly like this; only results="true" ones count.
GITLAB_LINK = re.compile(r'<([^>]+)>; rel="(\w+)"; results="(true|false)"; cursor="([^"]+)"')


@pytest.fixture
def world(errortrack_server, transactional_db, alice, alpha, web_project, charlie) -> dict:
    """alice's token and two issues in alpha/web (one with a stack trace, a tag, a user and a
    release); charlie's organization beta must never show."""
    team = actions.create_team(alpha, "backend", "Backend")
    actions.add_team_project(team, web_project)
    digest_events(web_project,
                  error_event("KeyError", release="web@1.2.0", environment="production",
                              user={"id": "42", "email": "buyer@example.com"},
                              tags={"customer": "acme"}),
                  {"message": "Pool exhausted", "level": "warning"})
    session = requests.Session()
    session.headers["Authorization"] = (
        f"Bearer {actions.create_api_token(alice, 'conformance', tokens.SCOPES)[1]}")
    base = f"{errortrack_server.url}/api/0"

    def call(method: str, path: str, expect: int = 200, **kwargs: object) -> requests.Response:
        response = session.request(method, base + path, timeout=30, **kwargs)
        assert response.status_code == expect, (method, path, response.status_code,
                                                response.text[:500])
        return response
    return {"call": call, "team": team, "project": web_project,
            "issue": Issue.objects.get(title__startswith="KeyError")}


def get(world: dict, path: str, **params: object) -> object:
    return world["call"]("GET", path, params=params).json()


# --- sentry-cli 3.x ------------------------------------------------------------------------------

CLI_ORGANIZATION = {"id": ID, "slug": str, "name": str, "dateCreated": DATETIME,
                    "isEarlyAdopter": bool, "require2FA": bool, "requireEmailVerification": bool,
                    "features": [str]}  # cli: src/api/data_types/organization.rs, all required
CLI_ISSUE = {"id": ID, "shortId": str, "title": str, "lastSeen": DATETIME, "status": str,
             "level": str}  # cli: src/api/mod.rs `Issue`


def test_sentry_cli(world):
    root = get(world, "/")  # cli: `info`
    assert_shape(root, {"auth": {"scopes": [str]}, "user": {"email": str, "id": ID}}, "GET /")
    orgs = get(world, "/organizations/", cursor="")  # `organizations list`
    assert_shape(orgs, [CLI_ORGANIZATION], "organizations")
    assert [org["slug"] for org in orgs] == ["alpha"]
    assert_shape(get(world, "/organizations/alpha/projects/", cursor=""),  # `projects list`
                 [{"id": ID, "slug": str, "name": str,
                   optional("team"): nullable({"id": ID, "slug": str, "name": str})}], "projects")
    assert_shape(get(world, "/projects/alpha/web/issues/", query="", statsPeriod="24h"),
                 [CLI_ISSUE], "issues list")
    events = get(world, "/projects/alpha/web/events/", cursor="")  # `events list`
    assert_shape(events, [{"eventID": str, "dateCreated": DATETIME, "title": str,
                           optional("user"): nullable({optional("id"): nullable(str),
                                                       optional("email"): nullable(str)}),
                           optional("tags"): nullable([{"key": str, "value": str}])}],
                 "events list")
    assert len(events) == 2
    assert_shape(get(world, "/organizations/alpha/monitors/", cursor=""),  # `monitors list`
                 [{"id": str, "slug": str, "name": str, "status": str}], "monitors list")
    assert_shape(get(world, "/organizations/alpha/repos/", cursor=""),  # `repos list`
                 [{"id": str, "name": str, "status": str, "dateCreated": DATETIME,
                   "provider": {"id": str, "name": str}}], "repos list")


# --- the official MCP server (zod schemas: packages/mcp-core/src/api-client/schema.ts) -----------

MCP_ISSUE = {"id": ID, "shortId": nullable(str), "title": str, "firstSeen": nullable(DATETIME),
             "lastSeen": nullable(DATETIME), "count": one_of(str, int),
             "userCount": one_of(str, int), "permalink": URL,
             "project": {"id": ID, "slug": str, "name": str}, "status": str,
             "culprit": nullable(str),
             "assignedTo": one_of(type(None), str, {"type": str, "id": ID, "name": str})}
MCP_FRAME = {"lineNo": nullable(int), "colNo": nullable(int), "absPath": nullable(str),
             "inApp": bool, "context": [[one_of(int, str)]]}
MCP_EVENT = {"id": str, "title": str, "message": nullable(str), "type": str,
             "dateCreated": DATETIME, "culprit": nullable(str),
             "entries": [{"type": str, "data": one_of(dict, list)}]}
VALID_QUERY = {"valid": True, "projects": [], "dataset": [], "environment": [], "field": [],
               "query": {"valid": True, "error": None, "fields": []}, "orderby": []}


def test_mcp_server(world):
    issue, project = world["issue"], world["project"]
    assert_shape(get(world, "/auth/"), {"id": ID, "name": nullable(str), "email": str},
                 "whoami")
    for path in ("/organizations/", "/organizations/alpha/teams/",
                 "/organizations/alpha/projects/"):
        found = get(world, path, per_page=25, query="")
        assert_shape(found, [{"id": ID, "slug": str, "name": str}], path)
        assert found, path
    [org] = get(world, "/organizations/", per_page=25, query="alp")
    assert_shape(org, {optional("links"): {"organizationUrl": URL, "regionUrl": str}}, "links")
    assert get(world, "/organizations/", per_page=25, query="zzz") == []
    listed = get(world, "/organizations/alpha/issues/", limit=10, sort="date",
                 statsPeriod="30d", query="is:unresolved KeyError", project=str(project.pk),
                 collapse="unhandled")
    assert_shape(listed, [MCP_ISSUE], "search_issues")
    assert [item["id"] for item in listed] == [str(issue.pk)]
    detail = get(world, f"/organizations/alpha/issues/{issue.short_id_display}/")
    assert_shape(detail, MCP_ISSUE, "get_issue_details")
    latest = get(world, f"/organizations/alpha/issues/{issue.short_id_display}/events/latest/")
    assert_shape(latest, MCP_EVENT, "the latest event")
    [exception] = [entry for entry in latest["entries"] if entry["type"] == "exception"]
    assert_shape(exception["data"]["values"][0]["stacktrace"]["frames"], [MCP_FRAME], "frames")
    updated = world["call"]("PUT", f"/organizations/alpha/issues/{issue.pk}/",
                            json={"status": "resolved"}).json()
    assert_shape(updated, MCP_ISSUE, "update_issue's answer is the issue")
    assert updated["status"] == "resolved"
    assert get(world, "/organizations/alpha/events/validate/", dataset="errors",
               field=["title", "timestamp"], query="level:error", sort="-timestamp",
               statsPeriod="14d") == VALID_QUERY
    table = get(world, "/organizations/alpha/events/", dataset="errors",
                field=["issue", "title", "project", "timestamp", "level", "message",
                       "error.type", "culprit", "user.email", "user.id"],
                query="level:error", sort="-timestamp", per_page=10, statsPeriod="14d")
    assert_shape(table, {"data": [dict], "meta": {"fields": dict}}, "search_events")
    assert [row["issue"] for row in table["data"]] == [issue.short_id_display]
    assert_shape(get(world, "/projects/alpha/web/keys/"),
                 [{"id": str, "name": str, "dsn": {"public": str}, "isActive": bool,
                   "dateCreated": nullable(DATETIME)}], "ClientKey")


# --- Terraform (jianyuan/terraform-provider-sentry internal/apiclient/api.yaml) -------------------

TF_PROJECT = {"id": ID, "slug": str, "name": str, "platform": nullable(str),
              "dateCreated": DATETIME, "organization": {"id": ID, "name": str, "slug": str},
              "teams": [{"id": ID, "slug": str, "name": str}], "features": [str],
              "options": dict, "color": str, "isPublic": bool, "digestsMinDelay": int,
              "digestsMaxDelay": int, "resolveAge": int, "fingerprintingRules": str,
              "groupingEnhancements": str, "allowedDomains": [str], "scrapeJavaScript": bool,
              "subjectTemplate": str, "securityToken": str,
              "securityTokenHeader": nullable(str), "verifySSL": bool}
TF_KEY = {"id": str, "name": str, "label": str, "public": str, "secret": str, "projectId": int,
          "isActive": bool, "rateLimit": nullable({"window": int, "count": int}),
          "dsn": {"public": str, "secret": str, "csp": str, "security": str, "minidump": str,
                  "cdn": str},
          "browserSdkVersion": str, "dateCreated": DATETIME,
          "dynamicSdkLoaderOptions": {"hasReplay": bool, "hasPerformance": bool,
                                      "hasDebug": bool}}
TF_RULE = {"id": ID, "name": str, "projects": [str], "actionMatch": str, "filterMatch": str,
           "frequency": int, "environment": nullable(str), "owner": nullable(str),
           "conditions": [{"id": str}], "filters": [{"id": str}], "actions": [{"id": str}]}
TF_RULE_BODY = {  # the provider's README example, as it sends it
    "name": "New errors", "actionMatch": "any", "filterMatch": "all", "frequency": 30,
    "environment": None, "owner": None, "projects": ["web"],
    "conditions": [{"id": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"}],
    "filters": [{"id": "sentry.rules.filters.level.LevelFilter", "match": "gte",
                 "level": "40"}],
    "actions": [{"id": "sentry.mail.actions.NotifyEmailAction", "targetType": "IssueOwners",
                 "fallthroughType": "ActiveMembers"}]}


def test_terraform_provider(world, errortrack_server):
    call = world["call"]
    health = requests.get(f"{errortrack_server.url}/api/0/internal/health/", timeout=10,
                          headers={"Authorization": "Bearer sntryu_" + "0" * 64})
    assert health.status_code == 401  # a bad token; the provider says so
    call("GET", "/internal/health/")
    team = call("POST", "/organizations/alpha/teams/", 201,
                json={"name": "Platform", "slug": "platform"}).json()
    assert_shape(team, {"id": ID, "slug": str, "name": str}, "team")
    assert call("GET", "/teams/alpha/platform/").json()["slug"] == "platform"
    created = call("POST", "/teams/alpha/platform/projects/", 201,
                   json={"name": "Billing", "slug": "billing", "platform": "python",
                         "default_rules": False}).json()
    assert_shape(created, TF_PROJECT, "created project")
    updated = call("PUT", "/projects/alpha/billing/",
                   json={"platform": "python-django", "resolveAge": 0,
                         "allowedDomains": ["*"], "scrapeJavaScript": True,
                         "digestsMinDelay": 300, "digestsMaxDelay": 1800}).json()
    assert_shape(updated, TF_PROJECT, "updated project")
    assert updated["platform"] == "python-django"
    call("POST", "/projects/alpha/billing/teams/backend/", 201)
    call("DELETE", "/projects/alpha/billing/teams/backend/", 200)
    key = call("POST", "/projects/alpha/billing/keys/", 201,
               json={"name": "terraform", "rateLimit": {"window": 60, "count": 100}}).json()
    assert_shape(key, TF_KEY, "key")
    project_id = Project.objects.get(slug="billing").pk
    [default] = [k for k in call("GET", "/projects/alpha/billing/keys/").json()
                 if k["name"] == "Default"]
    call("DELETE", f"/projects/alpha/{project_id}/keys/{default['id']}/", 204)  # default_key
    rule = call("POST", "/projects/alpha/billing/rules/", 201,
                json={**TF_RULE_BODY, "projects": ["billing"]}).json()
    assert_shape(rule, TF_RULE, "rule")
    # What Terraform configured comes back as sent (Sentry adds each entry's `name` label).
    read_back = call("GET", f"/projects/alpha/billing/rules/{rule['id']}/").json()
    for part in ("conditions", "filters", "actions"):
        assert [{key: entry.get(key) for key in sent} for entry, sent in zip(
            read_back[part], TF_RULE_BODY[part], strict=True)] == TF_RULE_BODY[part], part
    call("DELETE", f"/projects/alpha/billing/rules/{rule['id']}/", 202)
    org = call("GET", "/organizations/alpha/").json()
    assert_shape(org, {"orgRoleList": [{"id": str}], "teamRoleList": [{"id": str}]}, "roles")
    assert {"member", "admin", "manager", "owner"} <= {role["id"] for role in org["orgRoleList"]}
    members = call("GET", "/organizations/alpha/members/").json()
    assert_shape(members, [{"id": ID, "email": str, "orgRole": str, "teamRoles": list,
                            "pending": bool}], "members")
    invited = call("POST", "/organizations/alpha/members/", 201,
                   json={"email": "new@example.com", "orgRole": "member",
                         "teamRoles": [{"teamSlug": "platform", "role": None}]}).json()
    assert invited["pending"] is True
    call("DELETE", f"/organizations/alpha/members/{invited['id']}/", 204)
    call("DELETE", "/projects/alpha/billing/", 204)
    call("DELETE", "/teams/alpha/platform/", 204)
    assert not Team.objects.filter(slug="platform").exists()


# --- Grafana's Sentry datasource (grafana/sentry-datasource pkg/sentry/*.go) ---------------------

GRAFANA_ISSUE = {"id": ID, "shortId": str, "status": str, "substatus": nullable(str),
                 "level": str, "type": str, "platform": nullable(str), "culprit": nullable(str),
                 "permalink": URL, "firstSeen": nullable(DATETIME),
                 "lastSeen": nullable(DATETIME), "count": str, "userCount": int,
                 "numComments": int, "hasSeen": bool, "isPublic": bool, "isBookmarked": bool,
                 "isSubscribed": bool, "isUnhandled": bool,
                 "project": {"id": ID, "name": str, "slug": str, "platform": nullable(str)},
                 "metadata": {optional("value"): nullable(str), optional("type"): nullable(str),
                              optional("filename"): nullable(str),
                              optional("function"): nullable(str)},
                 "assignedTo": nullable(dict)}


def test_grafana_datasource(world):
    project = world["project"]
    orgs = get(world, "/organizations/")
    assert_shape(orgs, [{"id": ID, "dateCreated": DATETIME, "status": {"id": str, "name": str},
                         "avatar": {"avatarType": str}}], "organizations")
    projects = get(world, "/organizations/alpha/projects/")  # also the health check
    assert_shape(projects, [{"id": ID, "dateCreated": DATETIME, "teams": [dict],
                             "environments": [str], optional("team"): nullable(dict)}],
                 "projects")
    now = datetime.now(UTC)
    naive = {"start": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"),
             "end": (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")}
    issues = get(world, "/organizations/alpha/issues/", query="level:error", sort="date",
                 limit=10000, project=str(project.pk), environment="production", **naive)
    assert_shape(issues, [GRAFANA_ISSUE], "issues")
    assert [issue["shortId"] for issue in issues] == [world["issue"].short_id_display]
    assert get(world, "/organizations/alpha/issues/", query="", environment="staging",
               **naive) == []
    events = get(world, "/organizations/alpha/events/", query="", sort="-timestamp",
                 per_page=100, field=["id", "title", "timestamp", "level"],
                 project=str(project.pk), **naive)  # no dataset: the errors dataset
    assert_shape(events, {"data": [{"id": str, "title": str, "timestamp": DATETIME,
                                    "level": str}]}, "events")
    assert len(events["data"]) == 2
    stats = get(world, "/organizations/alpha/events-stats/", query="", interval="1h",
                yAxis="count()", partial="1", excludeOther="1", project=str(project.pk),
                start=(now - timedelta(days=1)).isoformat(), end=now.isoformat())
    # Each point is a pair, [unix seconds, [{"count": n}]]; a list shape is homogeneous, so the
    # pair's two halves are checked one by one.
    assert_shape(stats, {"data": [list]}, "events-stats")
    for slot in stats["data"]:
        assert len(slot) == 2, slot
        assert_shape(slot[0], int, "events-stats bucket start")
        assert_shape(slot[1], [{"count": nullable(float)}], "events-stats bucket values")
    assert sum(slot[1][0]["count"] or 0 for slot in stats["data"]) == 2
    assert_shape(get(world, "/organizations/alpha/tags/"),
                 [{"key": str, "name": str, "totalValues": int}], "tags")


# --- GitLab error tracking (gitlabhq lib/error_tracking/sentry_client/) --------------------------

def test_gitlab_error_tracking(world):
    issue = world["issue"]
    assert_shape(get(world, "/projects/"),
                 [{"id": ID, "name": str, "slug": str, "status": str,
                   "organization": {"name": str, "slug": str}}], "projects.rb")
    response = world["call"]("GET", "/projects/alpha/web/issues/",
                             params={"query": "is:unresolved KeyError", "limit": 1,
                                     "sort": "freq"})
    assert_shape(response.json(), [{
        "id": ID, "shortId": str, "title": str, "type": str, "count": str, "userCount": int,
        "firstSeen": DATETIME, "lastSeen": DATETIME, "culprit": str, "status": str,
        "metadata": {"value": str}, "stats": {"24h": [[int]]},
        "project": {"id": ID, "name": str, "slug": str}}], "issue.rb")
    links = GITLAB_LINK.findall(response.headers["Link"])
    assert [(rel, results) for _, rel, results, _ in links] == [("previous", "false"),
                                                                 ("next", "false")]
    detail = get(world, f"/issues/{issue.pk}/")
    assert_shape(detail, {"level": str, "logger": nullable(str),
                          "firstRelease": {"version": str, "shortVersion": str,
                                           "lastCommit": nullable(dict)},
                          "lastRelease": {"version": str, "shortVersion": str},
                          "annotations": [str], "pluginIssues": list}, "issue detail")
    world["call"]("PUT", f"/issues/{issue.pk}/", json={"status": "resolved"})
    issue.refresh_from_db()
    assert issue.status == "resolved"
    latest = get(world, f"/issues/{issue.pk}/events/latest/")
    assert_shape(latest, {"groupID": ID, "dateReceived": DATETIME}, "event.rb")
    [exception] = [entry for entry in latest["entries"] if entry["type"] == "exception"]
    assert exception["data"]["values"][0]["stacktrace"]["frames"][0]["function"] == "checkout"
    assert_shape(get(world, "/organizations/alpha/repos/"),
                 [{"status": str, "integrationId": nullable(str),
                   "externalSlug": nullable(str)}], "repo.rb")


# --- Backstage's Sentry plugin (backstage/community-plugins workspaces/sentry) -------------------

def test_backstage_plugin(world):
    for period in ("24h", "14d"):
        issues = get(world, "/projects/alpha/web/issues/", statsPeriod=period, query="")
        assert_shape(issues, [{"title": str, "permalink": URL, "firstSeen": DATETIME,
                               "lastSeen": DATETIME, "count": one_of(str, int),
                               "userCount": int, "metadata": dict,
                               "stats": {period: [[int]]}}], f"issues with {period} stats")
        assert len(issues) == 2
