"""Who the caller is, organizations, projects and keys as the ecosystem's clients read them
(PROTOCOL.md §12): each asserted field is one a client's parser requires, cited beside it."""

import re

import pytest
from django.conf import settings

from errortrack import actions, tokens
from errortrack.models import Project, ProjectKey

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token(alice) -> str:
    return actions.create_api_token(alice, "all", tokens.SCOPES)[1]


def put(client, url: str, body: object, token: str):
    return client.put(url, body, content_type="application/json", **bearer(token))


def post(client, url: str, body: object, token: str):
    return client.post(url, body, content_type="application/json", **bearer(token))


# --- Who is calling -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_auth_answers_the_caller_for_mcp_whoami(client, alice):
    token = actions.create_api_token(alice, "no scopes needed", ["event:read"])[1]
    body = client.get("/api/0/auth/", **bearer(token)).json()
    # mcp: api-client/client.ts getAuthenticatedUser → UserSchema {id, name (nullable), email}
    assert body["id"] == str(alice.pk) and isinstance(body["id"], str)
    assert body["name"] is None and body["email"] == "alice@example.com"
    assert body["username"] == "alice"
    # go-sentry users.go User: dateJoined and lastLogin are time.Time: RFC 3339 or null, never ""
    assert ISO_Z.match(body["dateJoined"]) and body["lastLogin"] is None
    assert client.get("/api/0/users/me/", **bearer(token)).json() == body


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/0/auth/", "/api/0/users/me/", "/api/0/internal/health/"])
def test_who_and_health_need_a_valid_token(client, path, alice):
    assert client.get(path).status_code == 401
    bad = client.get(path, **bearer("sntryu_" + "0" * 64))
    assert bad.status_code == 401 and "detail" in bad.json()
    assert client.get(path, **bearer("garbage\x00token")).status_code == 401


@pytest.mark.django_db
def test_terraform_health_check_is_a_200(client, token):
    # tf: internal/provider/provider.go calls GET /0/internal/health/ on start and needs 200
    assert client.get("/api/0/internal/health/", **bearer(token)).status_code == 200


# --- Organizations --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_organization_list_has_what_sentry_cli_grafana_and_mcp_decode(client, token):
    [org] = client.get("/api/0/organizations/", **bearer(token)).json()
    # cli: src/api/data_types/organization.rs: every key required
    for key, kind in {"id": str, "slug": str, "name": str, "dateCreated": str,
                      "isEarlyAdopter": bool, "require2FA": bool,
                      "requireEmailVerification": bool, "features": list}.items():
        assert isinstance(org[key], kind), key
    assert ISO_Z.match(org["dateCreated"])
    # graf: pkg/sentry/organizations.go: status{id,name} and avatar{avatarType} are objects
    assert org["status"] == {"id": "active", "name": "active"}
    assert org["avatar"]["avatarType"] == "letter_avatar"
    # mcp: schema.ts OrganizationSchema links.organizationUrl is a URL, regionUrl may be ""
    assert org["links"] == {"organizationUrl": f"{settings.BASE_URL}/organizations/alpha/",
                            "regionUrl": ""}


@pytest.mark.django_db
def test_organization_detail_carries_terraform_role_lists(client, token):
    org = client.get("/api/0/organizations/alpha/", **bearer(token)).json()
    # tf: internal/apiclient/api.yaml Organization requires orgRoleList and teamRoleList, each
    # item with every key; resource_team_member.go compares minimumTeamRole with team role ids
    assert [role["id"] for role in org["orgRoleList"]] == ["member", "admin", "manager", "owner"]
    for role in org["orgRoleList"]:
        assert {"id", "name", "desc", "scopes", "isAllowed", "isRetired", "isGlobal",
                "minimumTeamRole"} <= set(role)
        assert isinstance(role["minimumTeamRole"], str)
    assert [role["id"] for role in org["teamRoleList"]] == ["contributor", "admin"]
    assert all(isinstance(role["isMinimumRoleFor"], str) for role in org["teamRoleList"])
    assert org["role"] == "owner"


