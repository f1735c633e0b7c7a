"""Event attachments through the API: an event's list, one attachment's JSON and its bytes
served as a download, and an issue's attachments; owner, outsider and missing scopes."""

import hashlib

import pytest
from django.utils import timezone

from errortrack import actions
from errortrack.digest.consume import consume_inbox
from errortrack.models import EventAttachment, InboxItem, Issue
from tests.factories import digest_events, error_event


def attach(project, event_id: str, filename: str, payload: bytes,
           content_type: str = "text/plain", kind: str = "event.attachment") -> EventAttachment:
    """An attachment made as every one is: an inbox item, then the digest."""
    InboxItem.objects.create(
        project=project, item_type="attachment", event_id=event_id, payload=payload,
        headers={"envelope": {"event_id": event_id},
                 "item": {"type": "attachment", "filename": filename,
                          "content_type": content_type, "attachment_type": kind}})
    consume_inbox(timezone.now())
    return EventAttachment.objects.filter(event_id=event_id).latest("pk")


@pytest.fixture
def issue(web_project) -> Issue:
    digest_events(web_project, error_event(), error_event())
    return Issue.objects.get()


@pytest.fixture
def event_id(issue) -> str:
    return issue.events.order_by("pk").first().event_id


@pytest.fixture
def api(client, alice):
    token = actions.create_api_token(alice, "api", ["event:read"])[1]

    def get(url: str, token_value: str = token, accept: str = "application/json", **params):
        return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token_value}",
                          HTTP_ACCEPT=accept)
    return get


def event_url(event_id: str, tail: str = "") -> str:
    return f"/api/0/projects/alpha/web/events/{event_id}/attachments/{tail}"


@pytest.mark.django_db
def test_an_events_attachments_as_mcp_parses_them(api, web_project, event_id):
    """mcp: schema.ts EventAttachmentSchema: id, name, type, mimetype, sha1 strings, size a
    number, dateCreated a datetime, headers a map of strings."""
    log = attach(web_project, event_id, "app.log", b"line 1\nline 2\n")
    dump = attach(web_project, event_id, "crash.dmp", b"MDMP\x00\x01", "application/x-dmp",
                  "event.minidump")
    response = api(event_url(event_id))
    assert response.status_code == 200 and response["Link"]
    listed = {item["id"]: item for item in response.json()}
    assert set(listed) == {str(log.pk), str(dump.pk)}
    item = listed[str(log.pk)]
    assert (item["name"], item["type"], item["size"], item["mimetype"]) == (
        "app.log", "event.attachment", 14, "text/plain")
    assert item["sha1"] == hashlib.sha1(b"line 1\nline 2\n", usedforsecurity=False).hexdigest()
    assert item["headers"] == {"Content-Type": "text/plain"}
    assert item["dateCreated"].endswith("Z") and item["event_id"] == event_id
    assert listed[str(dump.pk)]["type"] == "event.minidump"
    one = api(event_url(event_id, f"{log.pk}/")).json()
    assert one == item


@pytest.mark.django_db
def test_a_download_is_the_bytes_served_as_a_download(api, web_project, event_id):
    payload = bytes(range(256)) * 4
    item = attach(web_project, event_id, "blob.bin", payload, "application/octet-stream")
    response = api(event_url(event_id, f"{item.pk}/"), download="1")
    assert response.status_code == 200 and response.content == payload
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="blob.bin"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_html_is_never_rendered_inline(api, web_project, event_id):
    page = attach(web_project, event_id, "page.html", b"<script>alert(1)</script>",
                  "text/html")
    response = api(event_url(event_id, f"{page.pk}/"), download="1", accept="text/html")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(("content_type", "served"), [
    ("text/plain; charset=utf-8", "text/plain"), ("", "application/octet-stream"),
    ("text/html\r\nX-Evil: 1", "application/octet-stream"),
    ("nonsense", "application/octet-stream"),
    ("image/svg+xml", "image/svg+xml"),
])
def test_the_content_type_served_is_a_plain_media_type(api, web_project, event_id,
                                                        content_type, served):
    item = attach(web_project, event_id, "f", b"x", content_type)
    response = api(event_url(event_id, f"{item.pk}/"), download="1",
                   accept="application/octet-stream")
    assert response.status_code == 200 and response["Content-Type"] == served
    assert "X-Evil" not in response


