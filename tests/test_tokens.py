"""API tokens: Sentry's user-token format, stored only as hashes, rotated by name."""

import hashlib

import pytest
from django.core.exceptions import ValidationError

from errortrack import actions, tokens


def test_a_token_is_sntryu_and_64_lowercase_hex():
    token = tokens.generate_token()
    assert token.startswith("sntryu_") and len(token) == 7 + 64
    assert set(token[7:]) <= set("0123456789abcdef")
    assert tokens.looks_like_token(token)
    assert len({tokens.generate_token() for _ in range(50)}) == 50


def test_the_hash_is_sha256_hex():
    assert tokens.hash_token("sntryu_abc") == hashlib.sha256(b"sntryu_abc").hexdigest()


@pytest.mark.parametrize("value", ["", "sntryu_", "sntrys_" + "a" * 64, "sntryu_" + "a" * 63,
                                   "sntryu_" + "A" * 64, "sntryu_" + "g" * 64,
                                   "sntryu_" + "a" * 65])
def test_it_recognises_only_the_exact_shape(value):
    assert not tokens.looks_like_token(value)


@pytest.mark.django_db
def test_only_the_hash_is_stored(alice):
    token, plaintext = actions.create_api_token(alice, "ci", ["project:read", "org:read"])
    token.refresh_from_db()
    stored = [str(getattr(token, f.attname)) for f in token._meta.concrete_fields]
    assert not any(plaintext in value or plaintext[7:] in value for value in stored)
    assert token.token_hash == tokens.hash_token(plaintext)
    assert token.token_last_characters == plaintext[-4:]


@pytest.mark.django_db
def test_scopes_are_sorted_deduplicated_and_checked(alice):
    token, _ = actions.create_api_token(alice, "ci", ["project:read", "org:read", "org:read"])
    assert token.scopes == ["org:read", "project:read"]
    with pytest.raises(ValidationError, match="Unknown scopes: root"):
        actions.create_api_token(alice, "ci", ["root"])


@pytest.mark.django_db
def test_rotation_retires_the_old_plaintext(client, alice):
    _, old = actions.create_api_token(alice, "deploy", ["org:read"])
    _, new = actions.rotate_api_token(alice, "deploy", ["org:read"])
    assert client.get("/api/0/", HTTP_AUTHORIZATION=f"Bearer {old}").status_code == 401
    assert client.get("/api/0/", HTTP_AUTHORIZATION=f"Bearer {new}").status_code == 200
    assert alice.api_tokens.filter(name="deploy").count() == 1
