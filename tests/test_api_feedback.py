"""User feedback through the API: a project's reports (with the issue of each report's
event), an issue's, and reports posted as Sentry's API takes them; owner, outsider, scopes."""

import orjson
import pytest
from django.utils import timezone

from errortrack import actions
from errortrack.digest.consume import consume_inbox
from errortrack.models import InboxItem, Issue, UserReport
from tests.factories import digest_events, error_event

FEEDBACK = "/api/0/projects/alpha/web/user-feedback/"


def report_by_envelope(project, event_id: str, comments: str) -> None:
    """A report made as SDKs send them: a `user_report` item, then the digest."""
    InboxItem.objects.create(project=project, item_type="user_report", event_id=event_id,
                             headers={"envelope": {}, "item": {"type": "user_report"}},
                             payload=orjson.dumps({"event_id": event_id, "name": "Ann",
                                                   "email": "ann@example.com",
                                                   "comments": comments}))
    consume_inbox(timezone.now())


@pytest.fixture
def issue(web_project) -> Issue:
    digest_events(web_project, error_event(), error_event())
    return Issue.objects.get()


@pytest.fixture
def api(client, alice):
    token = actions.create_api_token(alice, "api", ["project:write", "event:read"])[1]

    def call(method: str, url: str, data=None, token_value: str = token, **params):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token_value}"}
        if method == "get":
            return client.get(url, params, **headers)
        return client.post(url, data, content_type="application/json", **headers)
    return call


def assert_mcp_user_report(report: dict) -> None:
    """mcp: schema.ts UserReportSchema: id, eventID, comments, dateCreated strings, name and
    email strings or null, user null or an object, event{id, eventID}."""
    for key in ("id", "eventID", "comments", "dateCreated", "name", "email"):
        assert isinstance(report[key], str), key
    assert report["user"] is None and report["dateCreated"].endswith("Z")
    assert report["event"] == {"id": report["eventID"], "eventID": report["eventID"]}


@pytest.mark.django_db
def test_a_projects_reports_with_their_issues(api, web_project, issue):
    event_id = issue.events.first().event_id
    report_by_envelope(web_project, event_id, "the pay button did nothing")
    report_by_envelope(web_project, "e" * 32, "about an event never stored")
    response = api("get", FEEDBACK)
    assert response.status_code == 200 and response["Link"]
    orphan, about_issue = response.json()  # newest first
    for report in (orphan, about_issue):
        assert_mcp_user_report(report)
    assert about_issue["eventID"] == event_id and about_issue["name"] == "Ann"
    assert about_issue["comments"] == "the pay button did nothing"
    assert about_issue["issue"]["id"] == str(issue.pk)
    assert about_issue["issue"]["shortId"] == issue.short_id_display
    assert orphan["issue"] is None


@pytest.mark.django_db
def test_an_issues_reports(api, web_project, issue):
    first, second = issue.events.order_by("pk")
    report_by_envelope(web_project, first.event_id, "one")
    report_by_envelope(web_project, second.event_id, "two")
    report_by_envelope(web_project, "e" * 32, "not this issue's")
    for url in (f"/api/0/organizations/alpha/issues/{issue.pk}/user-reports/",
                f"/api/0/organizations/alpha/issues/{issue.short_id_display}/user-reports/",
                f"/api/0/issues/{issue.pk}/user-reports/"):
        reports = api("get", url).json()
        assert [r["comments"] for r in reports] == ["two", "one"], url
        for report in reports:
            assert_mcp_user_report(report)
    assert api("get", f"/api/0/issues/{issue.pk}/").json()["userReportCount"] == 2


@pytest.mark.django_db
def test_posting_a_report(api, web_project, issue):
    event_id = issue.events.first().event_id
    dashed = f"{event_id[:8]}-{event_id[8:12]}-{event_id[12:16]}-{event_id[16:20]}-{event_id[20:]}"
    response = api("post", FEEDBACK, {"event_id": dashed.upper(), "name": " Bo ",
                                      "email": "bo@example.com", "comments": "It broke."})
    assert response.status_code == 201
    body = response.json()
    assert_mcp_user_report(body)
    assert (body["eventID"], body["name"], body["comments"]) == (event_id, "Bo", "It broke.")
    assert body["issue"]["id"] == str(issue.pk)
    stored = UserReport.objects.get()
    assert (stored.project_id, stored.event_id, stored.email) == (
        web_project.pk, event_id, "bo@example.com")
    assert [r["id"] for r in api("get", FEEDBACK).json()] == [body["id"]]