@pytest.mark.django_db
def test_query_and_per_page_filter_as_mcp_find_tools_send_them(client, token, alice):
    actions.create_organization(alice, "gamma", "Gamma Rays")
    # mcp: api-client/client.ts listOrganizations: ?per_page=25&query=
    orgs = client.get("/api/0/organizations/?per_page=25&query=RAYS", **bearer(token)).json()
    assert [org["slug"] for org in orgs] == ["gamma"]
    first = client.get("/api/0/organizations/?per_page=1", **bearer(token))
    assert len(first.json()) == 1 and 'results="true"' in first["Link"]
    assert client.get("/api/0/organizations/?query=", **bearer(token)).json()[0]["slug"] == (
        "alpha")
    projects = client.get("/api/0/organizations/alpha/projects/?per_page=25&query=we",
                          **bearer(token)).json()
    assert [project["slug"] for project in projects] == ["web"]


@pytest.mark.django_db
@pytest.mark.parametrize("params", ["query=" + "x" * 201, "per_page=ten", "per_page=-1",
                                    "per_page=1e3"])
def test_bad_list_parameters_are_a_400_with_detail(client, token, params):
    response = client.get(f"/api/0/organizations/?{params}", **bearer(token))
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.django_db
def test_a_huge_page_size_is_clamped_as_limit_is(client, token):
    response = client.get("/api/0/organizations/?per_page=99999999999999999999999",
                          **bearer(token))
    assert response.status_code == 200 and len(response.json()) == 1


@pytest.mark.django_db
def test_paths_take_a_slug_or_a_numeric_id(client, token, alpha, web_project, charlie):
    by_id = client.get(f"/api/0/organizations/{alpha.pk}/", **bearer(token))
    assert by_id.json()["slug"] == "alpha"
    project = client.get(f"/api/0/projects/{alpha.pk}/{web_project.pk}/", **bearer(token))
    assert project.json()["slug"] == "web"
    beta = charlie.memberships.get().organization
    assert client.get(f"/api/0/organizations/{beta.pk}/", **bearer(token)).status_code == 404
    other = beta.projects.get()
    assert client.get(f"/api/0/projects/alpha/{other.pk}/", **bearer(token)).status_code == 404
    assert client.get("/api/0/projects/alpha/99999999999999999999999/",
                      **bearer(token)).status_code == 404


# --- Projects -------------------------------------------------------------------------------------

TERRAFORM_PROJECT_KEYS = {
    # tf: internal/apiclient/api.yaml Project: required keys and their types
    "id": str, "slug": str, "name": str, "dateCreated": str, "teams": list, "features": list,
    "options": dict, "color": str, "isPublic": bool, "digestsMinDelay": int,
    "digestsMaxDelay": int, "resolveAge": int, "fingerprintingRules": str,
    "groupingEnhancements": str, "allowedDomains": list, "scrapeJavaScript": bool,
    "subjectTemplate": str, "securityToken": str, "verifySSL": bool, "organization": dict,
    # graf: pkg/sentry/projects.go: environments is a list of names
    "environments": list,
}


@pytest.mark.django_db
def test_project_json_has_what_terraform_and_grafana_decode(client, token, web_project):
    actions.create_team(web_project.organization, "backend")
    team = web_project.organization.teams.get()
    actions.add_team_project(team, web_project)
    project = client.get("/api/0/projects/alpha/web/", **bearer(token)).json()
    for key, kind in TERRAFORM_PROJECT_KEYS.items():
        assert isinstance(project[key], kind), key
    assert "securityTokenHeader" in project and project["securityTokenHeader"] is None
    assert "platform" in project  # nullable, but the key is required
    assert project["teams"] == [{"id": str(team.pk), "slug": "backend", "name": "backend"}]
    # cli: src/api/data_types/project.rs team?: {id, slug, name}; graf reads team{…}
    assert project["team"] == project["teams"][0]
    assert re.match(r"^#[0-9a-f]{6}$", project["color"])
    # tf: resource_project.go ProjectFilterResourceModel.Fill: a non-null options must hold
    # each inbound filter as text, or reading the project fails
    for name in ("filters:blacklisted_ips", "filters:releases", "filters:error_messages"):
        assert project["options"][name] == "", name


