"""`GET /api/0/organizations/{org}/events-stats/`: aggregates per time bucket, as Grafana's
Sentry datasource charts them (PROTOCOL.md §12.4, §12.6) [graf: pkg/sentry/events_stats.go,
pkg/framer/framer.go `ExtractDataSets`: it reads the first element's `count` and walks every
object-valued key looking for an array `data`]."""

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from errortrack import actions
from tests.factories import PINNED_NOW, digest_events, error_event

URL = "/api/0/organizations/alpha/events-stats/"
HOUR = 3600
TEN = int(datetime(2026, 3, 4, 10, tzinfo=UTC).timestamp())
# Grafana sends RFC 3339 for events-stats.
RANGE = {"start": "2026-03-04T10:00:00Z", "end": "2026-03-04T12:00:00Z"}


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def at(hour: int, minute: int) -> float:
    return datetime(2026, 3, 4, hour, minute, tzinfo=UTC).timestamp()


@pytest.fixture
def token(alice):
    return actions.create_api_token(alice, "stats", ["event:read"])[1]


@pytest.fixture
def world(web_project):
    """Three errors 10:05-10:50 (users ann, ann, bo), a warning at 11:10, an info at 11:15 and
    an error at 12:30 (outside the range), all on 2026-03-04."""
    digest_events(web_project,
                  error_event(timestamp=at(10, 5), user={"id": "ann"}),
                  error_event(timestamp=at(10, 20), user={"id": "ann"}),
                  error_event("TypeError", timestamp=at(10, 50), user={"id": "bo"}),
                  error_event("OSError", level="warning", timestamp=at(11, 10)),
                  {"message": "disk almost full", "level": "info", "timestamp": at(11, 15)},
                  error_event(timestamp=at(12, 30)), at=PINNED_NOW)
    return web_project


def get(client, token, **params):
    return client.get(f"{URL}?{urlencode(params, doseq=True)}", **bearer(token))


def stats(client, token, **params) -> dict:
    response = get(client, token, **params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_one_series_of_counts_in_exact_buckets(client, token, world):
    body = stats(client, token, **RANGE, interval="1h", yAxis="count()", partial="1",
                 excludeOther="1")
    # [[unix seconds, [{"count": n}]], …]: the first element's count is what Grafana reads.
    assert body["data"] == [[TEN, [{"count": 3}]], [TEN + HOUR, [{"count": 2}]]]
    assert body["start"] == TEN and body["end"] == TEN + 2 * HOUR
    assert all(isinstance(point[0], int) and isinstance(point[1][0]["count"], int)
               for point in body["data"])


@pytest.mark.django_db
def test_empty_buckets_are_zero_and_the_query_narrows(client, token, world):
    body = stats(client, token, **RANGE, interval="30m", query="level:error")
    assert [point[1][0]["count"] for point in body["data"]] == [2, 1, 0, 0]
    assert [point[0] for point in body["data"]] == [TEN + n * 1800 for n in range(4)]


@pytest.mark.django_db
def test_several_y_axes_are_one_object_each_with_its_order(client, token, world):
    body = stats(client, token, **RANGE, interval="1h",
                 yAxis=["count()", "count_unique(user)"])
    assert set(body) == {"count()", "count_unique(user)"}
    assert body["count()"]["order"] == 0 and body["count_unique(user)"]["order"] == 1
    assert body["count_unique(user)"]["data"] == [[TEN, [{"count": 2}]],
                                                  [TEN + HOUR, [{"count": 0}]]]


@pytest.mark.django_db
def test_top_events_chart_the_largest_groups_and_the_rest(client, token, world):
    body = stats(client, token, **RANGE, interval="1h", topEvents="1",
                 field=["level", "count()"], yAxis="count()")
    assert body["error"]["order"] == 0
    assert body["error"]["data"] == [[TEN, [{"count": 3}]], [TEN + HOUR, [{"count": 0}]]]
    assert body["Other"]["order"] == 1
    assert body["Other"]["data"] == [[TEN, [{"count": 0}]], [TEN + HOUR, [{"count": 2}]]]
    alone = stats(client, token, **RANGE, interval="1h", topEvents="1", excludeOther="1",
                  field=["level", "count()"], yAxis="count()")
    assert set(alone) == {"error"}
    nested = stats(client, token, **RANGE, interval="1h", topEvents="5",
                   field=["level", "user.id"], yAxis=["count()", "count_unique(user)"])
    assert nested["error,ann"]["count()"]["data"][0] == [TEN, [{"count": 2}]]
    assert nested["error,ann"]["order"] == 0 and "Other" not in nested
    assert nested["warning,"]["count_unique(user)"]["data"][1] == [TEN + HOUR, [{"count": 0}]]


@pytest.mark.django_db
def test_default_range_and_interval(client, token, world):
    body = stats(client, token)  # 14 days back from now, hourly: 336 or 337 buckets
    assert 336 <= len(body["data"]) <= 337 and body["data"][1][0] - body["data"][0][0] == HOUR


@pytest.mark.django_db
@pytest.mark.parametrize("params, says", [
    ({**RANGE, "interval": "1s", "start": "2026-01-01T00:00:00Z"}, "buckets"),
    ({**RANGE, "interval": "0s"}, "interval"),
    ({**RANGE, "interval": "fast"}, "interval"),
    ({**RANGE, "interval": "-5m"}, "interval"),
    ({**RANGE, "topEvents": "11", "field": "level"}, "topEvents"),
    ({**RANGE, "topEvents": "x", "field": "level"}, "topEvents"),
    ({**RANGE, "topEvents": "3"}, "group"),
    ({**RANGE, "yAxis": "title"}, "aggregate"),
    ({**RANGE, "yAxis": "p99(nothing)"}, "p99"),
    ({**RANGE, "query": "a OR b"}, "OR"),
    ({**RANGE, "dataset": "logs"}, "logs"),
    ({**RANGE, "project": "abc"}, "project"),
    ({"start": "yesterday", "end": "today"}, "start"),
    ({**RANGE, "yAxis": "count()\x00"}, "NUL"),
])
def test_hostile_input_is_a_4xx_with_a_detail(client, token, world, params, says):
    response = get(client, token, **params)
    assert response.status_code == 400, response.content
    assert says in response.json()["detail"]


@pytest.mark.django_db
def test_other_tenants_and_missing_scopes(client, token, alice, world, charlie, charlie_token):
    beta_project = charlie.memberships.get().organization.projects.get()
    response = get(client, token, **RANGE, project=beta_project.pk)
    assert response.status_code == 404 and response.json()["detail"]
    assert get(client, charlie_token, **RANGE).status_code == 404
    weak = actions.create_api_token(alice, "weak", ["org:read"])[1]
    assert get(client, weak, **RANGE).status_code == 403
