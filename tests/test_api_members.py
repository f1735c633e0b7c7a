"""An organization's members and invitations through the API (PROTOCOL.md §12.3: Terraform's
sentry_organization_member and sentry_team_member, decoded by internal/apiclient/api.yaml)."""

import pytest

from errortrack import actions, tokens
from errortrack.models import Member
from tests.factories import make_member


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token(alice) -> str:
    return actions.create_api_token(alice, "all", tokens.SCOPES)[1]


def send(client, method: str, url: str, token: str, body: object = None):
    return getattr(client, method)(url, body, content_type="application/json", **bearer(token))


MEMBERS = "/api/0/organizations/alpha/members/"

# tf: internal/apiclient/api.yaml OrganizationMemberWithRoles: every key required, these types
MEMBER_KEYS = {"id": str, "email": str, "name": str, "pending": bool, "expired": bool,
               "orgRole": str, "orgRoleList": list, "teamRoles": list, "teamRoleList": list,
               "teams": list, "role": str, "roleName": str, "dateCreated": str}


def assert_terraform_member(body: dict) -> None:
    for key, kind in MEMBER_KEYS.items():
        assert isinstance(body[key], kind), key
    assert "user" in body
    # tf: resource_team_member.go getEffectiveTeamRole falls back to member.TeamRoleList[0]
    assert body["teamRoleList"] and body["teamRoleList"][0]["id"] == "contributor"


@pytest.mark.django_db
def test_members_are_listed_with_the_fields_terraform_decodes(client, token, alice, bob):
    listed = client.get(MEMBERS, **bearer(token)).json()
    assert [(m["email"], m["orgRole"], m["pending"]) for m in listed] == [
        ("alice@example.com", "owner", False), ("bob@example.com", "member", False)]
    for body in listed:
        assert_terraform_member(body)
        # go-sentry users.go User: id string; dateJoined a time
        assert body["user"]["id"] == str(Member.objects.get(pk=body["id"]).user_id)
    assert [m["email"] for m in client.get(f"{MEMBERS}?query=bob", **bearer(token)).json()] == [
        "bob@example.com"]
    found = client.get(f"{MEMBERS}?query=email:bob@example.com", **bearer(token)).json()
    assert [m["email"] for m in found] == ["bob@example.com"]


@pytest.mark.django_db
def test_an_invitation_is_a_pending_member_row(client, token, alpha):
    actions.create_team(alpha, "backend")
    # tf: sentry/resource_sentry_organization_member.go Create requires 201, stores member.id
    created = send(client, "post", MEMBERS, token,
                   {"email": "New@Example.com", "orgRole": "manager", "teams": ["backend"]})
    assert created.status_code == 201, created.content
    body = created.json()
    assert_terraform_member(body)
    assert body["pending"] is True and body["user"] is None
    assert body["email"] == body["name"] == "new@example.com"
    assert body["orgRole"] == body["role"] == "manager"  # shown as Sentry shows it
    assert body["teams"] == ["backend"]
    assert body["teamRoles"] == [{"teamSlug": "backend", "role": None}]
    row = Member.with_invitations.get(pk=body["id"])
    assert row.role == Member.Role.ADMIN and row.user is None  # manager is stored as admin
    assert not alpha.members.filter(pk=row.pk).exists()  # pages and alerts see joined members
    assert client.get(f"{MEMBERS}{body['id']}/", **bearer(token)).json() == body
    assert [m["pending"] for m in client.get(MEMBERS, **bearer(token)).json()] == [
        False, True]


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"email": "not an address"}, {"email": "x@" + "y" * 300},
                                  {"email": "bob@example.com"}, {"email": "a@b.co", "role": "god"},
                                  {"email": "a@b.co", "orgRole": "billing"},
                                  {"email": "a@b.co", "teams": ["no-such-team"]},
                                  {"email": "a@b.co", "teams": "backend"},
                                  {"email": ["a@b.co"]}, [], "a@b.co"])
def test_bad_invitations_are_a_400_with_detail(client, token, bob, body):
    response = send(client, "post", MEMBERS, token, body)
    assert response.status_code == 400, response.content
    assert isinstance(response.json()["detail"], str)
    assert not Member.with_invitations.filter(user__isnull=True).exists()


