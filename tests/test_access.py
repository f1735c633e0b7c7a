"""errortrack.access: members see their organization's objects; everyone else gets 404."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from errortrack import access, actions


@pytest.fixture
def objects(alpha, web_project):
    team = actions.create_team(alpha, "backend")
    key = web_project.keys.get()
    return {
        "organization": (access.get_organization_for_user, access.get_rw_organization_for_user,
                         ("alpha",), alpha),
        "team": (access.get_team_for_user, access.get_rw_team_for_user,
                 ("alpha", "backend"), team),
        "project": (access.get_project_for_user, access.get_rw_project_for_user,
                    ("alpha", "web"), web_project),
        "key": (access.get_project_key_for_user, access.get_rw_project_key_for_user,
                ("alpha", "web", key.public_key), key),
    }


KINDS = ["organization", "team", "project", "key"]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_the_owner_gets_the_object_both_ways(objects, alice, kind):
    read, read_write, args, expected = objects[kind]
    assert read(alice, *args) == expected
    assert read_write(alice, *args) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_outsiders_and_anonymous_users_get_404(objects, charlie, kind):
    read, read_write, args, _ = objects[kind]
    for user in (charlie, AnonymousUser()):
        for helper in (read, read_write):
            with pytest.raises(Http404):
                helper(user, *args)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_member_reads_but_may_not_write(objects, bob, kind):
    read, read_write, args, expected = objects[kind]
    assert read(bob, *args) == expected
    with pytest.raises(PermissionDenied):
        read_write(bob, *args)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_object_is_404_for_its_owner_too(objects, alice, kind):
    read, read_write, args, _ = objects[kind]
    for helper in (read, read_write):
        with pytest.raises(Http404):
            helper(alice, *args[:-1], "missing")


@pytest.mark.django_db
def test_lists_never_include_other_organizations(alice, charlie):
    assert [o.slug for o in access.organizations_for_user(alice)] == ["alpha"]
    assert {p.organization.slug for p in access.projects_for_user(alice)} == {"alpha"}
    assert [o.slug for o in access.organizations_for_user(charlie)] == ["beta"]
    assert {p.organization.slug for p in access.projects_for_user(charlie)} == {"beta"}
    alpha = access.get_organization_for_user(alice, "alpha")
    assert list(access.projects_for_user(charlie, organization=alpha)) == []
    assert list(access.projects_for_user(AnonymousUser())) == []
    assert list(access.organizations_for_user(AnonymousUser())) == []


@pytest.mark.django_db
def test_tokens_are_visible_only_to_their_owner(alice, charlie):
    token, _ = actions.create_api_token(alice, "mine", ["org:read"])
    assert access.get_api_token_for_user(alice, token.pk) == token
    for user, token_id in [(charlie, token.pk), (AnonymousUser(), token.pk),
                           (alice, token.pk + 1000)]:
        with pytest.raises(Http404):
            access.get_api_token_for_user(user, token_id)
