"""Organizations, projects and DSN keys through the API."""

import pytest

from errortrack import actions


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token(alice):
    return actions.create_api_token(alice, "api", ["org:read", "project:write"])[1]


@pytest.mark.django_db
def test_organizations_and_projects_are_the_callers_own(client, token, charlie):
    orgs = client.get("/api/0/organizations/", **bearer(token))
    assert [org["slug"] for org in orgs.json()] == ["alpha"] and orgs["Link"]
    assert client.get("/api/0/organizations/alpha/", **bearer(token)).json()["name"] == "Alpha"
    assert client.get("/api/0/organizations/beta/", **bearer(token)).status_code == 404
    projects = client.get("/api/0/projects/", **bearer(token)).json()
    assert [(p["slug"], p["organization"]["slug"]) for p in projects] == [("web", "alpha")]
    assert client.get("/api/0/organizations/alpha/projects/", **bearer(token)).json()[0][
        "slug"] == "web"
    assert client.get("/api/0/projects/alpha/web/", **bearer(token)).json()["platform"] == (
        "python")


@pytest.mark.django_db
def test_keys_are_listed_created_and_deactivated(client, token, web_project):
    keys = client.get("/api/0/projects/alpha/web/keys/", **bearer(token)).json()
    assert keys[0]["dsn"]["public"] == web_project.keys.get().dsn and keys[0]["isActive"]
    created = client.post("/api/0/projects/alpha/web/keys/",
                          {"name": "ci", "rateLimit": {"count": 10, "window": 60}},
                          content_type="application/json", **bearer(token))
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "ci" and body["rateLimit"] == {"count": 10, "window": 60}
    url = f"/api/0/projects/alpha/web/keys/{body['id']}/"
    updated = client.put(url, {"isActive": False, "rateLimit": None},
                         content_type="application/json", **bearer(token)).json()
    assert updated["isActive"] is False and updated["rateLimit"] is None
    assert web_project.keys.get(public_key=body["id"]).is_active is False


@pytest.mark.django_db
def test_members_may_read_keys_but_not_change_them(client, bob, web_project):
    token = actions.create_api_token(bob, "b", ["project:admin"])[1]
    assert client.get("/api/0/projects/alpha/web/keys/", **bearer(token)).status_code == 200
    response = client.post("/api/0/projects/alpha/web/keys/", {"name": "x"},
                           content_type="application/json", **bearer(token))
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"rateLimit": {"count": -1, "window": 60}},
                                  {"rateLimit": {"count": 1, "window": 0}},
                                  {"name": "x" * 65}, {"isActive": "maybe"}])
def test_bad_key_bodies_are_a_400(client, token, body):
    response = client.post("/api/0/projects/alpha/web/keys/", body,
                           content_type="application/json", **bearer(token))
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_token_without_the_scope_is_refused(client, alice):
    token = actions.create_api_token(alice, "events", ["event:read"])[1]
    response = client.get("/api/0/organizations/", **bearer(token))
    assert response.status_code == 403 and "org:read" in response.json()["detail"]
