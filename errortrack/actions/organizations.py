"""Organizations, their members and teams."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from errortrack.actions.cleaning import clean_name, clean_slug
from errortrack.models import (
    Member,
    Organization,
    Project,
    Team,
)


@transaction.atomic
def create_organization(owner: User, slug: str, name: str = "") -> Organization:
    """Create an organization with `owner` as its first member, in the owner role."""
    slug = clean_slug(slug, "Organization")
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError(f"An organization with slug {slug!r} already exists.")
    org = Organization.objects.create(slug=slug, name=name or slug)
    Member.objects.create(organization=org, user=owner, role=Member.Role.OWNER)
    return org


def add_member(organization: Organization, user: User,
               role: str = Member.Role.MEMBER) -> Member:
    """Add `user` to `organization`, or change their role if they already belong."""
    if role not in Member.Role.values:
        raise ValidationError(f"Unknown role {role!r}; use one of {', '.join(Member.Role.values)}.")
    member, _ = Member.objects.update_or_create(organization=organization, user=user,
                                                defaults={"role": role})
    return member


def create_team(organization: Organization, slug: str, name: str = "") -> Team:
    slug = clean_new_slug(slug, "Team")
    if organization.teams.filter(slug=slug).exists():
        raise ValidationError(f"A team with slug {slug!r} already exists in {organization.slug}.")
    return Team.objects.create(organization=organization, slug=slug,
                               name=clean_name(name, "Team", default=slug))


def find_user(username_or_email: str) -> User:
    """The one user with this username, or else this email address."""
    login = (username_or_email or "").strip()
    users = get_user_model().objects
    user = users.filter(username=login).first() if login else None
    if user is None and "@" in login:
        matches = list(users.filter(email__iexact=login)[:2])
        if len(matches) > 1:
            raise ValidationError(f"Several users have the email {login!r}; use the username.")
        user = matches[0] if matches else None
    if user is None:
        raise ValidationError(f"No user has the username or email {login[:200]!r}.")
    return user


def add_member_by_login(organization: Organization, username_or_email: str,
                        role: str = Member.Role.MEMBER) -> Member:
    """Add an existing user; one who already belongs is refused, so adding never changes a
    role (that could demote the last owner)."""
    user = find_user(username_or_email)
    if organization.members.filter(user=user).exists():
        raise ValidationError(f"{user.get_username()} is already a member of "
                              f"{organization.slug}; change their role instead.")
    return add_member(organization, user, role)


def _keep_an_owner(member: Member) -> None:
    """Refuse when `member` is the organization's last owner.

    Call inside a transaction: the owners are locked (in id order, so two changes cannot
    deadlock) and `member` is read again under the lock, so two owners demoting each other at
    once cannot both succeed."""
    owners = list(Member.objects.select_for_update().filter(
        organization_id=member.organization_id, role=Member.Role.OWNER)
        .order_by("pk").values_list("pk", flat=True))
    if member.pk in owners and len(owners) == 1:
        raise ValidationError(f"{member.login} is the last owner of "
                              f"{member.organization.slug}; make another member an owner "
                              "first.")


@transaction.atomic
def set_member_role(member: Member, role: str) -> Member:
    """Change a member's role; the last owner cannot be demoted."""
    if role not in Member.Role.values:
        raise ValidationError(f"Unknown role {role!r}; use one of {', '.join(Member.Role.values)}.")
    if role != Member.Role.OWNER:
        _keep_an_owner(member)
    member.role = role
    member.save(update_fields=["role"])
    return member


@transaction.atomic
def remove_member(member: Member) -> None:
    """Remove a member (with their team memberships); the last owner cannot be removed."""
    _keep_an_owner(member)
    member.delete()


def delete_team(team: Team) -> None:
    """Delete a team; issues assigned to it become unassigned, its projects stay."""
    team.delete()


def _same_organization(team: Team, other: Member | Project, what: str) -> None:
    if other.organization_id != team.organization_id:
        raise ValidationError(f"That {what} is not in the team's organization.")


def add_team_member(team: Team, member: Member) -> None:
    _same_organization(team, member, "member")
    team.members.add(member)


def remove_team_member(team: Team, member: Member) -> None:
    team.members.remove(member)


def add_team_project(team: Team, project: Project) -> None:
    _same_organization(team, project, "project")
    team.projects.add(project)


def remove_team_project(team: Team, project: Project) -> None:
    team.projects.remove(project)