@pytest.mark.django_db
def test_a_report_about_an_event_not_stored_yet_is_kept(api):
    response = api("post", FEEDBACK, {"event_id": "a" * 32, "name": "Cy",
                                      "email": "cy@example.com", "comments": "hm"})
    assert response.status_code == 201 and response.json()["issue"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "named"), [
    ({}, "event_id"),
    ({"event_id": "a" * 32, "name": "A", "email": "a@example.com"}, "comments"),
    ({"event_id": "nothex" * 6, "name": "A", "email": "a@example.com", "comments": "x"},
     "event_id"),
    ({"event_id": "a" * 32, "name": "A", "email": "not an email", "comments": "x"}, "email"),
    ({"event_id": "a" * 32, "name": "A", "email": "a@example.com", "comments": "   "},
     "comments"),
    ({"event_id": "a" * 32, "name": "A" * 129, "email": "a@example.com", "comments": "x"},
     "name"),
    ({"event_id": "a" * 32, "name": "A", "email": "a@example.com", "comments": "x" * 4097},
     "comments"),
    ({"event_id": ["a" * 32], "name": "A", "email": "a@example.com", "comments": "x"},
     "event_id"),
    ({"event_id": "a" * 32, "name": {"x": 1}, "email": "a@example.com", "comments": "x"},
     "name"),
    ([1, 2], "dictionary"), ('"comments"', "dictionary"),
])
def test_bad_reports_are_a_400_with_a_detail(api, body, named):
    response = api("post", FEEDBACK, body)
    assert response.status_code == 400 and named in response.json()["detail"]
    assert not UserReport.objects.exists()


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_400(client, alice):
    token = actions.create_api_token(alice, "api", ["project:write"])[1]
    response = client.post(FEEDBACK, "{not json", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.django_db
def test_another_tenant_neither_reads_nor_writes_reports(api, web_project, issue, charlie):
    report_by_envelope(web_project, issue.events.first().event_id, "private")
    token = actions.create_api_token(charlie, "c", ["project:write", "event:read"])[1]
    for method, url in (("get", FEEDBACK), ("post", FEEDBACK),
                        ("get", f"/api/0/issues/{issue.pk}/user-reports/"),
                        ("get", f"/api/0/organizations/beta/issues/{issue.pk}/user-reports/")):
        response = api(method, url, {"event_id": "a" * 32, "name": "M",
                                     "email": "m@example.com", "comments": "x"},
                       token_value=token)
        assert response.status_code == 404 and b"private" not in response.content, url
    assert UserReport.objects.count() == 1
    assert api("get", "/api/0/projects/beta/web/user-feedback/", token_value=token
               ).json() == []


@pytest.mark.django_db
def test_reports_need_their_scopes(api, alice, issue):
    reader = actions.create_api_token(alice, "r", ["project:read"])[1]
    assert api("get", FEEDBACK, token_value=reader).status_code == 200
    refused = api("post", FEEDBACK, {"event_id": "a" * 32, "name": "A",
                                     "email": "a@example.com", "comments": "x"},
                  token_value=reader)
    assert refused.status_code == 403 and "project:write" in refused.json()["detail"]
    org_only = actions.create_api_token(alice, "o", ["org:read"])[1]
    assert api("get", FEEDBACK, token_value=org_only).status_code == 403
    assert api("get", f"/api/0/issues/{issue.pk}/user-reports/",
               token_value=org_only).status_code == 403
    assert not UserReport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"limit": "x"}, {"cursor": "0:-5:0"}])
def test_bad_list_parameters_are_a_400(api, params):
    response = api("get", FEEDBACK, **params)
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("issue_id", ["0", "abc", "WEB-0", "9" * 40, "%C2%B2",
                                      "WEB-99999999999999999999999"])
def test_unknown_issue_ids_have_no_reports_but_a_404(api, issue_id):
    response = api("get", f"/api/0/organizations/alpha/issues/{issue_id}/user-reports/")
    assert response.status_code == 404 and response.json()["detail"]


@pytest.mark.django_db
def test_an_unknown_project_is_a_404_for_reports(api):
    for method in ("get", "post"):
        response = api(method, "/api/0/projects/alpha/nope/user-feedback/",
                       {"event_id": "a" * 32, "name": "A", "email": "a@example.com",
                        "comments": "x"})
        assert response.status_code == 404 and response.json()["detail"]
    assert not UserReport.objects.exists()
