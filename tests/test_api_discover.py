"""`GET /api/0/organizations/{org}/events/`: the Discover-style table of events, as the MCP
server's `search_events`, Grafana's Events query and sentry-cli read it (PROTOCOL.md §12.6)."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from errortrack import actions
from errortrack.models import Issue
from errortrack.queries.discover import table as discover_table
from tests.factories import digest_events, error_event, make_project

URL = "/api/0/organizations/alpha/events/"
# The MCP server's default fields for errors [mcp: tools/support/search-events/config.ts
# `RECOMMENDED_FIELDS`].
MCP_FIELDS = ["issue", "title", "project", "timestamp", "level", "message", "error.type",
              "culprit", "user.email", "user.id"]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token(alice):
    return actions.create_api_token(alice, "discover", ["event:read"])[1]


@pytest.fixture
def world(web_project):
    """alpha/web: two KeyErrors (prod, acme, ann), a TypeError warning (staging, bo) and an
    info message; alpha/api: one ValueError."""
    now = timezone.now()
    digest_events(
        web_project,
        error_event("KeyError", tags={"customer": "acme"}, environment="prod",
                    release="web@1.0", user={"id": "1", "email": "ann@example.com"},
                    contexts={"trace": {"trace_id": "a" * 32, "span_id": "b" * 16}},
                    timestamp=(now - timedelta(minutes=30)).timestamp()),
        error_event("KeyError", tags={"customer": "acme"}, environment="prod",
                    release="web@1.1", user={"id": "1", "email": "ann@example.com"},
                    timestamp=(now - timedelta(minutes=20)).timestamp()),
        error_event("TypeError", "bad operand", level="warning", environment="staging",
                    user={"id": "2", "email": "bo@example.com"}, transaction="/cart",
                    timestamp=(now - timedelta(minutes=10)).timestamp()),
        {"message": "disk almost full", "level": "info",
         "timestamp": (now - timedelta(minutes=5)).timestamp()})
    digest_events(make_project(web_project.organization, "api"),
                  error_event("ValueError", "nope", timestamp=(now - timedelta(minutes=1))
                              .timestamp()))
    return {issue.title.split(":")[0]: issue.short_id_display for issue in Issue.objects.all()}


def get(client, token, **params):
    return client.get(f"{URL}?{urlencode(params, doseq=True)}", **bearer(token))


def rows(client, token, **params) -> list[dict]:
    response = get(client, token, **params)
    assert response.status_code == 200, response.content
    return response.json()["data"]


@pytest.mark.django_db
def test_mcp_default_fields_come_back_keyed_and_typed_as_its_parser_reads_them(
        client, token, world):
    response = get(client, token, field=MCP_FIELDS, sort="-timestamp", per_page=10,
                   statsPeriod="14d", referrer="mcp", query="")
    assert response.status_code == 200
    body = response.json()
    # MCP needs `data` to be an array of objects [mcp: api-client/client.ts searchEvents].
    assert isinstance(body["data"], list) and len(body["data"]) == 5
    for row in body["data"]:
        assert list(row) == MCP_FIELDS  # keys are exactly the requested field strings
        assert isinstance(row["timestamp"], str) and row["timestamp"].endswith("Z")
        assert isinstance(row["issue"], str) and isinstance(row["error.type"], list)
    newest, _, type_error, _, oldest = body["data"]
    assert newest["project"] == "api" and newest["issue"] == "API-1"
    assert oldest["issue"] == world["KeyError"] and oldest["title"] == "KeyError: 'sku'"
    assert oldest["error.type"] == ["KeyError"] and oldest["user.email"] == "ann@example.com"
    assert oldest["user.id"] == "1" and oldest["level"] == "error"
    assert oldest["culprit"] == "shop.views in checkout"
    assert type_error["culprit"] == "/cart" and type_error["level"] == "warning"
    assert body["meta"]["fields"] == {
        "issue": "string", "title": "string", "project": "string", "timestamp": "date",
        "level": "string", "message": "string", "error.type": "array", "culprit": "string",
        "user.email": "string", "user.id": "string"}
    assert body["meta"]["units"] == {}
    assert 'rel="next"; results="false"' in response["Link"]


@pytest.mark.django_db
def test_every_listed_field_reads(client, token, world):
    fields = ["id", "issue.id", "project.id", "environment", "release", "trace", "platform",
              "transaction", "error.value", "user.username", "user.ip", "tags[customer]",
              "event.type", "user"]
    found = rows(client, token, field=fields, query=f"issue:{world['KeyError']}",
                 sort="release")
    assert [row["release"] for row in found] == ["web@1.0", "web@1.1"]
    first = found[0]
    assert len(first["id"]) == 32 and isinstance(first["issue.id"], int)
    assert isinstance(first["project.id"], int) and first["environment"] == "prod"
    assert first["trace"] == "a" * 32 and first["platform"] == "python"
    assert first["error.value"] == ["'sku'"] and first["tags[customer]"] == "acme"
    assert first["event.type"] == "error" and first["user"] == "id:1"
    assert first["transaction"] is None and first["user.ip"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("query, titles", [
    ("level:error", {"KeyError", "ValueError"}),
    ("!level:error", {"TypeError", "disk almost full"}),
    ("level:[warning,info]", {"TypeError", "disk almost full"}),
    ("environment:prod", {"KeyError"}),
    ("release:web@1.1", {"KeyError"}),
    ('release:"web@1.0"', {"KeyError"}),
    ("issue:{TypeError}", {"TypeError"}),
    ("issue:{typeerror}", {"TypeError"}),
    ("project:api", {"ValueError"}),
    ("user.email:bo@example.com", {"TypeError"}),
    ("error.type:KeyError", {"KeyError"}),
    ("!error.type:KeyError has:error.type", {"TypeError", "ValueError"}),
    ("message:disk", {"disk almost full"}),
    ('"almost full"', {"disk almost full"}),
    ("operand", {"TypeError"}),
    ("has:user.email !has:release", {"TypeError"}),
    ("customer:acme", {"KeyError"}),
    ("tags[customer]:acme AND level:error", {"KeyError"}),
    ("title:*Error*", {"KeyError", "TypeError", "ValueError"}),
    ("user.email:*@example.com", {"KeyError", "TypeError"}),
    ("issue:NOPE-1", set()),
])
def test_the_query_dialect(client, token, world, query, titles):
    query = query.format(TypeError=world["TypeError"], typeerror=world["TypeError"].lower())
    found = rows(client, token, field=["title", "timestamp"], query=query)
    assert {row["title"].split(":")[0] for row in found} == titles


@pytest.mark.django_db
def test_project_and_environment_parameters(client, token, world, alpha):
    api = alpha.projects.get(slug="api")
    assert {r["project"] for r in rows(client, token, field="project", project=api.pk)} == {
        "api"}
    assert len(rows(client, token, field="project", project="-1")) == 5
    staged = rows(client, token, field="title", environment=["staging", "prod"])
    assert len(staged) == 3


@pytest.mark.django_db
def test_aggregates_group_by_the_plain_fields(client, token, world):
    by_issue = rows(client, token, field=["issue", "count()", "last_seen()"],
                    sort="-count()")
    assert by_issue[0]["issue"] == world["KeyError"] and by_issue[0]["count()"] == 2
    assert by_issue[0]["last_seen()"].endswith("Z") and len(by_issue) == 4
    assert rows(client, token, field="count()") == [{"count()": 5}]
    assert rows(client, token, field="count()", query="issue:NOPE-9") == [{"count()": 0}]
    users = rows(client, token, field=["project", "count_unique(user)", "max(timestamp)"],
                 sort="project")
    assert [(r["project"], r["count_unique(user)"]) for r in users] == [("api", 0),
                                                                         ("web", 2)]
    levels = rows(client, token, field=["level", "count()"], query="has:user.email",
                  sort="level")
    assert levels == [{"level": "error", "count()": 2}, {"level": "warning", "count()": 1}]
    meta = get(client, token, field=["issue", "count()", "max(timestamp)"]).json()["meta"]
    assert meta["fields"] == {"issue": "string", "count()": "integer",
                              "max(timestamp)": "date"}


@pytest.mark.django_db
def test_pages_follow_the_cursor_and_per_page_is_capped(client, token, world):
    first = get(client, token, field=["id", "timestamp"], sort="-timestamp", per_page=2)
    assert len(first.json()["data"]) == 2
    assert 'rel="next"; results="true"; cursor="0:2:0"' in first["Link"]
    second = get(client, token, field=["id", "timestamp"], sort="-timestamp", per_page=2,
                 cursor="0:2:0").json()["data"]
    seen = {row["id"] for row in first.json()["data"]} | {row["id"] for row in second}
    assert len(seen) == 4
    assert len(rows(client, token, field="id", per_page=1000)) == 5  # sentry-cli's maximum


@pytest.mark.django_db
def test_python_side_work_is_capped_and_says_so(client, token, world, monkeypatch):
    monkeypatch.setattr(discover_table, "ROW_CAP", 2)  # the bound, made small to reach it
    body = get(client, token, field=["user.email", "count()"]).json()
    assert body["meta"]["dataScanned"] == "partial"
    assert sum(row["count()"] for row in body["data"]) == 2


@pytest.mark.django_db
def test_time_range_as_grafana_sends_it(client, token, world):
    now = timezone.now()
    naive = "%Y-%m-%dT%H:%M:%S"
    recent = rows(client, token, field="title", start=(now - timedelta(minutes=7))
                  .strftime(naive), end=(now + timedelta(minutes=1)).strftime(naive))
    assert {r["title"].split(":")[0] for r in recent} == {"disk almost full", "ValueError"}
    assert rows(client, token, field="title", statsPeriod="3m") == [{"title": "ValueError: nope"}]


@pytest.mark.django_db
@pytest.mark.parametrize("params, says", [
    ({"field": "nonsense"}, "nonsense"),
    ({"field": "bogus()"}, "bogus"),
    ({"field": "count_unique()"}, "count_unique"),
    ({"field": "max(title)"}, "max"),
    ({"field": ["title", "count()"], "sort": "-timestamp"}, "timestamp"),
    ({"field": [f"tags[k{n}]" for n in range(21)]}, "20"),
    ({"field": "title", "dataset": "spans"}, "spans"),
    ({}, "No columns"),
    ({"field": "title", "query": "a OR b"}, "OR"),
    ({"field": "title", "query": "timestamp:>yesterday"}, "yesterday"),
    ({"field": "title", "query": "timestamp:>2026-13-45T00:00:00"}, "2026-13-45"),
    ({"field": "title", "query": "project.id:>99999999999999999999999"}, "project.id"),
    ({"field": "title", "query": "issue.id:abc"}, "issue.id"),
    ({"field": "title", "query": "has:"}, "has"),
    ({"field": "title", "project": "web"}, "project"),
    ({"field": "title", "per_page": "-1"}, "per_page"),
    ({"field": "title", "cursor": "garbage"}, "cursor"),
    ({"field": "title", "statsPeriod": "forever"}, "statsPeriod"),
    ({"field": "title\x00"}, "NUL"),
    ({"field": "x" * 5000}, "Unknown field"),
    ({"field": "title", "query": "level:" + "x" * 10000}, None),
])
def test_hostile_input_is_a_4xx_with_a_detail(client, token, world, params, says):
    response = get(client, token, **params)
    if says is None:  # a long value is no error, it just matches nothing
        assert response.status_code == 200 and response.json()["data"] == []
        return
    assert response.status_code == 400, response.content
    assert says in response.json()["detail"]


@pytest.mark.django_db
def test_other_tenants_and_missing_scopes(client, token, alice, world, charlie, charlie_token):
    beta_project = charlie.memberships.get().organization.projects.get()
    digest_events(beta_project, error_event(tags={"secret": "beta-only"}))
    # Another organization's project id answers as a missing one does (our tenant rule).
    response = get(client, token, field="title", project=beta_project.pk)
    assert response.status_code == 404 and response.json()["detail"]
    assert get(client, token, field="title", project=987654).status_code == 404
    assert get(client, charlie_token, field="title").status_code == 404
    assert "beta-only" not in str(rows(client, token, field="tags[secret]"))
    weak = actions.create_api_token(alice, "weak", ["project:read"])[1]
    response = get(client, weak, field="title")
    assert response.status_code == 403 and "event:read" in response.json()["detail"]
    assert client.get(f"{URL}?field=title").status_code == 401


@pytest.mark.django_db
def test_issue_status_and_dashed_event_ids(client, token, alice, world):
    key_error = Issue.objects.get(title__startswith="KeyError")
    actions.set_issue_status(key_error, "resolved", alice)
    unresolved = rows(client, token, field="title", query="is:unresolved")
    assert len(unresolved) == 3 and "KeyError: 'sku'" not in {r["title"] for r in unresolved}
    assert len(rows(client, token, field="title", query="is:resolved")) == 2
    event_id = rows(client, token, field="id", query="project:api")[0]["id"]
    dashed = f"{event_id[:8]}-{event_id[8:12]}-{event_id[12:16]}-{event_id[16:20]}-" \
             f"{event_id[20:]}".upper()
    assert rows(client, token, field="project", query=f"id:{dashed}") == [{"project": "api"}]
