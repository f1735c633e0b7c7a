"""`GET /api/0/organizations/{org}/events/validate/`: the MCP server calls it before every
`search_events` and parses both its 200 and its 400 body [mcp: packages/mcp-core/src/
api-client/client.ts `validateEvents`, schema.ts; PROTOCOL.md §12.2]."""

from urllib.parse import urlencode

import pytest

from errortrack import actions
from tests.factories import digest_events, error_event

URL = "/api/0/organizations/alpha/events/validate/"
ALL_VALID = {"valid": True, "projects": [], "dataset": [], "environment": [], "field": [],
             "query": {"valid": True, "error": None, "fields": []}, "orderby": []}
PARTS = {"valid", "projects", "dataset", "environment", "field", "query", "orderby"}


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token(alice):
    return actions.create_api_token(alice, "validate", ["event:read"])[1]


@pytest.fixture
def world(web_project):
    digest_events(web_project, error_event(environment="production"))
    return web_project


def get(client, token, **params):
    return client.get(f"{URL}?{urlencode(params, doseq=True)}", **bearer(token))


@pytest.mark.django_db
def test_a_valid_request_answers_exactly_the_all_valid_body(client, token, world):
    response = get(client, token, dataset="errors", project=world.pk, statsPeriod="14d",
                   field=["issue", "title", "count()"], query="level:error customer:acme",
                   orderby="-count()", environment="production")
    assert response.status_code == 200 and response.json() == ALL_VALID
    assert get(client, token, field="title").json() == ALL_VALID  # no dataset: errors


def invalid(client, token, **params) -> dict:
    response = get(client, token, **params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == PARTS and body["valid"] is False
    assert set(body["query"]) == {"valid", "error", "fields"}
    return body


@pytest.mark.django_db
def test_an_unknown_field_is_named_and_the_others_pass(client, token, world):
    body = invalid(client, token, field=["title", "nonsense", "count()"])
    assert body["field"] == [
        {"name": "title", "valid": True, "error": None, "attrType": "string"},
        {"name": "nonsense", "valid": False, "error": "Unknown field: nonsense.",
         "attrType": None},
        {"name": "count()", "valid": True, "error": None, "attrType": "integer"}]
    assert body["query"] == {"valid": True, "error": None, "fields": []}
    assert body["dataset"] == [{"name": "errors", "valid": True, "error": None}]


@pytest.mark.django_db
def test_a_sort_not_selected_fails_the_orderby_part(client, token, world):
    body = invalid(client, token, field=["title"], orderby="-timestamp")
    assert body["orderby"] == [{"name": "-timestamp", "valid": False, "attrType": None,
                                "error": "Cannot sort by a field that is not selected: "
                                         "timestamp."}]
    sort_too = invalid(client, token, field=["title"], sort="-count()")
    assert sort_too["orderby"][0]["valid"] is False


@pytest.mark.django_db
def test_a_bad_query_fills_the_query_part(client, token, world):
    body = invalid(client, token, field="title", query="level:error OR level:warning")
    assert body["query"]["valid"] is False and "OR" in body["query"]["error"]
    assert [f["name"] for f in body["query"]["fields"]] == ["level"]
    typed = invalid(client, token, field="title", query="timestamp:>soon")
    assert "soon" in typed["query"]["error"]


@pytest.mark.django_db
def test_datasets_projects_and_environments(client, token, world, charlie):
    body = invalid(client, token, field="title", dataset="profiles")
    assert body["dataset"][0]["valid"] is False and "profiles" in body["dataset"][0]["error"]
    assert body["field"][0]["valid"] is False
    beta_project = charlie.memberships.get().organization.projects.get()
    foreign = invalid(client, token, field="title", project=beta_project.pk)
    assert foreign["projects"] == [{"valid": False, "error": "No such project."}]
    garbage = invalid(client, token, field="title", project="web")
    assert "project" in garbage["projects"][0]["error"]
    unknown_env = invalid(client, token, field="title", environment="nowhere")
    assert unknown_env["environment"] == [{"valid": False,
                                           "error": "Unknown environments selected"}]


@pytest.mark.django_db
@pytest.mark.parametrize("params", [
    {"field": [f"tags[k{n}]" for n in range(60)]},
    {"field": "x" * 5000, "query": "y" * 5000},
    {"field": "count(", "query": '"unclosed'},
    {"field": "max(title)", "orderby": ["", "-", "--x"]},
])
def test_hostile_input_is_still_the_same_shape(client, token, world, params):
    body = invalid(client, token, **params)
    assert all(isinstance(body[part], list) for part in PARTS - {"valid", "query"})


@pytest.mark.django_db
def test_nul_other_tenants_and_missing_scopes(client, token, alice, world, charlie_token):
    response = get(client, token, field="title\x00")
    assert response.status_code == 400 and "NUL" in response.json()["detail"]
    assert get(client, charlie_token, field="title").status_code == 404
    weak = actions.create_api_token(alice, "weak", ["project:read"])[1]
    response = get(client, weak, field="title")
    assert response.status_code == 403 and response.json()["detail"]