@pytest.mark.django_db
def test_put_project_stores_ours_keeps_sentrys_and_ignores_the_rest(client, token, web_project):
    # tf: resource_project.go Create: PUT with slug, platform, digests, resolveAge, rules,
    # client security, filters (options); Read afterwards must show the same values
    body = {"name": "Web shop", "slug": "shop", "platform": "javascript-react",
            "digestsMinDelay": 600, "digestsMaxDelay": 1200, "resolveAge": 48,
            "fingerprintingRules": "error.type:KeyError -> keys", "groupingEnhancements": "",
            "allowedDomains": ["example.com"], "scrapeJavaScript": False,
            "securityToken": "tok", "securityTokenHeader": "X-Token", "verifySSL": True,
            "options": {"filters:releases": "1.*\n2.*"}, "highlightTags": ["customer"],
            "dataScrubberDefaults": False, "scrubIPAddresses": True,
            "sensitiveFields": ["ssn"], "unknownSetting": {"x": 1}}
    answer = put(client, "/api/0/projects/alpha/web/", body, token)
    assert answer.status_code == 200
    web_project.refresh_from_db()
    assert (web_project.slug, web_project.name, web_project.platform) == (
        "shop", "Web shop", "javascript-react")
    assert web_project.scrub_defaults is False and web_project.scrub_ip_addresses is True
    assert web_project.sensitive_fields == ["ssn"]
    read = client.get("/api/0/projects/alpha/shop/", **bearer(token)).json()
    assert read == answer.json()
    for key in body.keys() - {"unknownSetting", "options"}:
        assert read[key] == body[key], key
    assert read["options"]["filters:releases"] == "1.*\n2.*"
    assert client.get("/api/0/projects/alpha/web/", **bearer(token)).status_code == 404


@pytest.mark.django_db
def test_a_partial_put_keeps_the_other_kept_settings(client, token):
    put(client, "/api/0/projects/alpha/web/", {"resolveAge": 12}, token)
    read = put(client, "/api/0/projects/alpha/web/", {"digestsMinDelay": 120}, token).json()
    assert (read["resolveAge"], read["digestsMinDelay"], read["digestsMaxDelay"]) == (
        12, 120, 1800)
    put(client, "/api/0/projects/alpha/web/", {"options": {"filters:releases": "1.0"}}, token)
    options = put(client, "/api/0/projects/alpha/web/",
                  {"options": {"filters:error_messages": "boom"}}, token).json()["options"]
    assert options == {"filters:blacklisted_ips": "", "filters:releases": "1.0",
                       "filters:error_messages": "boom"}


@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    {"digestsMinDelay": "soon"}, {"digestsMinDelay": 10}, {"resolveAge": 10 ** 30},
    {"digestsMinDelay": 3000, "digestsMaxDelay": 100}, {"resolveAge": True},
    {"allowedDomains": "example.com"}, {"allowedDomains": ["x" * 300]},
    {"options": ["filters:releases"]}, {"options": {"k": {"nested": 1}}},
    {"fingerprintingRules": "x" * 20_001}, {"securityTokenHeader": 5},
    {"slug": "Not a slug!"}, {"slug": "123"}, {"name": ""}, {"name": "x" * 101},
    {"platform": "Not A Platform"}, {"sensitiveFields": "ssn"}, {"scrubIPAddresses": "maybe"},
    [1, 2], "just text",
])
def test_bad_project_bodies_are_a_400_and_change_nothing(client, token, web_project, body):
    response = put(client, "/api/0/projects/alpha/web/", body, token)
    assert response.status_code == 400, response.content
    assert isinstance(response.json()["detail"], str)
    assert Project.objects.get(pk=web_project.pk).sentry_settings == {}
    assert Project.objects.get(pk=web_project.pk).slug == "web"


