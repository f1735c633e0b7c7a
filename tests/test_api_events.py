"""Events and tag breakdowns through the API, in Sentry's shapes."""

from datetime import UTC, datetime

import pytest

from errortrack import actions
from errortrack.models import Issue
from tests.factories import digest_events, error_event

FIRST_EVENT = 1795435200  # 2026-11-23 12:00 UTC
# When the events are received and digested: pinned, so the digest never clamps their times
# to the clock's (it does for events more than 30 days old).
NOW = datetime(2026, 11, 23, 13, tzinfo=UTC)


@pytest.fixture
def api(client, alice):
    token = actions.create_api_token(alice, "api", ["event:read"])[1]

    def get(url: str, **params):
        return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token}")
    return get


@pytest.fixture
def issue(web_project):
    digest_events(web_project, *[error_event(
        timestamp=FIRST_EVENT + n * 60, tags={"customer": "acme" if n % 3 else "globex"},
        breadcrumbs=[{"message": "clicked pay", "category": "ui",
                      "timestamp": FIRST_EVENT - 100}],
        request={"url": "https://shop.test/pay?x=1", "method": "POST",
                 "headers": {"Accept": "*/*"}},
        user={"id": str(n % 2)}, release="shop@1") for n in range(5)], at=NOW)
    return Issue.objects.get()


@pytest.mark.django_db
def test_latest_oldest_and_neighbours(api, issue):
    events = list(issue.events.order_by("timestamp"))
    latest = api(f"/api/0/issues/{issue.pk}/events/latest/").json()
    assert latest["eventID"] == events[-1].event_id and latest["nextEventID"] is None
    assert latest["previousEventID"] == events[-2].event_id
    oldest = api(f"/api/0/organizations/alpha/issues/{issue.pk}/events/oldest/").json()
    assert oldest["id"] == events[0].event_id and oldest["previousEventID"] is None
    middle = api(f"/api/0/issues/{issue.pk}/events/{events[2].event_id}/").json()
    assert (middle["previousEventID"], middle["nextEventID"]) == (events[1].event_id,
                                                                 events[3].event_id)
    assert middle["groupID"] == str(issue.pk) and middle["dateCreated"].endswith("Z")


@pytest.mark.django_db
def test_the_event_has_sentrys_entries(api, issue):
    event = api(f"/api/0/issues/{issue.pk}/events/latest/").json()
    entries = {entry["type"]: entry["data"] for entry in event["entries"]}
    [exception] = entries["exception"]["values"]
    [frame] = exception["stacktrace"]["frames"]
    assert exception["type"] == "KeyError" and frame["inApp"] is True
    assert frame["lineNo"] == 42 and frame["context"] == [[41, "def checkout():"],
                                                          [42, "raise KeyError()"], [43, ""]]
    assert frame["vars"] == {"cart": "{}"}
    assert entries["breadcrumbs"]["values"][0]["message"] == "clicked pay"
    assert entries["request"]["url"] == "https://shop.test/pay"
    assert entries["request"]["query"] == [["x", "1"]]
    assert {"key": "customer", "value": "acme"} in event["tags"]
    assert event["release"] == {"version": "shop@1"} and event["title"] == "KeyError: 'sku'"
    assert event["user"] == {"id": "0"}


@pytest.mark.django_db
def test_the_event_list_pages_newest_first(api, issue):
    response = api(f"/api/0/issues/{issue.pk}/events/", limit=2)
    assert len(response.json()) == 2 and 'rel="next"; results="true"' in response["Link"]
    full = api(f"/api/0/issues/{issue.pk}/events/", full="true").json()
    assert len(full) == 5 and "entries" in full[0]
    assert full[0]["dateCreated"] > full[-1]["dateCreated"]


@pytest.mark.django_db
def test_a_project_event_by_id_dashed_or_not(api, issue):
    event_id = issue.events.first().event_id
    dashed = f"{event_id[:8]}-{event_id[8:12]}-{event_id[12:16]}-{event_id[16:20]}-{event_id[20:]}"
    for ident in (event_id, dashed):
        assert api(f"/api/0/projects/alpha/web/events/{ident}/").json()["id"] == event_id
    assert api("/api/0/projects/alpha/web/events/" + "0" * 32 + "/").status_code == 404


@pytest.mark.django_db
def test_tag_breakdown(api, issue):
    tags = {tag["key"]: tag for tag in api(f"/api/0/issues/{issue.pk}/tags/").json()}
    assert tags["customer"]["totalValues"] == 5
    assert [(v["value"], v["count"]) for v in tags["customer"]["topValues"]] == [
        ("acme", 3), ("globex", 2)]
    values = api(f"/api/0/issues/{issue.pk}/tags/user/values/").json()
    assert sorted((v["value"], v["count"]) for v in values) == [("id:0", 3), ("id:1", 2)]
    assert api(f"/api/0/issues/{issue.pk}/tags/customer/").json()["totalValues"] == 5
    assert api(f"/api/0/issues/{issue.pk}/tags/nope/").status_code == 404