def set_project_teams(project: Project, teams: Iterable[Team]) -> None:
    """Give exactly `teams` (all of the project's organization) access to the project."""
    teams = list(teams)
    if any(team.organization_id != project.organization_id for team in teams):
        raise ValidationError("Only teams of the project's organization can have access.")
    project.teams.set(teams)


# --- Sentry's role ids, invitations, team changes -----------------------------------------------

# Sentry's organization role ids and ours. Sentry's manager (members, teams, projects and
# settings; no billing or deletion of the organization) is what our admin may do, so "manager" is
# stored as admin and remembered in Member.sentry_role, and shown back as "manager" (Terraform
# compares the role it set with the one it reads). Sentry's admin is stored as our admin too.
SENTRY_ROLES = {"member": Member.Role.MEMBER, "admin": Member.Role.ADMIN,
                "manager": Member.Role.ADMIN, "owner": Member.Role.OWNER}


def sentry_role(role: object) -> tuple[str, str]:
    """(our role, the Sentry role id to remember in Member.sentry_role) for a Sentry role id.

    Sentry has four roles, we have three: "manager" is stored as our admin (who may do what
    Sentry's manager does) with sentry_role "manager", and shown back as "manager" (the API's
    shown_role); "member", "admin" and "owner" are stored as themselves with sentry_role "".
    Any other id (Sentry's retired "billing" too) is refused."""
    if not isinstance(role, str) or role not in SENTRY_ROLES:
        raise ValidationError(f"Unknown role; use one of {', '.join(SENTRY_ROLES)}.")
    ours = SENTRY_ROLES[role]
    return ours, "" if role == ours else role


MAX_EMAIL_LENGTH = 254


def _clean_email(email: object) -> str:
    from django.core.validators import validate_email

    if not isinstance(email, str) or len(email) > MAX_EMAIL_LENGTH:
        raise ValidationError(f"Enter an email address of at most {MAX_EMAIL_LENGTH} characters.")
    email = email.strip().lower()
    validate_email(email)
    return email


@transaction.atomic
def invite_member(organization: Organization, email: object, role: str = "member",
                  teams: Iterable[Team] = ()) -> Member:
    """Store a pending invitation (a Member row without a user) in Sentry role `role`; the
    accounts flow mails and accepts it. An address already a member or invited is refused."""
    address = _clean_email(email)
    ours, shown = sentry_role(role)
    if organization.members.filter(user__email__iexact=address).exists():
        raise ValidationError(f"{address} is already a member of {organization.slug}.")
    if Member.with_invitations.filter(organization=organization, user__isnull=True,
                                      email=address).exists():
        raise ValidationError(f"{address} is already invited to {organization.slug}.")
    member = Member.with_invitations.create(organization=organization, email=address,
                                            role=ours, sentry_role=shown)
    set_member_teams(member, teams)
    return member


@transaction.atomic
def set_member_sentry_role(member: Member, role: str) -> Member:
    """Change a member's role by its Sentry id (see SENTRY_ROLES); the last owner is kept."""
    ours, shown = sentry_role(role)
    set_member_role(member, ours)
    member.sentry_role = shown
    member.save(update_fields=["sentry_role"])
    return member


def set_member_teams(member: Member, teams: Iterable[Team]) -> None:
    """Put the member (or invitation) in exactly `teams`, all of its organization."""
    teams = list(teams)
    if any(team.organization_id != member.organization_id for team in teams):
        raise ValidationError("Only teams of the member's organization can be joined.")
    member.teams.set(teams)


def update_team(team: Team, slug: str | None = None, name: str | None = None) -> Team:
    """Rename a team (its slug, its name or both); a slug taken in the organization is refused."""
    if slug is not None:
        slug = clean_new_slug(slug, "Team")
        if team.organization.teams.filter(slug=slug).exclude(pk=team.pk).exists():
            raise ValidationError(f"A team with slug {slug!r} already exists in "
                                  f"{team.organization.slug}.")
        team.slug = slug
    if name is not None:
        team.name = clean_name(name, "Team")
    team.save(update_fields=["slug", "name"])
    return team


def clean_new_slug(slug: str, what: str) -> str:
    """A slug for a new or renamed object: as clean_slug, and not all digits, since API paths
    take a slug or a numeric id (Sentry refuses numeric slugs for the same reason)."""
    slug = clean_slug(slug, what)
    if slug.isdecimal():
        raise ValidationError(f"{what} slug cannot be only digits.")
    return slug