@pytest.mark.django_db
def test_a_taken_slug_is_refused(client, token, alpha):
    actions.create_project(alpha, "api")
    response = put(client, "/api/0/projects/alpha/web/", {"slug": "api"}, token)
    assert response.status_code == 400 and "already exists" in response.json()["detail"]


@pytest.mark.django_db
def test_delete_project_is_a_204_for_owners_only(client, token, bob, web_project, charlie_token):
    bob_token = actions.create_api_token(bob, "b", tokens.SCOPES)[1]
    assert client.delete("/api/0/projects/alpha/web/", **bearer(bob_token)).status_code == 403
    assert client.delete("/api/0/projects/alpha/web/", **bearer(charlie_token)).status_code == (
        404)
    narrow = actions.create_api_token(web_project.organization.members.get(
        role="owner").user, "w", ["project:write"])[1]
    assert client.delete("/api/0/projects/alpha/web/", **bearer(narrow)).status_code == 403
    # tf: resource_project.go Delete requires 204
    assert client.delete("/api/0/projects/alpha/web/", **bearer(token)).status_code == 204
    assert not Project.objects.filter(pk=web_project.pk).exists()
    assert client.delete("/api/0/projects/alpha/web/", **bearer(token)).status_code == 404


@pytest.mark.django_db
def test_project_changes_need_the_scope_and_the_role(client, bob, alice, charlie_token):
    bob_token = actions.create_api_token(bob, "b", tokens.SCOPES)[1]
    assert put(client, "/api/0/projects/alpha/web/", {"name": "x"}, bob_token).status_code == 403
    read_only = actions.create_api_token(alice, "r", ["project:read"])[1]
    response = put(client, "/api/0/projects/alpha/web/", {"name": "x"}, read_only)
    assert response.status_code == 403 and "project:write" in response.json()["detail"]
    assert put(client, "/api/0/projects/alpha/web/", {"name": "x"},
               charlie_token).status_code == 404


# --- Keys -----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_key_json_is_what_terraform_decodes(client, token, web_project):
    [key] = client.get("/api/0/projects/alpha/web/keys/", **bearer(token)).json()
    # tf: internal/apiclient/api.yaml ProjectKey: every key required; projectId a number;
    # dsn a map of strings (a null fails decoding)
    for name, kind in {"id": str, "name": str, "label": str, "public": str, "secret": str,
                       "projectId": int, "isActive": bool, "dsn": dict,
                       "browserSdkVersion": str, "dateCreated": str,
                       "dynamicSdkLoaderOptions": dict}.items():
        assert isinstance(key[name], kind), name
    assert "rateLimit" in key
    assert key["dsn"] and all(isinstance(value, str) for value in key["dsn"].values())
    assert {"public", "secret", "csp"} <= set(key["dsn"])  # resource_client_key.go reads these
    assert key["dynamicSdkLoaderOptions"] == {"hasReplay": False, "hasPerformance": False,
                                              "hasDebug": False}
    # mcp: schema.ts ClientKeySchema: id, name, dsn.public, isActive, dateCreated
    assert key["dsn"]["public"] == web_project.keys.get().dsn and ISO_Z.match(key["dateCreated"])


@pytest.mark.django_db
def test_keys_keep_the_loader_settings_terraform_sends(client, token):
    body = {"name": "browser", "rateLimit": {"window": 60, "count": 5},
            "browserSdkVersion": "8.x",
            "dynamicSdkLoaderOptions": {"hasReplay": True, "hasPerformance": True,
                                        "hasDebug": False}}
    created = post(client, "/api/0/projects/alpha/web/keys/", body, token)
    assert created.status_code == 201  # tf: resource_client_key.go Create requires 201
    key = created.json()
    assert key["browserSdkVersion"] == "8.x"
    assert key["dynamicSdkLoaderOptions"] == body["dynamicSdkLoaderOptions"]
    url = f"/api/0/projects/alpha/web/keys/{key['id']}/"
    updated = put(client, url, {"browserSdkVersion": "latest",
                                "dynamicSdkLoaderOptions": {"hasDebug": True}}, token).json()
    assert updated["browserSdkVersion"] == "latest"
    assert updated["dynamicSdkLoaderOptions"] == {"hasReplay": True, "hasPerformance": True,
                                                  "hasDebug": True}
    assert client.get(url, **bearer(token)).json() == updated


