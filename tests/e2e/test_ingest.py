"""Events from the real sentry-sdk reach storage through the real server, in every encoding;
bad requests get a 4xx with a detail, store nothing, and leave the server healthy."""

import base64
import gzip
import uuid
import zlib

import pytest
import requests
import sentry_sdk

from errortrack import actions
from errortrack.compat.dsn import build_dsn
from errortrack.models import Event, InboxItem
from tests.sdk import raise_and_capture, send_with_sdk
from tests.waiting import wait_for_events


@pytest.fixture
def project(transactional_db, alice, web_project):
    return web_project


@pytest.fixture
def dsn(errortrack_server, project):
    return build_dsn(errortrack_server.url, project.keys.get().public_key, project.pk)


def test_an_exception_sent_with_brotli_is_stored(dsn, project):
    send_with_sdk(dsn, raise_and_capture)  # brotli is installed, so the SDK sends br
    [event] = wait_for_events(1, project=project)
    assert event.data["exception"]["values"][-1]["type"] == "KeyError"


def test_a_message_sent_with_gzip_is_stored(dsn, project):
    send_with_sdk(dsn, lambda: sentry_sdk.capture_message("hello gzip"),
                  _experiments={"transport_compression_algo": "gzip"})
    [event] = wait_for_events(1, project=project)
    assert event.data["message"] == "hello gzip"


def test_an_uncompressed_envelope_gets_its_event_id_back(errortrack_server, dsn, project):
    key = project.keys.get().public_key
    event_id = uuid.uuid4().hex
    body = (b'{"event_id":"%s"}\n{"type":"event"}\n{"message":"plain","platform":"node"}'
            % event_id.encode())
    response = requests.post(f"{errortrack_server.url}/api/{project.pk}/envelope/",
                             params={"sentry_key": key, "sentry_version": "7"}, data=body,
                             headers={"Content-Type": "text/plain;charset=UTF-8"}, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"id": event_id}
    # A length, not a chunked body: cheaper for every SDK's HTTP client.
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers["access-control-allow-origin"] == "*"
    wait_for_events(1, project=project, event_id=event_id)


def test_the_legacy_store_endpoint_takes_json_and_base64_zlib(errortrack_server, dsn, project):
    key = project.keys.get().public_key
    url = f"{errortrack_server.url}/api/{project.pk}/store/"
    auth = {"X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7"}
    plain = requests.post(url, data=b'{"message":"legacy"}', headers=auth, timeout=10)
    packed = requests.post(url, headers=auth, timeout=10,
                           data=base64.b64encode(zlib.compress(b'{"message":"b64"}')))
    assert plain.status_code == packed.status_code == 200
    wait_for_events(2, project=project)


def test_the_store_image_beacon_stores_the_event_and_answers_a_gif(errortrack_server, dsn,
                                                                    project):
    url = f"{errortrack_server.url}/api/{project.pk}/store/"
    auth = {"sentry_key": project.keys.get().public_key, "sentry_version": "7"}
    pixel = requests.get(url, params={**auth, "sentry_data": '{"message":"from a beacon"}'},
                         timeout=10)
    assert pixel.status_code == 200 and pixel.headers["content-type"] == "image/gif"
    assert pixel.content.startswith(b"GIF89a")
    [event] = wait_for_events(1, project=project)
    assert event.data["message"] == "from a beacon"
    missing = requests.get(url, params=auth, timeout=10)
    assert missing.status_code == 400 and "sentry_data" in missing.json()["detail"]
    garbled = requests.get(url, params={**auth, "sentry_data": "%%%"}, timeout=10)
    assert garbled.status_code == 400 and garbled.json()["detail"]


def post(server, project, body=b"{}\n", headers=None, key=None, **kwargs):
    key = key or project.keys.get().public_key
    auth = {"X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7"}
    return requests.post(f"{server.url}/api/{project.pk}/envelope/", data=body, timeout=30,
                         headers={**auth, **(headers or {})}, **kwargs)


def test_keys_that_are_unknown_disabled_or_of_another_project_are_refused(
        errortrack_server, dsn, project, charlie):
    assert post(errortrack_server, project, key="0" * 32).status_code == 401
    other = charlie.memberships.get().organization.projects.get().keys.get().public_key
    assert post(errortrack_server, project, key=other).status_code == 403
    disabled = actions.create_project_key(project, "off")
    actions.set_project_key_active(disabled, False)
    response = post(errortrack_server, project, key=disabled.public_key)
    assert response.status_code == 403 and response.json()["detail"] == "this DSN key is disabled"


@pytest.mark.parametrize("body, headers, status", [
    (b"garbage", {}, 400),
    (b'{}\n{"type":"event","length":99}\n{}', {}, 400),
    (b'{}\n{"type":"event"}\n{"a":"\xff"}', {}, 200),  # invalid UTF-8 payloads fail later, alone
    (gzip.compress(b"{}\n" + b" " * (101 * 1024 * 1024)), {"Content-Encoding": "gzip"}, 413),
    (b"{}\n" + b'{"type":"event"}\n{}\n' * 5000, {}, 413),
    (b"{}", {"Content-Encoding": "lzma"}, 415),
    (b"not gzip", {"Content-Encoding": "gzip"}, 400),
])
def test_hostile_bodies_get_a_4xx_with_a_detail(errortrack_server, dsn, project, body, headers,
                                                status):
    response = post(errortrack_server, project, body, headers)
    assert response.status_code == status, response.text
    if status != 200:
        assert response.json()["detail"]
        assert InboxItem.objects.count() == 0
    assert requests.get(f"{errortrack_server.url}/health/ready", timeout=10).status_code == 200


def test_a_50_mb_body_is_refused_by_its_declared_size(errortrack_server, dsn, project):
    response = post(errortrack_server, project, b"x" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert InboxItem.objects.count() == 0 and Event.objects.count() == 0


def test_preflight_and_wrong_methods(errortrack_server, dsn, project):
    url = f"{errortrack_server.url}/api/{project.pk}/envelope/"
    preflight = requests.options(url, timeout=10)
    assert preflight.status_code == 200
    assert "x-sentry-rate-limits" in preflight.headers["access-control-expose-headers"]
    assert requests.get(url, timeout=10).status_code == 405
