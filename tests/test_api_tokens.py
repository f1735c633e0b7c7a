"""Personal API tokens: the account page and `/api/0/api-tokens/` (browser sessions only)."""

import re

import pytest
from django.test import Client

from errortrack import actions
from errortrack.models import ApiToken


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def shown_token(html: str) -> str:
    return re.search(r"<code>(sntryu_[0-9a-f]{64})</code>", html).group(1)


@pytest.mark.django_db
def test_a_token_made_on_the_page_is_shown_once_works_and_stops_when_revoked(client, alice):
    client.force_login(alice)
    made = client.post("/settings/account/api/auth-tokens/",
                       {"name": "laptop", "scopes": ["org:read", "event:read"]})
    assert made.status_code == 200
    plaintext = shown_token(made.content.decode())
    token = ApiToken.objects.get(user=alice, name="laptop")
    assert token.scopes == ["event:read", "org:read"] and plaintext.endswith(
        token.token_last_characters)
    assert Client().get("/api/0/", **bearer(plaintext)).json()["user"]["username"] == "alice"

    listing = client.get("/settings/account/api/auth-tokens/").content.decode()
    assert "laptop" in listing and plaintext not in listing  # never shown again

    revoked = client.post(f"/settings/account/api/auth-tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302
    assert Client().get("/api/0/organizations/", **bearer(plaintext)).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("scopes", [[], ["org:everything"], ["<script>"]])
def test_the_page_refuses_tokens_without_valid_scopes(client, alice, scopes):
    client.force_login(alice)
    response = client.post("/settings/account/api/auth-tokens/", {"name": "x", "scopes": scopes})
    assert response.status_code == 400
    assert b"scope" in response.content and b"<script>" not in response.content
    assert not ApiToken.objects.filter(user=alice).exists()


@pytest.mark.django_db
def test_nobody_else_revokes_a_token(client, alice, charlie):
    token, _ = actions.create_api_token(alice, "mine", ["org:read"])
    client.force_login(charlie)
    assert client.post(f"/settings/account/api/auth-tokens/{token.pk}/revoke/").status_code == 404
    assert client.get("/settings/account/api/auth-tokens/").content.count(b"mine") == 0
    assert ApiToken.objects.filter(pk=token.pk).exists()
    anonymous = Client().get("/settings/account/api/auth-tokens/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


@pytest.mark.django_db
def test_the_api_lists_creates_and_revokes_the_session_users_tokens(client, alice, charlie):
    client.force_login(alice)
    created = client.post("/api/0/api-tokens/", {"name": "ci", "scopes": ["project:read"]},
                          content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("sntryu_") and body["scopes"] == ["project:read"]
    listed = client.get("/api/0/api-tokens/").json()
    assert [(t["name"], "token" in t) for t in listed] == [("ci", False)]

    charlies, _ = actions.create_api_token(charlie, "charlie's", ["org:read"])
    other = client.delete("/api/0/api-tokens/", {"tokenId": charlies.pk},
                          content_type="application/json")
    assert other.status_code == 404
    mine = client.delete("/api/0/api-tokens/", {"tokenId": int(body["id"])},
                         content_type="application/json")
    assert mine.status_code == 204 and not ApiToken.objects.filter(user=alice).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [{}, {"scopes": []}, {"scopes": ["nope"]},
                                     {"scopes": "org:read"}, {"name": "x" * 500,
                                                              "scopes": ["org:read"]}])
def test_the_api_answers_bad_token_bodies_with_400(client, alice, payload):
    client.force_login(alice)
    response = client.post("/api/0/api-tokens/", payload, content_type="application/json")
    assert response.status_code == 400 and response.json()


@pytest.mark.django_db
def test_a_token_cannot_mint_or_list_tokens(client, alice):
    _, plaintext = actions.create_api_token(alice, "all", ["org:admin", "project:admin"])
    for method in (client.get, client.post):
        response = method("/api/0/api-tokens/", **bearer(plaintext))
        assert response.status_code == 403 and "token" in response.json()["detail"]
    assert ApiToken.objects.filter(user=alice).count() == 1
    assert client.get("/api/0/api-tokens/").status_code == 401
