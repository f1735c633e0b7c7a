"""Comments and the activity log of an issue through the API: owner, member and outsider."""

import pytest

from errortrack import actions, tokens
from errortrack.models import Activity, Issue
from tests.factories import digest_events, error_event


@pytest.fixture
def issue(web_project):
    digest_events(web_project, error_event())
    return Issue.objects.get()


@pytest.fixture
def as_user(client):
    """Calls the API with a token of `user` holding `scopes`."""
    def call(user, method: str, url: str, data=None, scopes=tokens.SCOPES):
        token = actions.create_api_token(user, "t", scopes)[1]
        kwargs = {"content_type": "application/json"} if method != "get" else {}
        return getattr(client, method)(url, data, HTTP_AUTHORIZATION=f"Bearer {token}",
                                       **kwargs)
    return call


def comments_url(issue, org: bool = True) -> str:
    return (f"/api/0/organizations/alpha/issues/{issue.pk}/comments/" if org
            else f"/api/0/issues/{issue.pk}/comments/")


@pytest.mark.django_db
def test_members_comment_and_the_activity_shows_it_with_status_changes(as_user, issue, alice,
                                                                         bob):
    posted = as_user(bob, "post", comments_url(issue), {"text": "  looking into it  "})
    assert posted.status_code == 201
    note = posted.json()
    assert note["type"] == "note" and note["data"] == {"text": "looking into it"}
    assert note["user"]["username"] == "bob" and note["dateCreated"].endswith("Z")
    as_user(alice, "put", f"/api/0/issues/{issue.pk}/", {"status": "resolved"})

    activity = as_user(alice, "get", f"/api/0/issues/{issue.pk}/activities/").json()["activity"]
    assert [entry["type"] for entry in activity] == ["set_resolved", "note"]
    detail = as_user(alice, "get", f"/api/0/issues/{issue.pk}/").json()
    assert detail["numComments"] == 1 and detail["activity"][1]["id"] == note["id"]
    listed = as_user(alice, "get", "/api/0/projects/alpha/web/issues/?query=").json()
    assert listed[0]["numComments"] == 1
    comments = as_user(alice, "get", comments_url(issue, org=False))
    assert [c["data"]["text"] for c in comments.json()] == ["looking into it"]
    assert comments["Link"]


@pytest.mark.django_db
def test_only_the_author_edits_or_deletes_a_comment(as_user, issue, alice, bob):
    note = actions.add_comment(issue, bob, "first try")
    url = f"{comments_url(issue)}{note.pk}/"
    assert as_user(alice, "get", url).json()["data"]["text"] == "first try"
    assert as_user(alice, "put", url, {"text": "hijacked"}).status_code == 404
    assert as_user(alice, "delete", url).status_code == 404
    edited = as_user(bob, "put", url, {"text": "second try"})
    assert edited.status_code == 200 and edited.json()["data"]["text"] == "second try"
    assert as_user(bob, "delete", url).status_code == 204
    assert not Activity.objects.filter(kind=Activity.Kind.NOTE).exists()


@pytest.mark.django_db
def test_outsiders_see_and_write_nothing(as_user, issue, alice, charlie):
    note = actions.add_comment(issue, alice, "internal")
    for method, url, data in [("get", comments_url(issue), None),
                              ("post", comments_url(issue), {"text": "hi"}),
                              ("get", f"/api/0/issues/{issue.pk}/activities/", None),
                              ("get", f"{comments_url(issue)}{note.pk}/", None),
                              ("put", f"{comments_url(issue)}{note.pk}/", {"text": "x"}),
                              ("delete", f"{comments_url(issue)}{note.pk}/", None)]:
        assert as_user(charlie, method, url, data).status_code == 404, (method, url)
    assert Activity.objects.get(kind=Activity.Kind.NOTE).data == {"text": "internal"}


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 10_001},
                                  {"text": None}, {"text": ["a"]}, [], "text"])
def test_bad_comments_get_400(as_user, issue, alice, body):
    response = as_user(alice, "post", comments_url(issue), body)
    assert response.status_code == 400 and response.json()
    assert not Activity.objects.filter(kind=Activity.Kind.NOTE).exists()


@pytest.mark.django_db
def test_writing_a_comment_needs_event_write(as_user, issue, alice):
    read_only = as_user(alice, "post", comments_url(issue), {"text": "hi"},
                        scopes=["event:read"])
    assert read_only.status_code == 403 and "event:write" in read_only.json()["detail"]
    assert as_user(alice, "get", comments_url(issue), scopes=["event:read"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("comment_id", ["999999", "abc", "9" * 30, "-1"])
def test_unknown_comment_ids_are_404(as_user, issue, alice, comment_id):
    response = as_user(alice, "put", f"{comments_url(issue)}{comment_id}/", {"text": "x"})
    assert response.status_code == 404


def notes_url(issue, org: bool = True) -> str:
    return comments_url(issue, org).replace("/comments/", "/notes/")


@pytest.mark.django_db
def test_notes_are_comments_under_sentrys_own_name(as_user, issue, bob):
    """MCP add_issue_note posts `{text}` to `…/issues/{id}/notes/` and parses the answer as an
    activity: id, type, dateCreated (a datetime), user, data (mcp: client.ts
    createIssueComment, schema.ts IssueCommentSchema)."""
    url = f"/api/0/organizations/alpha/issues/{issue.short_id_display}/notes/"
    posted = as_user(bob, "post", url, {"text": "seen in prod"})
    assert posted.status_code == 201
    note = posted.json()
    assert isinstance(note["id"], str) and note["type"] == "note"
    assert note["data"] == {"text": "seen in prod"} and note["dateCreated"].endswith("Z")
    assert note["user"]["id"] == str(bob.pk)
    assert [c["id"] for c in as_user(bob, "get", notes_url(issue, org=False)).json()] == [
        note["id"]]
    edited = as_user(bob, "put", f"{notes_url(issue)}{note['id']}/", {"text": "fixed"})
    assert edited.json()["data"]["text"] == "fixed"
    assert as_user(bob, "delete", f"{notes_url(issue)}{note['id']}/").status_code == 204


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": {"a": 1}}, {"text": "x" * 10_001},
                                  {"text": ["a"]}, [], "text", {"note": "hi"}])
def test_bad_notes_are_a_400_with_a_detail(as_user, issue, alice, body):
    response = as_user(alice, "post", notes_url(issue), body)
    assert response.status_code == 400 and response.json()["detail"]
    assert not Activity.objects.filter(kind=Activity.Kind.NOTE).exists()


@pytest.mark.django_db
def test_notes_of_another_tenant_or_without_a_scope(as_user, issue, alice, charlie):
    assert as_user(charlie, "post", notes_url(issue), {"text": "hi"}).status_code == 404
    assert as_user(charlie, "post", notes_url(issue, org=False), {"text": "hi"}
                   ).status_code == 404
    read_only = as_user(alice, "post", notes_url(issue), {"text": "hi"}, scopes=["event:read"])
    assert read_only.status_code == 403 and read_only.json()["detail"]
    assert as_user(alice, "post", "/api/0/organizations/alpha/issues/abc/notes/",
                   {"text": "hi"}).status_code == 404
    assert not Activity.objects.filter(kind=Activity.Kind.NOTE).exists()
