"""Rate limits: dropped events are never stored; SDKs are told in Sentry's header format."""

import re
import secrets

import pytest
import requests

from errortrack import actions
from errortrack.ingest.keys import KeyInfo
from errortrack.ingest.quotas import Limited, grant, rate_limits_header
from errortrack.models import Event, InboxItem
from tests.waiting import wait_for_events

ENVELOPE = b'{}\n{"type":"event"}\n{"message":"limited?"}'


def test_a_key_limit_drops_events_past_it_with_429_and_retry_after(
        errortrack_server, transactional_db, web_project):
    key = actions.create_project_key(web_project, "limited", rate_limit_count=2,
                                     rate_limit_window_seconds=60)
    url = f"{errortrack_server.url}/api/{web_project.pk}/envelope/"
    responses = [requests.post(url, data=ENVELOPE, params={"sentry_key": key.public_key,
                                                           "sentry_version": "7"}, timeout=10)
                 for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    limited = responses[2]
    assert re.fullmatch(r"\d+:error:key", limited.headers["x-sentry-rate-limits"])
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json() == {"detail": "rate limited"}
    assert "x-sentry-rate-limits" not in responses[0].headers
    wait_for_events(2, project=web_project)
    assert Event.objects.count() == 2 and InboxItem.objects.count() == 0


def key_info(count: int = 0, project_id: int | None = None) -> KeyInfo:
    """Fresh identifiers: in scale-out the counters live in Redis and outlast a test run."""
    return KeyInfo(secrets.token_hex(16), project_id or secrets.randbelow(10**12), True,
                   count, 60)


def take_one(key: KeyInfo) -> Limited | None:
    return grant([(key, 1)])[0][1]


def test_the_project_limit_applies_across_its_keys(settings):
    settings.ERRORTRACK_PROJECT_RATE_LIMIT = 3
    project_id = secrets.randbelow(10**12)
    first, second = key_info(project_id=project_id), key_info(project_id=project_id)
    results = [take_one(first), take_one(second), take_one(first), take_one(second)]
    assert results[:3] == [None, None, None]
    assert results[3].scope == "project" and results[3].categories == "error"
    assert take_one(key_info()) is None  # another project


def test_no_limits_means_nothing_is_dropped(settings):
    settings.ERRORTRACK_PROJECT_RATE_LIMIT = 0
    info = key_info()
    assert grant([(info, 50)] * 3) == [(50, None)] * 3


def test_one_grant_serves_requests_in_order_until_the_limit(settings):
    settings.ERRORTRACK_PROJECT_RATE_LIMIT = 0
    info = key_info(count=5)
    (first, none), (second, refusal), (third, again) = grant([(info, 3), (info, 3), (info, 1)])
    assert (first, none) == (3, None)
    assert second == 2 and refusal.scope == "key" and 1 <= refusal.retry_after <= 60
    assert third == 0 and again.scope == "key"
    assert grant([(info, 1)])[0][0] == 0  # the window stays spent


def test_the_tighter_of_key_and_project_limits_decides(settings):
    settings.ERRORTRACK_PROJECT_RATE_LIMIT = 4
    project_id = secrets.randbelow(10**12)
    loose, tight = key_info(count=100, project_id=project_id), key_info(count=1,
                                                                        project_id=project_id)
    (tight_allowed, tight_refusal), (loose_allowed, loose_refusal) = grant([(tight, 2),
                                                                            (loose, 5)])
    assert (tight_allowed, tight_refusal.scope) == (1, "key")
    assert (loose_allowed, loose_refusal.scope) == (3, "project")


def test_requests_without_error_events_touch_no_counter(settings):
    settings.ERRORTRACK_PROJECT_RATE_LIMIT = 1
    info = key_info(count=1)
    assert grant([(info, 0), (info, 0)]) == [(0, None), (0, None)]
    assert grant([(info, 1)]) == [(1, None)]


@pytest.mark.parametrize("entries, header", [
    ([Limited(60, "error", "key")], "60:error:key"),
    ([Limited(10, "error", "key"), Limited(40, "error", "key")], "40:error:key"),
    ([Limited(5, "error", "key"), Limited(30, "error", "project")],
     "5:error:key, 30:error:project"),
])
def test_the_header_keeps_the_longest_back_off_per_scope(entries, header):
    assert rate_limits_header(entries) == header