@pytest.mark.django_db
def test_terraform_removes_the_default_key_through_the_numeric_project_id(client, token,
                                                                           web_project):
    # tf: resource_project.go removeDefaultKey: lists keys, deletes the one named "Default"
    # through project.Id, and requires 204
    keys = client.get("/api/0/projects/alpha/web/keys/", **bearer(token)).json()
    default = next(key for key in keys if key["name"] == "Default")
    url = f"/api/0/projects/alpha/{web_project.pk}/keys/{default['id']}/"
    assert client.delete(url, **bearer(token)).status_code == 204
    assert not ProjectKey.objects.filter(project=web_project).exists()
    assert client.delete(url, **bearer(token)).status_code == 404


@pytest.mark.django_db
def test_keys_of_another_tenant_or_garbage_ids_are_404(client, token, charlie, bob):
    other = charlie.memberships.get().organization.projects.get().keys.get()
    for url in (f"/api/0/projects/alpha/web/keys/{other.public_key}/",
                f"/api/0/projects/beta/web/keys/{other.public_key}/",
                "/api/0/projects/alpha/web/keys/%ff%fe/", "/api/0/projects/alpha/web/keys/1/"):
        assert client.delete(url, **bearer(token)).status_code == 404, url
    nul = client.delete("/api/0/projects/alpha/web/keys/%00/", **bearer(token))
    assert nul.status_code == 400 and nul.json()["detail"]
    assert ProjectKey.objects.filter(pk=other.pk).exists()
    mine = ProjectKey.objects.get(project__slug="web", project__organization__slug="alpha")
    bob_token = actions.create_api_token(bob, "b", tokens.SCOPES)[1]
    assert client.delete(f"/api/0/projects/alpha/web/keys/{mine.public_key}/",
                         **bearer(bob_token)).status_code == 403
    # Sentry's ProjectPermission: DELETE needs project:admin
    writer = actions.create_api_token(mine.project.organization.members.get(
        role="owner").user, "w", ["project:write"])[1]
    refused = client.delete(f"/api/0/projects/alpha/web/keys/{mine.public_key}/",
                            **bearer(writer))
    assert refused.status_code == 403 and "project:admin" in refused.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"browserSdkVersion": "../../etc"},
                                  {"dynamicSdkLoaderOptions": {"hasReplay": "sure"}},
                                  {"dynamicSdkLoaderOptions": "all"},
                                  {"rateLimit": {"count": 10 ** 12, "window": 60}},
                                  {"rateLimit": "lots"}])
def test_bad_key_bodies_are_a_400_with_detail(client, token, body):
    response = post(client, "/api/0/projects/alpha/web/keys/", body, token)
    assert response.status_code == 400 and isinstance(response.json()["detail"], str)
    assert ProjectKey.objects.filter(project__slug="web").count() == 1


@pytest.mark.django_db
def test_an_old_all_digit_slug_wins_over_an_id(client, token, alpha, web_project):
    # New slugs may not be all digits; one made before that rule still names its project.
    legacy = Project.objects.create(organization=alpha, slug=str(web_project.pk), name="old")
    answer = client.get(f"/api/0/projects/alpha/{web_project.pk}/", **bearer(token)).json()
    assert answer["id"] == str(legacy.pk)
    assert client.get(f"/api/0/projects/alpha/{legacy.pk}/", **bearer(token)).json()[
        "slug"] == str(web_project.pk)
