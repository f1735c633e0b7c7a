"""Where an SDK puts its DSN key, in every form Sentry accepts.

`X-Sentry-Auth: Sentry sentry_key=…, sentry_version=7`, `Authorization: Sentry …`, a query string
with `sentry_key` (the JavaScript SDKs, to avoid a CORS preflight), and the envelope header's
`dsn` (the `tunnel` option). Relay refuses two sources at once; we accept several when they name
the same key and refuse them (401) when they disagree.
"""

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from errortrack.compat.errors import RequestRejected

_KEY = re.compile(r"^[0-9a-f]{32}$")


class AuthError(RequestRejected):
    """Authentication failed."""

    status = 401


def parse_sentry_auth(value: str) -> dict[str, str]:
    """`Sentry k=v, k=v` (the `Sentry ` prefix is optional and case-insensitive) → {k: v}."""
    value = value.strip()
    if value[:7].lower() == "sentry ":
        value = value[7:]
    pairs = {}
    for part in value.split(","):
        name, sep, val = part.strip().partition("=")
        if sep and name.strip():
            pairs[name.strip().lower()] = val.strip()
    return pairs


def key_from_dsn(dsn: str) -> str | None:
    try:
        return urlsplit(dsn).username
    except ValueError:
        return None


def _checked(key: str | None, where: str) -> str:
    if not key:
        raise AuthError(f"{where} has no sentry_key")
    key = key.strip().lower()
    if not _KEY.match(key):
        raise AuthError(f"{where}: sentry_key must be 32 hexadecimal characters", status=400)
    return key


def request_key(headers: Mapping[str, str], query: Mapping[str, list[str]]) -> str | None:
    """The key named by the request's headers or query string; None if neither names one.

    `headers` has lowercase names. Raises AuthError when sources are malformed or disagree.
    """
    found: list[tuple[str, str | None]] = []
    if "x-sentry-auth" in headers:
        found.append(("X-Sentry-Auth",
                      parse_sentry_auth(headers["x-sentry-auth"]).get("sentry_key")))
    authorization = headers.get("authorization", "")
    if authorization[:7].lower() == "sentry ":
        found.append(("Authorization", parse_sentry_auth(authorization).get("sentry_key")))
    if any(name.startswith("sentry_") for name in query):
        named = query.get("sentry_key") or []
        found.append(("query string", named[0] if named else None))
    keys = {_checked(key, where) for where, key in found}
    if len(keys) > 1:
        raise AuthError("the request names different keys in "
                        + " and ".join(where for where, _ in found))
    return keys.pop() if keys else None


def resolve_key(from_request: str | None, envelope_dsn: object) -> str:
    """Combine the request's key with the envelope header's `dsn`; the two must agree."""
    from_dsn = None
    if envelope_dsn is not None:
        if not isinstance(envelope_dsn, str):
            raise AuthError("envelope header dsn must be a string", status=400)
        from_dsn = _checked(key_from_dsn(envelope_dsn), "envelope header dsn")
    if from_request and from_dsn and from_request != from_dsn:
        raise AuthError("the envelope header's dsn names another key than the request")
    key = from_request or from_dsn
    if key is None:
        raise AuthError("missing authentication: send X-Sentry-Auth, a sentry_key query "
                        "parameter, or a dsn in the envelope header")
    return key
