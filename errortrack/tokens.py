"""API tokens: generated like Sentry's user tokens, stored only as SHA-256 hashes."""

import hashlib
import secrets

# sentry-cli recognises this prefix as a user auth token.
TOKEN_PREFIX = "sntryu_"  # noqa: S105 (a prefix, not a secret)

# Scopes we grant, named as Sentry names them.
SCOPES = (
    "org:read", "org:write", "org:admin",
    "project:read", "project:write", "project:admin", "project:releases",
    "team:read", "team:write", "team:admin",
    "member:read", "member:write", "member:admin",
    "event:read", "event:write", "event:admin",
)


def generate_token() -> str:
    """Return a new token: `sntryu_` followed by 64 lowercase hex characters."""
    return TOKEN_PREFIX + secrets.token_hex(32)


def hash_token(token: str) -> str:
    """Return the hex SHA-256 under which `token` is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(value: str) -> bool:
    """True when `value` has our token's shape; lets auth reject junk before a DB lookup."""
    body = value[len(TOKEN_PREFIX):]
    return (value.startswith(TOKEN_PREFIX) and len(body) == 64
            and all(c in "0123456789abcdef" for c in body))
