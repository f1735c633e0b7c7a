"""Settings pages: a project's settings, an organization's members and teams. Owners and admins
change them, members read them, outsiders get 404, and refused input saves nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from errortrack import actions
from errortrack.digest import retention
from errortrack.digest.retention import delete_expired
from errortrack.models import (
    Event,
    EventAttachment,
    IssueUserHour,
    Member,
    Project,
    Team,
    TransactionSummary,
    UserReport,
)
from tests import factories


def settings_url(org_slug: str = "alpha", project_slug: str = "web") -> str:
    return reverse("project-settings", args=[org_slug, project_slug])


def members_url(org_slug: str = "alpha") -> str:
    return reverse("org-members", args=[org_slug])


def teams_url(org_slug: str = "alpha") -> str:
    return reverse("org-teams", args=[org_slug])


def team_url(team_slug: str, org_slug: str = "alpha") -> str:
    return reverse("org-team", args=[org_slug, team_slug])


def project_state(project: Project) -> dict:
    project.refresh_from_db()
    return {"name": project.name, "platform": project.platform,
            "scrub_defaults": project.scrub_defaults,
            "sensitive_fields": project.sensitive_fields, "safe_fields": project.safe_fields,
            "scrub_ip_addresses": project.scrub_ip_addresses,
            "event_retention_days": project.event_retention_days,
            "teams": sorted(project.teams.values_list("slug", flat=True))}


def role_of(user, organization) -> str:
    return Member.objects.get(user=user, organization=organization).role


@pytest.fixture
def backend(alpha) -> Team:
    return actions.create_team(alpha, "backend", "Backend")


# --- Who may see and change what ----------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("url", [settings_url(), members_url(), teams_url(), team_url("backend")])
def test_an_outsider_gets_404_on_every_page(client, charlie, backend, url):
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    assert client.post(url, {"section": "general", "do": "create", "name": "x"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("url", [settings_url(), members_url(), teams_url(), team_url("backend")])
def test_anonymous_visitors_are_sent_to_log_in(client, alice, backend, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("url, button", [
    (settings_url(), "Save general settings"), (members_url(), "Add member"),
    (teams_url(), "Create team"), (team_url("backend"), "Add to team")])
def test_a_member_sees_each_page_without_its_forms(client, bob, backend, url, button):
    client.force_login(bob)
    response = client.get(url)
    assert response.status_code == 200
    assert button not in response.content.decode()


@pytest.mark.django_db
def test_an_owner_sees_each_page_with_its_forms(client, alice, backend):
    client.force_login(alice)
    for url, button in [(settings_url(), "Save general settings"), (members_url(), "Add member"),
                        (teams_url(), "Create team"), (team_url("backend"), "Add to team")]:
        response = client.get(url)
        assert response.status_code == 200
        assert button in response.content.decode()
        assert "<script>" not in response.content.decode()  # the CSP allows no inline script


@pytest.mark.django_db
def test_a_member_cannot_change_anything(client, alice, bob, alpha, web_project, backend):
    client.force_login(bob)
    before = project_state(web_project)
    alice_member = Member.objects.get(user=alice)
    changes = [
        (settings_url(), {"section": "general", "name": "Renamed", "platform": "go"}),
        (settings_url(), {"section": "scrubbing", "sensitive_fields": "pin"}),
        (settings_url(), {"section": "retention", "event_retention_days": "7"}),
        (settings_url(), {"section": "teams", "teams": [backend.pk]}),
        (members_url(), {"do": "add", "login": "charlie", "role": "owner"}),
        (members_url(), {"do": "role", "member": alice_member.pk, "role": "member"}),
        (members_url(), {"do": "remove", "member": alice_member.pk}),
        (teams_url(), {"do": "create", "slug": "ops"}),
        (teams_url(), {"do": "delete", "team": backend.pk}),
        (team_url("backend"), {"do": "add-member", "member": alice_member.pk}),
        (team_url("backend"), {"do": "add-project", "project": web_project.pk}),
    ]
    for url, data in changes:
        assert client.post(url, data).status_code == 403, (url, data)
    assert project_state(web_project) == before
    assert role_of(alice, alpha) == Member.Role.OWNER
    assert list(alpha.teams.values_list("slug", flat=True)) == ["backend"]
    assert not backend.members.exists() and not backend.projects.exists()
    assert alpha.members.count() == 2


# --- Project settings ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_page_links_to_keys_alert_rules_and_monitors(client, bob):
    client.force_login(bob)
    page = client.get(settings_url()).content.decode()
    for name in ("project-keys", "alert-rules", "monitors"):
        assert reverse(name, args=["alpha", "web"]) in page


@pytest.mark.django_db
def test_an_owner_changes_the_name_and_platform(client, alice, web_project):
    client.force_login(alice)
    response = client.post(settings_url(), {"section": "general", "name": "  Web shop ",
                                            "platform": "Javascript-React"})
    assert response.status_code == 302
    assert project_state(web_project)["name"] == "Web shop"
    assert web_project.platform == "javascript-react"
    assert "General settings saved" in client.get(settings_url()).content.decode()


@pytest.mark.django_db
def test_an_owner_changes_data_scrubbing_and_new_events_follow_it(client, alice, web_project):
    client.force_login(alice)
    response = client.post(settings_url(), {
        "section": "scrubbing", "sensitive_fields": "card_pin\r\n\r\n  CARD_PIN \r\nsession_key",
        "safe_fields": "csrf_hint\n", "scrub_ip_addresses": "1"})
    assert response.status_code == 302
    state = project_state(web_project)
    assert state["sensitive_fields"] == ["card_pin", "session_key"]  # blank and repeated go
    assert state["safe_fields"] == ["csrf_hint"]
    assert (state["scrub_defaults"], state["scrub_ip_addresses"]) == (False, True)

    factories.digest_events(web_project, factories.error_event(
        extra={"card_pin": "1234", "csrf_hint": "kept", "password": "unfiltered: defaults off"},
        user={"id": "u1", "ip_address": "203.0.113.9"}))
    data = Event.objects.get().data
    assert data["extra"] == {"card_pin": "[Filtered]", "csrf_hint": "kept",
                             "password": "unfiltered: defaults off"}
    assert "ip_address" not in data["user"]


@pytest.mark.django_db
def test_an_owner_sets_and_clears_the_retention(client, alice, web_project):
    client.force_login(alice)
    client.post(settings_url(), {"section": "retention", "event_retention_days": " 7 "})
    assert project_state(web_project)["event_retention_days"] == 7
    client.post(settings_url(), {"section": "retention", "event_retention_days": ""})
    assert project_state(web_project)["event_retention_days"] is None


@pytest.mark.django_db
def test_an_owner_chooses_the_teams_with_access(client, alice, alpha, web_project, backend):
    frontend = actions.create_team(alpha, "frontend")
    client.force_login(alice)
    client.post(settings_url(), {"section": "teams", "teams": [backend.pk, frontend.pk]})
    assert project_state(web_project)["teams"] == ["backend", "frontend"]
    client.post(settings_url(), {"section": "teams", "teams": [str(frontend.pk)]})
    assert project_state(web_project)["teams"] == ["frontend"]
    client.post(settings_url(), {"section": "teams"})
    assert project_state(web_project)["teams"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("data, message", [
    ({"section": "general", "name": "   "}, "cannot be empty"),
    ({"section": "general", "name": "x" * 10_000}, "at most 100"),
    ({"section": "general", "name": "tab\there"}, "printable"),
    ({"section": "general", "name": "Web", "platform": "<script>"}, "Platform"),
    ({"section": "general", "name": "Web", "platform": "p" * 10_000}, "Platform"),
    ({"section": "scrubbing", "sensitive_fields": "x" * 10_000}, "at most 100 printable"),
    ({"section": "scrubbing", "safe_fields": "ok\nbad\x01name"}, "printable"),
    ({"section": "scrubbing", "sensitive_fields": "\n".join(f"f{i}" for i in range(101))},
     "at most 100 names"),
    ({"section": "scrubbing", "sensitive_fields": "\n".join(["f"] * 10_000 + ["x" * 200])},
     "at most 100 printable"),
    ({"section": "retention", "event_retention_days": "0"}, "1 to 3650 days"),
    ({"section": "retention", "event_retention_days": "3651"}, "1 to 3650 days"),
    ({"section": "retention", "event_retention_days": "-5"}, "whole number of days"),
    ({"section": "retention", "event_retention_days": "1.5"}, "whole number of days"),
    ({"section": "retention", "event_retention_days": "seven"}, "whole number of days"),
    ({"section": "retention", "event_retention_days": "9" * 10_000}, "whole number of days"),
    ({"section": "teams", "teams": ["backend"]}, "No such team"),
    ({"section": "teams", "teams": ["9" * 40]}, "No such team"),
    ({"section": "teams", "teams": ["²"]}, "No such team"),
    ({"section": "teams", "teams": [str(i) for i in range(10**6, 10**6 + 990)]},
     "No such team"),
    ({"section": "everything", "name": "Renamed"}, "Unknown change"),
    ({"name": "Renamed"}, "Unknown change"),
])
def test_bad_settings_are_refused_with_a_message_and_nothing_saved(client, alice, web_project,
                                                                    backend, data, message):
    client.force_login(alice)
    before = project_state(web_project)
    response = client.post(settings_url(), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert project_state(web_project) == before


@pytest.mark.django_db
def test_teams_of_another_organization_cannot_be_given_access(client, alice, charlie,
                                                              web_project, backend):
    beta_team = actions.create_team(charlie.memberships.get().organization, "beta-team")
    client.force_login(alice)
    response = client.post(settings_url(), {"section": "teams",
                                            "teams": [backend.pk, beta_team.pk]})
    assert response.status_code == 400
    assert "No such team" in response.content.decode()
    assert not web_project.teams.exists()


@pytest.mark.django_db
def test_a_refused_form_keeps_what_was_typed_escaped(client, alice, web_project):
    client.force_login(alice)
    response = client.post(settings_url(), {"section": "retention",
                                            "event_retention_days": "<script>alert(1)</script>"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


@pytest.mark.django_db
def test_names_are_rendered_escaped(client, alice, alpha, web_project):
    client.force_login(alice)
    name = "<script>alert(1)</script>"
    client.post(settings_url(), {"section": "general", "name": name, "platform": ""})
    client.post(teams_url(), {"do": "create", "slug": "xss", "name": name})
    assert project_state(web_project)["name"] == name
    for url in (settings_url(), teams_url(), team_url("xss"),
                reverse("organization", args=["alpha"])):
        page = client.get(url).content.decode()
        assert "<script>alert(1)" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


@pytest.mark.django_db
def test_nul_characters_are_refused(client, alice, web_project):
    client.force_login(alice)
    before = project_state(web_project)
    response = client.post(settings_url(), {"section": "general", "name": "a\x00b"})
    assert response.status_code == 400
    assert project_state(web_project) == before


# --- Retention per project ----------------------------------------------------------------------

def old_rows(project: Project, age: timedelta) -> None:
    """Every kind of expiring row of `project`, `age` old."""
    when = timezone.now() - age
    factories.digest_events(project, factories.error_event(user={"id": f"{project.slug}-user"}))
    Event.objects.filter(project=project).update(received_at=when)
    IssueUserHour.objects.filter(issue__project=project).update(hour=when)
    EventAttachment.objects.create(project=project, event_id="a" * 32, filename="log.txt",
                                   data=b"x", size=1, received_at=when)
    UserReport.objects.create(project=project, event_id="a" * 32, comments="it broke",
                              received_at=when)
    TransactionSummary.objects.create(project=project, event_id="b" * 32, timestamp=when)


def kept(project: Project) -> list[int]:
    """How many rows of each expiring kind the project still has."""
    return [Event.objects.filter(project=project).count(),
            IssueUserHour.objects.filter(issue__project=project).count(),
            EventAttachment.objects.filter(project=project).count(),
            UserReport.objects.filter(project=project).count(),
            TransactionSummary.objects.filter(project=project).count()]


@pytest.mark.django_db
def test_a_projects_own_retention_wins_over_the_global_one(settings, alpha, web_project):
    settings.ERRORTRACK_EVENT_RETENTION_DAYS = 90
    api = factories.make_project(alpha, "api")
    archive = factories.make_project(alpha, "archive")
    actions.update_project_settings(web_project, event_retention_days=7)
    actions.update_project_settings(archive, event_retention_days=365)
    for project in (web_project, api, archive):
        old_rows(project, timedelta(days=8))

    assert delete_expired(timezone.now()) == 5
    assert kept(web_project) == [0, 0, 0, 0, 0]
    assert kept(api) == kept(archive) == [1, 1, 1, 1, 1]
    assert web_project.issues.get().times_seen == 1  # issues and their counters stay

    later = timezone.now() + timedelta(days=90)  # 98 days old: past the global 90, not 365
    assert delete_expired(later) == 5
    assert kept(api) == [0, 0, 0, 0, 0]
    assert kept(archive) == [1, 1, 1, 1, 1]


@pytest.mark.django_db
def test_retention_deletes_in_bounded_chunks_per_run(settings, monkeypatch, web_project):
    monkeypatch.setattr(retention, "CHUNK_ROWS", 2)
    monkeypatch.setattr(retention, "MAX_CHUNKS_PER_RUN", 2)
    actions.update_project_settings(web_project, event_retention_days=1)
    factories.digest_events(web_project, *[factories.error_event() for _ in range(5)])
    Event.objects.update(received_at=timezone.now() - timedelta(days=2))
    assert delete_expired(timezone.now()) == 4  # two chunks of two, the rest next run
    assert delete_expired(timezone.now()) == 1
    assert Event.objects.count() == 0


# --- Members ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_members_are_listed_with_role_and_teams(client, bob, alpha, backend):
    actions.add_team_member(backend, Member.objects.get(user=bob))
    client.force_login(bob)
    page = client.get(members_url()).content.decode()
    assert "alice" in page and "Owner" in page and "bob" in page
    assert team_url("backend") in page


@pytest.mark.django_db
def test_an_owner_adds_users_by_username_or_email(client, alice, alpha):
    factories.make_user("dave")
    factories.make_user("erin")
    client.force_login(alice)
    assert client.post(members_url(), {"do": "add", "login": "dave",
                                       "role": "admin"}).status_code == 302
    assert client.post(members_url(), {"do": "add", "login": " ERIN@example.com ",
                                       "role": "member"}).status_code == 302
    assert {m.user.username: m.role for m in alpha.members.select_related("user")} == {
        "alice": "owner", "dave": "admin", "erin": "member"}


@pytest.mark.django_db
@pytest.mark.parametrize("data, message", [
    ({"do": "add", "login": "nobody", "role": "member"}, "No user has"),
    ({"do": "add", "login": "x" * 10_000, "role": "member"}, "No user has"),
    ({"do": "add", "login": "", "role": "member"}, "No user has"),
    ({"do": "add", "login": "bob", "role": "admin"}, "already a member"),
    ({"do": "add", "login": "charlie", "role": "superuser"}, "Unknown role"),
    ({"do": "role", "member": "abc", "role": "admin"}, "No such member"),
    ({"do": "role", "member": "9" * 40, "role": "admin"}, "No such member"),
    ({"do": "remove", "member": ""}, "No such member"),
    ({"do": "promote-everyone"}, "Unknown change"),
])
def test_bad_member_changes_are_refused_with_a_message(client, alice, bob, charlie, alpha, data,
                                                       message):
    client.force_login(alice)
    response = client.post(members_url(), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert {m.user.username: m.role for m in alpha.members.select_related("user")} == {
        "alice": "owner", "bob": "member"}


@pytest.mark.django_db
def test_an_owner_changes_roles_and_removes_members(client, alice, bob, alpha):
    client.force_login(alice)
    bob_member = Member.objects.get(user=bob)
    client.post(members_url(), {"do": "role", "member": bob_member.pk, "role": "admin"})
    assert role_of(bob, alpha) == "admin"
    response = client.post(members_url(), {"do": "remove", "member": bob_member.pk}, follow=True)
    assert "bob removed from alpha" in response.content.decode()
    assert not alpha.members.filter(user=bob).exists()


@pytest.mark.django_db
def test_a_member_of_another_organization_cannot_be_changed(client, alice, charlie, alpha):
    client.force_login(alice)
    charlie_member = Member.objects.get(user=charlie)
    for data in ({"do": "role", "member": charlie_member.pk, "role": "member"},
                 {"do": "remove", "member": charlie_member.pk}):
        assert client.post(members_url(), data).status_code == 400
    assert Member.objects.get(pk=charlie_member.pk).role == "owner"


@pytest.mark.django_db
def test_the_last_owner_cannot_be_demoted_or_removed(client, alice, alpha):
    client.force_login(alice)
    alice_member = Member.objects.get(user=alice)
    for data in ({"do": "role", "member": alice_member.pk, "role": "admin"},
                 {"do": "remove", "member": alice_member.pk}):
        response = client.post(members_url(), data)
        assert response.status_code == 400
        assert ("alice is the last owner of alpha; make another member an owner first."
                in response.content.decode())
    assert role_of(alice, alpha) == "owner"


@pytest.mark.django_db
def test_an_owner_can_step_down_once_there_is_another(client, alice, bob, alpha):
    client.force_login(alice)
    client.post(members_url(), {"do": "role", "member": Member.objects.get(user=bob).pk,
                                "role": "owner"})
    response = client.post(members_url(), {"do": "remove",
                                           "member": Member.objects.get(user=alice).pk})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert [m.user.username for m in alpha.members.all()] == ["bob"]
    assert role_of(bob, alpha) == "owner"


@pytest.mark.django_db
def test_admins_manage_members_but_not_owners(client, alice, bob, alpha):
    dave = factories.make_member(alpha, "dave", Member.Role.ADMIN)
    factories.make_user("erin")
    client.force_login(dave)
    bob_member, alice_member = Member.objects.get(user=bob), Member.objects.get(user=alice)
    assert client.post(members_url(), {"do": "role", "member": bob_member.pk,
                                       "role": "admin"}).status_code == 302
    for data in ({"do": "role", "member": Member.objects.get(user=dave).pk, "role": "owner"},
                 {"do": "role", "member": alice_member.pk, "role": "member"},
                 {"do": "remove", "member": alice_member.pk},
                 {"do": "add", "login": "erin", "role": "owner"}):
        assert client.post(members_url(), data).status_code == 403, data
    assert role_of(alice, alpha) == "owner" and role_of(dave, alpha) == "admin"
    assert role_of(bob, alpha) == "admin"
    assert not alpha.members.filter(user__username="erin").exists()


# --- Teams --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_owner_creates_and_deletes_teams(client, alice, alpha):
    client.force_login(alice)
    response = client.post(teams_url(), {"do": "create", "slug": "Ops", "name": "Operations"})
    assert response.status_code == 302
    team = alpha.teams.get()
    assert (team.slug, team.name) == ("ops", "Operations")
    assert "Operations" in client.get(teams_url()).content.decode()
    client.post(teams_url(), {"do": "delete", "team": team.pk})
    assert not alpha.teams.exists()


@pytest.mark.django_db
def test_the_team_list_counts_members_and_projects(client, alice, bob, alpha, web_project,
                                                   backend):
    actions.add_team_member(backend, Member.objects.get(user=alice))
    actions.add_team_member(backend, Member.objects.get(user=bob))
    actions.add_team_project(backend, web_project)
    client.force_login(bob)
    teams = list(client.get(teams_url()).context["teams"])
    assert [(t.slug, t.member_count, t.project_count) for t in teams] == [("backend", 2, 1)]


@pytest.mark.django_db
@pytest.mark.parametrize("data, message", [
    ({"do": "create", "slug": "has space"}, "slug"),
    ({"do": "create", "slug": ""}, "1 to 50 characters"),
    ({"do": "create", "slug": "x" * 10_000}, "1 to 50 characters"),
    ({"do": "create", "slug": "<script>"}, "slug"),
    ({"do": "create", "slug": "backend"}, "already exists"),
    ({"do": "create", "slug": "ops", "name": "n" * 10_000}, "at most 100"),
    ({"do": "delete", "team": "backend"}, "No such team"),
    ({"do": "delete", "team": "-1"}, "No such team"),
])
def test_bad_team_changes_are_refused_with_a_message(client, alice, alpha, backend, data,
                                                     message):
    client.force_login(alice)
    response = client.post(teams_url(), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(alpha.teams.values_list("slug", flat=True)) == ["backend"]


@pytest.mark.django_db
def test_a_team_of_another_organization_cannot_be_deleted(client, alice, charlie):
    beta_team = actions.create_team(charlie.memberships.get().organization, "beta-team")
    client.force_login(alice)
    assert client.post(teams_url(), {"do": "delete", "team": beta_team.pk}).status_code == 400
    assert Team.objects.filter(pk=beta_team.pk).exists()


@pytest.mark.django_db
def test_an_owner_adds_and_removes_team_members_and_projects(client, alice, bob, web_project,
                                                             backend):
    client.force_login(alice)
    bob_member = Member.objects.get(user=bob)
    url = team_url("backend")
    assert client.post(url, {"do": "add-member", "member": bob_member.pk}).status_code == 302
    assert client.post(url, {"do": "add-project", "project": web_project.pk}).status_code == 302
    page = client.get(url).content.decode()
    assert "bob" in page and "Remove access" in page
    assert list(backend.members.all()) == [bob_member]
    assert list(backend.projects.all()) == [web_project]
    client.post(url, {"do": "remove-member", "member": bob_member.pk})
    client.post(url, {"do": "remove-project", "project": web_project.pk})
    assert not backend.members.exists() and not backend.projects.exists()


@pytest.mark.django_db
def test_a_team_takes_only_its_organizations_members_and_projects(client, alice, charlie,
                                                                  backend):
    client.force_login(alice)
    charlie_member = Member.objects.get(user=charlie)
    beta_project = charlie.memberships.get().organization.projects.get()
    for data, message in [({"do": "add-member", "member": charlie_member.pk}, "No such member"),
                          ({"do": "add-member", "member": "abc"}, "No such member"),
                          ({"do": "add-project", "project": beta_project.pk}, "No such project"),
                          ({"do": "add-project", "project": "9" * 40}, "No such project"),
                          ({"do": "rename"}, "Unknown change")]:
        response = client.post(team_url("backend"), data)
        assert response.status_code == 400, data
        assert message in response.content.decode()
    assert not backend.members.exists() and not backend.projects.exists()


@pytest.mark.django_db
def test_an_unknown_team_is_404(client, alice):
    client.force_login(alice)
    assert client.get(team_url("nope")).status_code == 404
    assert client.post(team_url("nope"), {"do": "add-member"}).status_code == 404


# --- The actions themselves ---------------------------------------------------------------------

@pytest.mark.django_db
def test_actions_refuse_objects_of_another_organization(alpha, web_project, backend, charlie):
    beta = charlie.memberships.get().organization
    beta_team = actions.create_team(beta, "beta-team")
    with pytest.raises(ValidationError):
        actions.set_project_teams(web_project, [backend, beta_team])
    with pytest.raises(ValidationError):
        actions.add_team_member(backend, Member.objects.get(user=charlie))
    with pytest.raises(ValidationError):
        actions.add_team_project(backend, beta.projects.get())
    assert not web_project.teams.exists() and not backend.members.exists()


@pytest.mark.django_db
def test_project_settings_are_validated_all_before_any_is_saved(web_project):
    with pytest.raises(ValidationError, match="Unknown project settings: slug"):
        actions.update_project_settings(web_project, slug="other")
    for bad in ({"name": "Ok", "event_retention_days": True},
                {"name": "Ok", "scrub_defaults": "yes"},
                {"name": "Ok", "sensitive_fields": "password"},
                {"name": "Ok", "safe_fields": [1, 2]},
                {"name": "Ok", "event_retention_days": 3651}):
        with pytest.raises(ValidationError):
            actions.update_project_settings(web_project, **bad)
    assert project_state(web_project)["name"] == "web"


@pytest.mark.django_db
def test_the_last_owner_is_kept_by_the_actions(alice, bob, alpha):
    alice_member = Member.objects.get(user=alice)
    with pytest.raises(ValidationError, match="last owner"):
        actions.set_member_role(alice_member, Member.Role.MEMBER)
    with pytest.raises(ValidationError, match="last owner"):
        actions.remove_member(alice_member)
    actions.set_member_role(Member.objects.get(user=bob), Member.Role.OWNER)
    actions.set_member_role(alice_member, Member.Role.MEMBER)
    assert role_of(alice, alpha) == "member"
