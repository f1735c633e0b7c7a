"""errortrack/outbound.py: notifications reach public addresses and explicitly allowed receivers
only, never follow redirects, and give up after the timeout."""

import pytest

from errortrack import outbound
from tests.receivers import HttpReceiver


@pytest.fixture
def nothing_allowed(settings):
    settings.ERRORTRACK_OUTBOUND_ALLOWLIST = []


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook",
    "http://localhost:9/hook",  # a name that resolves to loopback
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://[::1]:9/hook",
    "http://0.0.0.0:9/hook",
    "http://224.0.0.1/hook",
])
def test_private_loopback_and_link_local_targets_are_refused(nothing_allowed, url):
    with pytest.raises(outbound.OutboundRefused):
        outbound.post(url, b"{}", {})


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http:///nohost",
                                 "http://user:secret@example.com/hook"])
def test_other_schemes_and_credentials_are_refused(nothing_allowed, url):
    with pytest.raises(outbound.OutboundRefused):
        outbound.post(url, b"{}", {})


def test_an_allowed_receiver_gets_the_post_with_its_host_header(settings):
    with HttpReceiver() as receiver:
        settings.ERRORTRACK_OUTBOUND_ALLOWLIST = ["127.0.0.1/32"]
        response = outbound.post(receiver.url("/hook?x=1"), b'{"a": 1}',
                                 {"Content-Type": "application/json"})
        assert response.status == 200
        [request] = receiver.requests
        assert request.path == "/hook?x=1" and request.body == b'{"a": 1}'
        assert request.headers["Host"] == f"127.0.0.1:{receiver.port}"
        # Allowing one network does not open the others.
        with pytest.raises(outbound.OutboundRefused):
            outbound.post("http://10.0.0.1/hook", b"{}", {})


def test_an_allowed_host_name_is_allowed_by_name(settings):
    with HttpReceiver() as receiver:
        settings.ERRORTRACK_OUTBOUND_ALLOWLIST = ["localhost"]
        assert outbound.post(f"http://localhost:{receiver.port}/", b"{}", {}).status == 200


def test_redirects_are_not_followed(settings):
    with HttpReceiver() as target, HttpReceiver() as redirector:
        settings.ERRORTRACK_OUTBOUND_ALLOWLIST = ["127.0.0.1"]
        redirector.script = [(302, {"Location": target.url()}, 0)]
        assert outbound.post(redirector.url(), b"{}", {}).status == 302
        assert target.requests == []


def test_a_slow_receiver_times_out(settings):
    with HttpReceiver() as receiver:
        settings.ERRORTRACK_OUTBOUND_ALLOWLIST = ["127.0.0.1"]
        receiver.script = [(200, {}, 2.0)]
        with pytest.raises(OSError):
            outbound.post(receiver.url(), b"{}", {}, timeout=0.3)


def test_a_get_probe_goes_through_the_same_checks(settings):
    with HttpReceiver() as receiver:
        settings.ERRORTRACK_OUTBOUND_ALLOWLIST = ["127.0.0.1"]
        response = outbound.request("GET", receiver.url("/status?full=1"))
        assert (response.status, response.body) == (200, b"ok")
        assert receiver.requests[0].path == "/status?full=1"
        settings.ERRORTRACK_OUTBOUND_ALLOWLIST = []
        with pytest.raises(outbound.OutboundRefused):
            outbound.request("GET", receiver.url())
