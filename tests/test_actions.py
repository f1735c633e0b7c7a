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


# --- every issue action announces what it did on the bus, once, after its commit ---------------

@pytest.fixture
def announced():
    """What the bus's issue_changed topic delivered during the test."""
    from errortrack import signals

    received: list = []
    signals.issue_changed.subscribe(received.append)
    yield received
    signals.issue_changed.unsubscribe(received.append)


def change(issue, kind, user=None, **fields):
    from errortrack.signals import IssueChange

    return IssueChange(issue_id=issue.pk, project_id=issue.project_id, kind=kind,
                       user_id=user.pk if user else None, **fields)


@pytest.mark.django_db
@pytest.mark.parametrize("kind, act", [
    ("status", lambda issue, user: actions.set_issue_status(issue, "resolved", user)),
    ("assignee", lambda issue, user: actions.assign_issue(issue, user, user)),
    ("bookmark", lambda issue, user: actions.set_issue_bookmark(issue, user, True)),
    ("seen", lambda issue, user: actions.set_issue_seen(issue, user, True)),
    ("comment", lambda issue, user: actions.add_comment(issue, user, "looking")),
])
def test_an_issue_action_announces_after_its_commit_only(alice, issues, announced,
                                                         django_capture_on_commit_callbacks,
                                                         kind, act):
    issue = issues["KeyError"]
    with django_capture_on_commit_callbacks(execute=True):
        act(issue, alice)
        assert announced == []  # not before the commit
    expected = {"status": "resolved"} if kind == "status" else {}
    assert announced == [change(issue, kind, alice, **expected)]


@pytest.mark.django_db
def test_editing_and_deleting_a_comment_announce_it(alice, issues, announced,
                                                    django_capture_on_commit_callbacks):
    issue = issues["KeyError"]
    comment = actions.add_comment(issue, alice, "first")
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_comment(comment, "second")
        actions.delete_comment(comment)
    assert announced == [change(issue, "comment", alice)] * 2


@pytest.mark.django_db
def test_a_merge_announces_the_children_gone_and_the_parent_changed(
        alice, issues, announced, django_capture_on_commit_callbacks):
    children = sorted([issues["TypeError"], issues["disk almost full"]], key=lambda i: i.pk)
    with django_capture_on_commit_callbacks(execute=True):
        parent = actions.merge_issues([issues["KeyError"], *children], alice)
    assert parent == issues["KeyError"]
    assert announced == [*(change(child, "merged_away", alice, parent_id=parent.pk)
                           for child in children), change(parent, "merged", alice)]


@pytest.mark.django_db
def test_a_deleted_issue_is_announced_by_the_id_it_had(issues, announced,
                                                       django_capture_on_commit_callbacks):
    issue = issues["KeyError"]
    expected = change(issue, "deleted")
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_issue(issue)
    assert announced == [expected]


@pytest.mark.django_db
def test_an_action_that_rolls_back_announces_nothing(alice, issues, announced,
                                                     django_capture_on_commit_callbacks):
    from django.db import transaction

    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError),
          transaction.atomic()):
        actions.set_issue_status(issues["KeyError"], "resolved", alice)
        actions.assign_issue(issues["KeyError"], alice, alice)
        raise RuntimeError("the caller failed after the actions")
    assert announced == []
    with pytest.raises(ValidationError), django_capture_on_commit_callbacks(execute=True):
        actions.add_comment(issues["KeyError"], alice, "   ")
    assert announced == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_listener_is_logged_and_never_undoes_or_blocks_the_action(alice, issues,
                                                                            announced, caplog):
    from errortrack import signals
    from errortrack.models import Activity, Issue

    def broken(message) -> None:
        raise RuntimeError("a broken listener")

    signals.issue_changed._listeners.insert(0, broken)
    try:
        actions.set_issue_status(issues["KeyError"], "resolved", alice)
    finally:
        signals.issue_changed.unsubscribe(broken)
    assert Issue.objects.get(pk=issues["KeyError"].pk).status == "resolved"
    assert Activity.objects.filter(issue=issues["KeyError"], kind="set_resolved").exists()
    assert [c.kind for c in announced] == ["status"]  # the next listener still heard it
    assert "issue changed listener" in caplog.text and "a broken listener" in caplog.text


@pytest.mark.django_db
def test_a_new_project_is_announced_once_after_its_commit(alpha,
                                                          django_capture_on_commit_callbacks):
    from errortrack import signals

    received: list = []
    signals.project_created.subscribe(received.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            project = actions.create_project(alpha, "api")
            assert received == []
            with pytest.raises(ValidationError):
                actions.create_project(alpha, "api")
    finally:
        signals.project_created.unsubscribe(received.append)
    assert received == [signals.ProjectCreated(project_id=project.pk,
                                               organization_id=alpha.pk)]
