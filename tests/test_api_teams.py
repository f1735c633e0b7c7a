"""Teams, their projects, and project team access through the API (PROTOCOL.md §12.2, §12.3:
the MCP server's project-management tools and Terraform's sentry_team and sentry_project)."""

import pytest

from alerts.models import Rule
from errortrack import actions, tokens
from errortrack.models import Project, Team


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token(alice) -> str:
    return actions.create_api_token(alice, "all", tokens.SCOPES)[1]


@pytest.fixture
def bob_token(bob) -> str:
    return actions.create_api_token(bob, "all", tokens.SCOPES)[1]


@pytest.fixture
def backend(alpha) -> Team:
    return actions.create_team(alpha, "backend", "Backend")


def send(client, method: str, url: str, token: str, body: object = None):
    return getattr(client, method)(url, body, content_type="application/json", **bearer(token))


@pytest.mark.django_db
def test_teams_are_created_read_renamed_and_deleted(client, token, alpha):
    # tf: go-sentry teams.go Create {name, slug}; mcp: project-management create_team {name}
    created = send(client, "post", "/api/0/organizations/alpha/teams/", token,
                   {"name": "Mobile Apps"})
    assert created.status_code == 201
    team = created.json()
    # go-sentry teams.go Team: id string, dateCreated time, isMember bool, memberCount int
    assert team["slug"] == "mobile-apps" and team["name"] == "Mobile Apps"
    assert isinstance(team["id"], str) and team["dateCreated"].endswith("Z")
    assert team["isMember"] is False and team["memberCount"] == 0
    listed = client.get("/api/0/organizations/alpha/teams/?per_page=25&query=mobile",
                        **bearer(token)).json()
    assert [item["slug"] for item in listed] == ["mobile-apps"]
    renamed = send(client, "put", "/api/0/teams/alpha/mobile-apps/", token,
                   {"slug": "mobile", "name": "Mobile"})
    assert renamed.status_code == 200 and renamed.json()["slug"] == "mobile"
    assert client.get(f"/api/0/teams/alpha/{team['id']}/", **bearer(token)).json()[
        "name"] == "Mobile"
    assert client.delete("/api/0/teams/alpha/mobile/", **bearer(token)).status_code == 204
    assert not alpha.teams.exists()


@pytest.mark.django_db
def test_team_json_counts_joined_members_and_says_if_the_caller_is_one(client, token, alice,
                                                                       backend, alpha):
    owner = alpha.members.get(user=alice)
    actions.add_team_member(backend, owner)
    invited = actions.invite_member(alpha, "new@example.com", "member", [backend])
    assert invited.pending
    team = client.get("/api/0/teams/alpha/backend/", **bearer(token)).json()
    assert team["isMember"] is True and team["memberCount"] == 1


@pytest.mark.django_db
def test_a_team_project_gets_its_team_a_default_key_and_rule(client, token, backend,
                                                             django_capture_on_commit_callbacks):
    # tf: resource_project.go Create: POST /teams/{org}/{team}/projects/ requires 201
    with django_capture_on_commit_callbacks(execute=True):
        created = send(client, "post", "/api/0/teams/alpha/backend/projects/", token,
                       {"name": "Billing API", "platform": "python", "default_rules": True})
    assert created.status_code == 201
    body = created.json()
    assert body["slug"] == "billing-api" and body["platform"] == "python"
    assert body["teams"] == [{"id": str(backend.pk), "slug": "backend", "name": "Backend"}]
    project = Project.objects.get(slug="billing-api")
    assert project.keys.get().label == "Default"
    assert Rule.objects.filter(project=project).exists()
    listed = client.get("/api/0/teams/alpha/backend/projects/", **bearer(token)).json()
    assert [item["slug"] for item in listed] == ["billing-api"]


@pytest.mark.django_db
def test_default_rules_false_makes_a_project_without_the_default_rule(
        client, token, backend, django_capture_on_commit_callbacks):
    # tf: resource_project.go sends default_rules from its argument (false: no rules)
    with django_capture_on_commit_callbacks(execute=True):
        created = send(client, "post", "/api/0/teams/alpha/backend/projects/", token,
                       {"name": "Quiet", "default_rules": False})
    assert created.status_code == 201
    project = Project.objects.get(slug="quiet")
    assert project.keys.exists() and not Rule.objects.filter(project=project).exists()


@pytest.mark.django_db
def test_project_team_access_is_added_with_201_and_removed_with_200(client, token, backend,
                                                                    web_project):
    url = "/api/0/projects/alpha/web/teams/backend/"
    # tf: resource_project.go: AddTeamToProject requires 201, RemoveTeamFromProject 200
    added = client.post(url, **bearer(token))
    assert added.status_code == 201 and [t["slug"] for t in added.json()["teams"]] == ["backend"]
    # mcp: api-client/client.ts listProjectTeams → TeamListSchema [{id, slug, name}]
    listed = client.get("/api/0/projects/alpha/web/teams/?per_page=100", **bearer(token))
    assert [(t["id"], t["slug"], t["name"]) for t in listed.json()] == [
        (str(backend.pk), "backend", "Backend")]
    removed = client.delete(url, **bearer(token))
    assert removed.status_code == 200 and removed.json()["teams"] == []
    assert not web_project.teams.exists()
    assert client.get("/api/0/projects/alpha/web/teams/", **bearer(token)).json() == []


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"slug": "Not a slug!"}, {"slug": "42"},
                                  {"name": "x" * 101}, {"slug": "x" * 51}, {"name": 7},
                                  ["backend"], "backend"])
