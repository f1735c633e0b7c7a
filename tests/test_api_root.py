"""GET /api/0/: how sentry-cli validates a token."""

from datetime import timedelta

import pytest
from django.utils import timezone

from errortrack import actions
from errortrack.models import ApiToken


@pytest.fixture
def token(alice):
    return actions.create_api_token(alice, "cli", ["org:read", "project:releases"])


def bearer(plaintext: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


@pytest.mark.django_db
def test_anonymous_callers_get_auth_null(client):
    response = client.get("/api/0/")
    assert response.status_code == 200
    assert response.json() == {"version": "0", "auth": None, "user": None}


@pytest.mark.django_db
@pytest.mark.parametrize("header", [
    "Bearer", "Bearer not-a-token", "Bearer a b", "Bearer sntryu_" + "A" * 64,
    "Bearer sntryu_" + "0" * 64,  # the right shape, but no such token
])
def test_a_malformed_or_unknown_bearer_is_401(client, header):
    response = client.get("/api/0/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert list(response.json()) == ["detail"]


@pytest.mark.django_db
def test_a_valid_token_shows_its_scopes_and_user(client, alice, token):
    body = client.get("/api/0/", **bearer(token[1])).json()
    assert body["auth"] == {"scopes": ["org:read", "project:releases"]}
    assert body["user"] == {"id": str(alice.pk), "username": "alice",
                            "email": "alice@example.com", "name": "alice"}


@pytest.mark.django_db
def test_an_expired_token_is_refused(client, token):
    token[0].expires_at = timezone.now() - timedelta(seconds=1)
    token[0].save()
    response = client.get("/api/0/", **bearer(token[1]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Token expired."}


@pytest.mark.django_db
def test_an_inactive_users_token_is_refused(client, alice, token):
    alice.is_active = False
    alice.save()
    assert client.get("/api/0/", **bearer(token[1])).status_code == 401


@pytest.mark.django_db
def test_last_use_is_recorded_at_most_once_a_minute(client, token):
    assert token[0].date_last_used is None
    client.get("/api/0/", **bearer(token[1]))
    token[0].refresh_from_db()
    first = token[0].date_last_used
    assert first is not None
    client.get("/api/0/", **bearer(token[1]))
    token[0].refresh_from_db()
    assert token[0].date_last_used == first
    stale = first - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token[0].pk).update(date_last_used=stale)
    client.get("/api/0/", **bearer(token[1]))
    token[0].refresh_from_db()
    assert token[0].date_last_used > first
