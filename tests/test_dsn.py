"""DSNs as the real sentry-sdk parses them."""

import pytest
import sentry_sdk
from sentry_sdk.utils import Dsn

from errortrack.compat.dsn import build_dsn, envelope_url

KEY = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("base_url, host, port, scheme, envelope", [
    ("http://127.0.0.1:8000", "127.0.0.1", 8000, "http",
     "http://127.0.0.1:8000/api/42/envelope/"),
    ("https://errors.example.com", "errors.example.com", 443, "https",
     "https://errors.example.com/api/42/envelope/"),
    ("http://errors.example.com", "errors.example.com", 80, "http",
     "http://errors.example.com/api/42/envelope/"),
    ("https://errors.example.com:8443", "errors.example.com", 8443, "https",
     "https://errors.example.com:8443/api/42/envelope/"),
    ("https://example.com/sentry/", "example.com", 443, "https",
     "https://example.com/sentry/api/42/envelope/"),
])
def test_the_sdk_parses_it_and_posts_where_we_listen(base_url, host, port, scheme, envelope):
    dsn = Dsn(build_dsn(base_url, KEY, 42))
    assert (dsn.public_key, dsn.project_id, dsn.scheme, dsn.port) == (KEY, "42", scheme, port)
    assert dsn.host.strip("[]") == host
    assert str(dsn.to_auth().get_api_url()) == envelope
    assert envelope_url(base_url, 42) == envelope


def test_an_ipv6_literal_keeps_its_brackets():
    # sentry-python drops these brackets when it builds its post URL, so the README tells
    # people to use a host name in BASE_URL; our DSN itself stays a valid URL the SDK parses.
    assert build_dsn("http://[::1]:9000", KEY, 7) == f"http://{KEY}@[::1]:9000/7"
    dsn = Dsn(build_dsn("http://[::1]:9000", KEY, 7))
    assert (dsn.public_key, dsn.project_id, dsn.host, dsn.port) == (KEY, "7", "::1", 9000)


def test_it_leaves_out_the_deprecated_secret():
    assert build_dsn("http://h:1", KEY, 1) == f"http://{KEY}@h:1/1"


@pytest.mark.django_db
def test_a_key_dsn_uses_base_url_and_its_project(settings, web_project):
    settings.BASE_URL = "https://errors.example.com"
    key = web_project.keys.get()
    assert key.dsn == f"https://{key.public_key}@errors.example.com/{web_project.pk}"
    client = sentry_sdk.Client(key.dsn)
    assert client.dsn == key.dsn
    client.close()