@pytest.mark.django_db
def test_an_address_is_invited_once(client, token):
    assert send(client, "post", MEMBERS, token, {"email": "a@b.co"}).status_code == 201
    again = send(client, "post", MEMBERS, token, {"email": "A@B.co"})
    assert again.status_code == 400 and "already invited" in again.json()["detail"]


@pytest.mark.django_db
def test_roles_change_by_sentry_id_and_terraform_reads_back_what_it_set(client, token, bob):
    member = Member.objects.get(user=bob)
    url = f"{MEMBERS}{member.pk}/"
    # tf: resource_sentry_organization_member.go Update sends {orgRole, teamRoles} (read back)
    changed = send(client, "put", url, token, {"orgRole": "manager", "teamRoles": []})
    assert changed.status_code == 200 and changed.json()["orgRole"] == "manager"
    member.refresh_from_db()
    assert member.role == Member.Role.ADMIN and member.sentry_role == "manager"
    assert send(client, "put", url, token, {"role": "admin"}).json()["orgRole"] == "admin"
    member.refresh_from_db()
    assert (member.role, member.sentry_role) == (Member.Role.ADMIN, "")


@pytest.mark.django_db
def test_team_roles_set_the_members_teams(client, token, bob, alpha):
    actions.create_team(alpha, "backend")
    actions.create_team(alpha, "frontend")
    url = f"{MEMBERS}{Member.objects.get(user=bob).pk}/"
    body = send(client, "put", url, token, {"teamRoles": [
        {"teamSlug": "backend", "role": "admin"}, {"teamSlug": "frontend", "role": None}]}).json()
    assert body["teams"] == ["backend", "frontend"]
    missing = send(client, "put", url, token, {"teamRoles": [{"teamSlug": "nope"}]})
    assert missing.status_code == 400 and "nope" in missing.json()["detail"]


@pytest.mark.django_db
def test_the_last_owner_stays(client, token, alice):
    url = f"{MEMBERS}{Member.objects.get(user=alice).pk}/"
    demoted = send(client, "put", url, token, {"orgRole": "member"})
    assert demoted.status_code == 400 and "last owner" in demoted.json()["detail"]
    removed = client.delete(url, **bearer(token))
    assert removed.status_code == 400 and "last owner" in removed.json()["detail"]
    me = send(client, "put", f"{MEMBERS}me/", token, {"orgRole": "admin"})
    assert me.status_code == 400
    assert Member.objects.get(user=alice).role == Member.Role.OWNER


@pytest.mark.django_db
def test_a_pending_owner_invitation_does_not_count_as_an_owner(client, token, alice):
    assert send(client, "post", MEMBERS, token,
                {"email": "heir@example.com", "orgRole": "owner"}).status_code == 201
    url = f"{MEMBERS}{Member.objects.get(user=alice).pk}/"
    assert send(client, "put", url, token, {"orgRole": "member"}).status_code == 400


@pytest.mark.django_db
def test_only_owners_grant_or_take_away_the_owner_role(client, alpha, alice):
    owner = Member.objects.get(user=alice)
    dave = make_member(alpha, "dave", Member.Role.ADMIN)
    dave_token = actions.create_api_token(dave, "d", tokens.SCOPES)[1]
    invite = send(client, "post", MEMBERS, dave_token, {"email": "x@y.co", "orgRole": "owner"})
    assert invite.status_code == 403 and invite.json()["detail"]
    demote = send(client, "put", f"{MEMBERS}{owner.pk}/", dave_token, {"orgRole": "member"})
    assert demote.status_code == 403
    assert client.delete(f"{MEMBERS}{owner.pk}/", **bearer(dave_token)).status_code == 403
    # an admin does invite members and change them
    assert send(client, "post", MEMBERS, dave_token, {"email": "x@y.co"}).status_code == 201


@pytest.mark.django_db
def test_members_are_removed_with_204_and_invitations_too(client, token, bob):
    invited = send(client, "post", MEMBERS, token, {"email": "gone@example.com"}).json()
    assert client.delete(f"{MEMBERS}{invited['id']}/", **bearer(token)).status_code == 204
    bob_member = Member.objects.get(user=bob)
    assert client.delete(f"{MEMBERS}{bob_member.pk}/", **bearer(token)).status_code == 204
    assert not Member.with_invitations.filter(pk__in=[invited["id"], bob_member.pk]).exists()
    assert client.get(f"{MEMBERS}{bob_member.pk}/", **bearer(token)).status_code == 404