def test_bad_team_bodies_are_a_400_with_detail(client, token, body, alpha):
    response = send(client, "post", "/api/0/organizations/alpha/teams/", token, body)
    assert response.status_code == 400, response.content
    assert isinstance(response.json()["detail"], str)
    assert not alpha.teams.exists()


@pytest.mark.django_db
def test_a_taken_team_slug_is_a_400(client, token, backend):
    response = send(client, "post", "/api/0/organizations/alpha/teams/", token,
                    {"slug": "backend"})
    assert response.status_code == 400 and "already exists" in response.json()["detail"]
    actions.create_team(backend.organization, "frontend")
    response = send(client, "put", "/api/0/teams/alpha/frontend/", token, {"slug": "backend"})
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "Api", "slug": "Bad Slug"},
                                  {"name": "Api", "platform": "Not/A/Platform"},
                                  {"name": "Api", "default_rules": "perhaps"},
                                  {"name": "Web", "slug": "web"}, {"name": "x" * 101}])
def test_bad_team_project_bodies_are_a_400_and_create_nothing(client, token, backend, body):
    response = send(client, "post", "/api/0/teams/alpha/backend/projects/", token, body)
    assert response.status_code == 400, response.content
    assert isinstance(response.json()["detail"], str)
    assert Project.objects.filter(organization=backend.organization).count() == 1


@pytest.mark.django_db
def test_members_read_teams_but_only_owners_and_admins_change_them(client, bob_token, backend):
    assert client.get("/api/0/organizations/alpha/teams/", **bearer(bob_token)).status_code == (
        200)
    for method, url, body in [
            ("post", "/api/0/organizations/alpha/teams/", {"slug": "mine"}),
            ("put", "/api/0/teams/alpha/backend/", {"name": "Mine"}),
            ("delete", "/api/0/teams/alpha/backend/", None),
            ("post", "/api/0/teams/alpha/backend/projects/", {"name": "Mine"}),
            ("post", "/api/0/projects/alpha/web/teams/backend/", None)]:
        response = send(client, method, url, bob_token, body)
        assert response.status_code == 403 and response.json()["detail"], (method, url)
    assert Team.objects.get(pk=backend.pk).name == "Backend"


@pytest.mark.django_db
def test_another_tenants_teams_and_garbage_ids_are_404(client, charlie_token, token, backend,
                                                       charlie):
    for method, url in [("get", "/api/0/organizations/alpha/teams/"),
                        ("get", "/api/0/teams/alpha/backend/"),
                        ("delete", "/api/0/teams/alpha/backend/"),
                        ("get", "/api/0/teams/alpha/backend/projects/"),
                        ("get", "/api/0/projects/alpha/web/teams/"),
                        ("post", "/api/0/projects/alpha/web/teams/backend/")]:
        assert send(client, method, url, charlie_token).status_code == 404, url
    beta_team = actions.create_team(charlie.memberships.get().organization, "beta-team")
    for method, url in [("get", f"/api/0/teams/alpha/{beta_team.pk}/"),
                        ("get", "/api/0/teams/alpha/beta-team/"),
                        ("post", "/api/0/projects/alpha/web/teams/beta-team/"),
                        ("get", "/api/0/teams/alpha/99999999999999999999/"),
                        ("get", "/api/0/teams/alpha/no-such-team/")]:
        response = send(client, method, url, token)
        assert response.status_code == 404 and response.json()["detail"], url
    assert Team.objects.filter(pk=backend.pk).exists()


@pytest.mark.django_db
def test_team_routes_need_sentrys_scopes(client, alice, backend):
    read_only = actions.create_api_token(alice, "r", ["team:read", "project:read"])[1]
    assert client.get("/api/0/teams/alpha/backend/", **bearer(read_only)).status_code == 200
    response = send(client, "post", "/api/0/organizations/alpha/teams/", read_only,
                    {"slug": "x"})
    assert response.status_code == 403 and "team:write" in response.json()["detail"]
    writer = actions.create_api_token(alice, "w", ["team:write"])[1]
    response = client.delete("/api/0/teams/alpha/backend/", **bearer(writer))
    assert response.status_code == 403 and "team:admin" in response.json()["detail"]
    none = actions.create_api_token(alice, "n", ["event:read"])[1]
    assert client.get("/api/0/organizations/alpha/teams/", **bearer(none)).status_code == 403
