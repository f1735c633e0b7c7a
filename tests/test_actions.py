"""errortrack.actions: the named state changes validate their input and keep invariants."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError

from errortrack import actions
from errortrack.models import Member, Organization


@pytest.mark.django_db
def test_the_creator_of_an_organization_owns_it(alice):
    org = actions.create_organization(alice, "Gamma", name="Gamma Inc")
    assert org.slug == "gamma"
    assert Member.objects.get(organization=org, user=alice).role == Member.Role.OWNER


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["", "has space", "x" * 51, "<b>", "alpha"])
def test_bad_or_taken_organization_slugs_are_refused(alice, slug):
    with pytest.raises(ValidationError):
        actions.create_organization(alice, slug)
    assert Organization.objects.count() == 1  # alpha only


@pytest.mark.django_db
def test_a_new_project_has_exactly_one_active_key(alpha):
    project = actions.create_project(alpha, "api", platform="python")
    assert [k.is_active for k in project.keys.all()] == [True]
    with pytest.raises(ValidationError, match="already exists"):
        actions.create_project(alpha, "api")


@pytest.mark.django_db
def test_key_changes_are_validated(web_project):
    key = web_project.keys.get()
    actions.set_project_key_active(key, False)
    actions.set_project_key_rate_limit(key, 100, 3600)
    key.refresh_from_db()
    assert not key.is_active
    assert (key.rate_limit_count, key.rate_limit_window_seconds) == (100, 3600)
    for count, window in [(-1, 60), (10, 0), (10, 86401), (10**12, 60)]:
        with pytest.raises(ValidationError):
            actions.set_project_key_rate_limit(key, count, window)


@pytest.mark.django_db
@pytest.mark.parametrize("count, window", [(-1, 60), (10, 0), (10, 86401)])
def test_a_new_key_with_a_bad_rate_limit_is_refused(web_project, count, window):
    with pytest.raises(ValidationError):
        actions.create_project_key(web_project, "bad", count, window)
    assert web_project.keys.count() == 1


@pytest.mark.django_db
def test_the_default_key_rate_limit_setting_applies_to_new_keys(settings, web_project):
    settings.ERRORTRACK_DEFAULT_KEY_RATE_LIMIT = 500
    assert actions.create_project_key(web_project, "limited").rate_limit_count == 500


@pytest.mark.django_db
def test_add_member_changes_a_role_and_refuses_unknown_roles(alpha, bob):
    actions.add_member(alpha, bob, Member.Role.ADMIN)
    assert Member.objects.get(organization=alpha, user=bob).role == "admin"
    with pytest.raises(ValidationError, match="Unknown role"):
        actions.add_member(alpha, bob, "superuser")


@pytest.mark.django_db
def test_ensure_admin_user_generates_a_working_password_once():
    user, password = actions.ensure_admin_user("root", "root@example.com")
    assert user.is_superuser and authenticate(username="root", password=password) == user
    again, none = actions.ensure_admin_user("root", "root@example.com")
    assert again == user and none is None
    assert authenticate(username="root", password=password) == user


@pytest.mark.django_db
def test_ensure_admin_user_applies_an_explicit_password():
    actions.ensure_admin_user("root", "root@example.com")
    _, shown = actions.ensure_admin_user("root", "root@example.com", "chosen-password-1")
    assert shown is None
    assert authenticate(username="root", password="chosen-password-1") is not None