@pytest.mark.django_db
def test_team_membership_is_added_201_removed_200_and_its_role_read(client, token, bob, alpha):
    backend = actions.create_team(alpha, "backend")
    member = Member.objects.get(user=bob)
    url = f"{MEMBERS}{member.pk}/teams/backend/"
    # go-sentry team_members.go Create/Delete decode the team; tf needs 2xx
    added = client.post(url, **bearer(token))
    assert added.status_code == 201 and added.json()["slug"] == "backend"
    assert added.json()["memberCount"] == 1
    assert list(member.teams.all()) == [backend]
    # go-sentry team_members.go Update → {isActive, teamRole}; tf fails when not isActive
    role = send(client, "put", url, token, {"teamRole": "admin"})
    assert role.json() == {"isActive": True, "teamRole": "contributor"}
    assert send(client, "put", url, token, {"teamRole": "boss"}).status_code == 400
    removed = client.delete(url, **bearer(token))
    assert removed.status_code == 200 and removed.json()["memberCount"] == 0
    assert not member.teams.exists()
    invited = actions.invite_member(alpha, "new@example.com")
    assert client.post(f"{MEMBERS}{invited.pk}/teams/backend/",
                       **bearer(token)).status_code == 201
    assert list(invited.teams.all()) == [backend]


@pytest.mark.django_db
def test_members_read_but_do_not_change_members(client, bob, alice):
    bob_token = actions.create_api_token(bob, "b", tokens.SCOPES)[1]
    assert client.get(MEMBERS, **bearer(bob_token)).status_code == 200
    alice_member = Member.objects.get(user=alice)
    for method, url, body in [("post", MEMBERS, {"email": "x@y.co"}),
                              ("put", f"{MEMBERS}{alice_member.pk}/", {"orgRole": "member"}),
                              ("delete", f"{MEMBERS}{alice_member.pk}/", None),
                              ("post", f"{MEMBERS}{alice_member.pk}/teams/backend/", None)]:
        response = send(client, method, url, bob_token, body)
        assert response.status_code == 403 and response.json()["detail"], (method, url)


@pytest.mark.django_db
def test_another_tenants_members_and_garbage_ids_are_404(client, token, charlie, charlie_token):
    beta_member = Member.objects.get(user=charlie)
    for url in [f"{MEMBERS}{beta_member.pk}/", f"{MEMBERS}abc/", f"{MEMBERS}-1/",
                f"{MEMBERS}99999999999999999999999/", f"{MEMBERS}%C2%B2/",
                f"{MEMBERS}{beta_member.pk}/teams/backend/"]:
        for method in ("post", "delete", "put") if "teams" in url else ("get", "delete", "put"):
            response = send(client, method, url, token, {"orgRole": "member"})
            assert response.status_code == 404 and response.json()["detail"], (method, url)
    assert client.get(MEMBERS, **bearer(charlie_token)).status_code == 404
    assert Member.objects.get(pk=beta_member.pk).role == Member.Role.OWNER


@pytest.mark.django_db
def test_member_routes_need_sentrys_scopes(client, alice, bob):
    reader = actions.create_api_token(alice, "r", ["member:read"])[1]
    assert client.get(MEMBERS, **bearer(reader)).status_code == 200
    response = send(client, "post", MEMBERS, reader, {"email": "x@y.co"})
    assert response.status_code == 403 and "member:write" in response.json()["detail"]
    writer = actions.create_api_token(alice, "w", ["member:write"])[1]
    url = f"{MEMBERS}{Member.objects.get(user=bob).pk}/"
    response = client.delete(url, **bearer(writer))
    assert response.status_code == 403 and "member:admin" in response.json()["detail"]


@pytest.mark.django_db
def test_an_invitation_takes_team_roles_as_terraform_sends_them(client, token, alpha):
    actions.create_team(alpha, "platform")
    # tf: internal/apiclient/api.yaml createOrganizationMember {email, orgRole, teams?};
    # go-sentry sends teamRoles [{teamSlug, role (nullable)}] and may send teams: null
    invited = send(client, "post", MEMBERS, token,
                   {"email": "new@example.com", "orgRole": "member", "teams": None,
                    "teamRoles": [{"teamSlug": "platform", "role": None}]})
    assert invited.status_code == 201, invited.content
    assert invited.json()["teams"] == ["platform"] and invited.json()["pending"] is True