@pytest.mark.django_db
@pytest.mark.parametrize(("filename", "disposition"), [
    ('say "hi".txt', 'attachment; filename="say \\"hi\\".txt"'),
    ("résumé.pdf", "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf"),
    ("a\r\nSet-Cookie: x=1", "attachment; filename*=utf-8''a%0D%0ASet-Cookie%3A%20x%3D1"),
])
def test_odd_filenames_stay_inside_the_disposition(api, web_project, event_id, filename,
                                                   disposition):
    item = attach(web_project, event_id, filename, b"x")
    response = api(event_url(event_id, f"{item.pk}/"), download="1")
    assert response["Content-Disposition"] == disposition
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_an_issues_attachments_and_their_types(api, web_project, issue):
    first, second = issue.events.order_by("pk")
    log = attach(web_project, first.event_id, "a.log", b"a")
    dump = attach(web_project, second.event_id, "b.dmp", b"b", kind="event.minidump")
    attach(web_project, "f" * 32, "orphan.log", b"c")  # no such event: not the issue's
    for url in (f"/api/0/organizations/alpha/issues/{issue.pk}/attachments/",
                f"/api/0/organizations/alpha/issues/{issue.short_id_display}/attachments/",
                f"/api/0/issues/{issue.pk}/attachments/"):
        assert [a["id"] for a in api(url).json()] == [str(dump.pk), str(log.pk)], url
    minidumps = api(f"/api/0/issues/{issue.pk}/attachments/", types="event.minidump").json()
    assert [a["id"] for a in minidumps] == [str(dump.pk)]


@pytest.mark.django_db
def test_ids_of_nothing_or_of_another_event_are_404(api, web_project, issue):
    first, second = issue.events.order_by("pk")
    item = attach(web_project, first.event_id, "a.log", b"a")
    for url in (event_url(second.event_id, f"{item.pk}/"), event_url(first.event_id, "0/"),
                event_url(first.event_id, "abc/"), event_url(first.event_id, "9" * 40 + "/"),
                event_url("not-an-event"), event_url("0" * 32),
                "/api/0/projects/alpha/nope/events/" + first.event_id + "/attachments/",
                "/api/0/issues/999999/attachments/"):
        response = api(url, download="1")
        assert response.status_code == 404 and response.json()["detail"], url


@pytest.mark.django_db
def test_another_tenant_sees_no_attachment(api, web_project, issue, charlie):
    event_id = issue.events.first().event_id
    item = attach(web_project, event_id, "secret.txt", b"secret")
    token = actions.create_api_token(charlie, "c", ["event:read"])[1]
    for url in (event_url(event_id), event_url(event_id, f"{item.pk}/"),
                f"/api/0/issues/{issue.pk}/attachments/",
                f"/api/0/projects/beta/web/events/{event_id}/attachments/{item.pk}/"):
        response = api(url, token_value=token, download="1")
        assert response.status_code == 404 and b"secret" not in response.content, url


@pytest.mark.django_db
def test_attachments_need_event_read(api, web_project, issue, alice):
    event_id = issue.events.first().event_id
    item = attach(web_project, event_id, "a.log", b"a")
    token = actions.create_api_token(alice, "o", ["org:read", "project:read"])[1]
    for url in (event_url(event_id), event_url(event_id, f"{item.pk}/"),
                f"/api/0/issues/{issue.pk}/attachments/"):
        response = api(url, token_value=token, download="1")
        assert response.status_code == 403 and "event:read" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"limit": "x"}, {"cursor": "nope"}])
def test_bad_list_parameters_are_a_400(api, issue, params):
    response = api(event_url(issue.events.first().event_id), **params)
    assert response.status_code == 400 and response.json()["detail"]
