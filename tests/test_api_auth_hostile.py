"""Malformed, oversized and hostile Authorization headers get 401 with a detail, never a 500."""

import pytest

from errortrack import tokens


@pytest.mark.django_db
@pytest.mark.parametrize("header", [
    "Bearer",
    "Bearer ",
    "Bearer a b",
    "Bearer sntryu_",
    "Bearer " + tokens.TOKEN_PREFIX + "g" * 64,
    "Bearer " + tokens.TOKEN_PREFIX + "A" * 64,
    "Bearer " + "x" * 100_000,
    "Bearer ' OR 1=1 --",
    # UTF-8 bytes as the ASGI handler hands them to Django: decoded as latin-1.
    "Bearer " + "\u00e9\u4e2d".encode().decode("latin-1"),
    "Bearer \x00\x01",
])
def test_a_bad_bearer_header_is_401_with_a_detail(client, header):
    response = client.get("/api/0/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Token abc", "Sentry sentry_key=abc"])
def test_another_scheme_is_treated_as_anonymous(client, header):
    response = client.get("/api/0/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 200
    assert response.json()["auth"] is None
