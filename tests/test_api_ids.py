"""Ids in paths and parameters: a character that is a digit but not a decimal ("²") or a
number no 64-bit column holds names nothing, and gets a 4xx or an empty answer, never a 500."""

import pytest

from errortrack import actions, tokens
from errortrack.access import object_id


@pytest.mark.parametrize(("value", "expected"), [
    ("42", 42), ("007", 7), ("²", None), ("4²", None), ("-1", None), ("", None), ("1.0", None),
    ("9" * 18, int("9" * 18)), ("9" * 19, None), (" 1", None)])
def test_object_id_reads_only_ids_a_column_holds(value, expected):
    assert object_id(value) == expected


@pytest.fixture
def auth(alice):
    token = actions.create_api_token(alice, "t", tokens.SCOPES)[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "status"), [
    ("/api/0/issues/%C2%B2/", 404),
    ("/api/0/organizations/alpha/issues/%C2%B2/comments/", 404),
    ("/api/0/organizations/alpha/issues/?limit=%C2%B2", 400),
    ("/api/0/organizations/alpha/issues/?cursor=0:%C2%B2:0", 400),
    ("/api/0/organizations/alpha/issues/?id=%C2%B2", 400),
    ("/api/0/organizations/alpha/issues/?project=99999999999999999999999", 400),
    ("/api/0/organizations/alpha/issues/?query=issue.id:%C2%B2", 200),
    ("/api/0/organizations/alpha/issues/?query=issue.id:99999999999999999999999", 200),
    ("/api/0/organizations/alpha/alert-channels/%C2%B2/", 404),
    ("/api/0/projects/alpha/web/alert-rules/99999999999999999999999/", 404),
])
def test_odd_ids_get_a_4xx_or_nothing(client, auth, web_project, url, status):
    response = client.get(url, **auth)
    assert response.status_code == status
    if status == 200:
        assert response.json() == []


@pytest.mark.django_db
def test_a_rule_naming_odd_channel_ids_is_refused(client, auth, web_project):
    response = client.post("/api/0/projects/alpha/web/alert-rules/",
                           {"triggers": [{"type": "new_issue"}], "channels": ["²"]},
                           content_type="application/json", **auth)
    assert response.status_code == 400
