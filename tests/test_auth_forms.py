"""Every place an SDK may put its key, and what happens when they disagree."""

import pytest

from errortrack.compat.auth import AuthError, parse_sentry_auth, request_key, resolve_key

KEY = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"


def test_it_parses_the_python_sdk_header():
    value = f"Sentry sentry_key={KEY}, sentry_version=7, sentry_client=sentry.python/2.75.0"
    assert parse_sentry_auth(value) == {"sentry_key": KEY, "sentry_version": "7",
                                        "sentry_client": "sentry.python/2.75.0"}


@pytest.mark.parametrize("headers, query", [
    ({"x-sentry-auth": f"Sentry sentry_key={KEY}, sentry_version=7"}, {}),
    ({"x-sentry-auth": f"sentry sentry_version=7,sentry_key={KEY.upper()}"}, {}),
    ({"x-sentry-auth": f"sentry_key={KEY}"}, {}),
    ({"authorization": f"Sentry sentry_key={KEY}"}, {}),
    ({}, {"sentry_key": [KEY], "sentry_version": ["7"],
          "sentry_client": ["sentry.javascript.node/11.12.0"]}),
    ({"x-sentry-auth": f"Sentry sentry_key={KEY}"}, {"sentry_key": [KEY]}),
])
def test_each_form_yields_the_key(headers, query):
    assert request_key(headers, query) == KEY


def test_no_auth_in_the_request_is_none_and_other_schemes_are_ignored():
    assert request_key({"authorization": "Bearer abc"}, {"page": ["1"]}) is None


@pytest.mark.parametrize("headers, query, status, detail", [
    ({"x-sentry-auth": "Sentry sentry_version=7"}, {}, 401, "X-Sentry-Auth has no sentry_key"),
    ({}, {"sentry_version": ["7"]}, 401, "query string has no sentry_key"),
    ({"x-sentry-auth": "Sentry sentry_key=short"}, {}, 400, "32 hexadecimal"),
    ({"x-sentry-auth": "Sentry sentry_key=" + "z" * 32}, {}, 400, "32 hexadecimal"),
    ({"x-sentry-auth": f"Sentry sentry_key={KEY}"}, {"sentry_key": [OTHER]}, 401,
     "different keys in X-Sentry-Auth and query string"),
    ({"x-sentry-auth": f"Sentry sentry_key={KEY}",
      "authorization": f"Sentry sentry_key={OTHER}"}, {}, 401, "different keys"),
])
def test_bad_or_disagreeing_auth_is_refused(headers, query, status, detail):
    with pytest.raises(AuthError) as caught:
        request_key(headers, query)
    assert (caught.value.status, detail in caught.value.detail) == (status, True)


def test_the_envelope_dsn_authenticates_a_tunnelled_envelope():
    assert resolve_key(None, f"https://{KEY}@o1.ingest.example/42") == KEY
    assert resolve_key(KEY, f"https://{KEY}@o1.ingest.example/42") == KEY
    assert resolve_key(KEY, None) == KEY


@pytest.mark.parametrize("from_request, dsn, status", [
    (None, None, 401),
    (OTHER, f"https://{KEY}@h/1", 401),
    (None, "https://h/1", 401),
    (None, 42, 400),
    (None, "https://not-a-key@h/1", 400),
    (None, "http://[bad", 401),
])
def test_a_missing_bad_or_disagreeing_dsn_is_refused(from_request, dsn, status):
    with pytest.raises(AuthError) as caught:
        resolve_key(from_request, dsn)
    assert caught.value.status == status
