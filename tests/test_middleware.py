"""A NUL character anywhere a view reads gets a 400 (PostgreSQL cannot hold one in text)."""

import pytest

from errortrack import actions, tokens


@pytest.fixture
def auth(alice):
    token = actions.create_api_token(alice, "t", tokens.SCOPES)[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/api/0/organizations/alpha/issues/?environment=%00",
    "/api/0/projects/alpha/web/issues/?query=is:unresolved%00",
    "/api/0/projects/alpha/web/events/%00abc/",
    "/api/0/issues/1/tags/%00/",
    "/health/ready?verbose=%00",
])
def test_nul_in_path_or_query_is_a_400(client, auth, url):
    response = client.get(url, **auth)
    assert response.status_code == 400 and "NUL" in response.json()["detail"]


@pytest.mark.django_db
def test_nul_in_a_form_field_is_a_400(client, alice):
    client.force_login(alice)
    response = client.post("/settings/account/api/auth-tokens/",
                           {"name": "bad\x00name", "scopes": ["org:read"]})
    assert response.status_code == 400
    assert not alice.api_tokens.exists()


@pytest.mark.django_db
def test_ordinary_requests_pass(client, auth):
    assert client.get("/api/0/organizations/alpha/issues/?environment=prod", **auth
                      ).status_code == 200
