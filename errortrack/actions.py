"""State changes, one named function each. Views, API views, commands and tasks call these.

Callers check permissions first (errortrack.access); these functions validate their inputs and
raise django.core.exceptions.ValidationError with a message a person can act on.
"""

import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone

from errortrack import signals, tokens
from errortrack.models import (
    Activity,
    ApiToken,
    Issue,
    IssueBookmark,
    IssueSeen,
    Member,
    Organization,
    Project,
    ProjectKey,
    Team,
)


def _clean_slug(slug: str, what: str) -> str:
    slug = (slug or "").strip().lower()
    if not slug or len(slug) > 50:
        raise ValidationError(f"{what} slug must be 1 to 50 characters.")
    validate_slug(slug)
    return slug


@transaction.atomic
def create_organization(owner: AbstractBaseUser, slug: str, name: str = "") -> Organization:
    """Create an organization with `owner` as its first member, in the owner role."""
    slug = _clean_slug(slug, "Organization")
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError(f"An organization with slug {slug!r} already exists.")
    org = Organization.objects.create(slug=slug, name=name or slug)
    Member.objects.create(organization=org, user=owner, role=Member.Role.OWNER)
    return org


def add_member(organization: Organization, user: AbstractBaseUser,
               role: str = Member.Role.MEMBER) -> Member:
    """Add `user` to `organization`, or change their role if they already belong."""
    if role not in Member.Role.values:
        raise ValidationError(f"Unknown role {role!r}; use one of {', '.join(Member.Role.values)}.")
    member, _ = Member.objects.update_or_create(organization=organization, user=user,
                                                defaults={"role": role})
    return member


def create_team(organization: Organization, slug: str, name: str = "") -> Team:
    slug = _clean_slug(slug, "Team")
    if organization.teams.filter(slug=slug).exists():
        raise ValidationError(f"A team with slug {slug!r} already exists in {organization.slug}.")
    return Team.objects.create(organization=organization, slug=slug,
                               name=_clean_name(name, "Team", default=slug))


@transaction.atomic
def create_project(organization: Organization, slug: str, name: str = "", platform: str = "",
                   teams: Iterable[Team] = ()) -> Project:
    """Create a project with one active DSN key, as Sentry does."""
    slug = _clean_slug(slug, "Project")
    if organization.projects.filter(slug=slug).exists():
        raise ValidationError(
            f"A project with slug {slug!r} already exists in {organization.slug}.")
    project = Project.objects.create(organization=organization, slug=slug, name=name or slug,
                                     platform=platform)
    project.teams.set(teams)
    create_project_key(project)
    return project


def create_project_key(project: Project, label: str = "Default",
                       rate_limit_count: int | None = None,
                       rate_limit_window_seconds: int = 60) -> ProjectKey:
    if rate_limit_count is None:
        rate_limit_count = settings.ERRORTRACK_DEFAULT_KEY_RATE_LIMIT
    _check_rate_limit(rate_limit_count, rate_limit_window_seconds)
    return ProjectKey.objects.create(project=project, label=label or "Default",
                                     rate_limit_count=rate_limit_count,
                                     rate_limit_window_seconds=rate_limit_window_seconds)


MAX_RATE_LIMIT_COUNT = 1_000_000_000  # well inside a 32-bit column on every database


def _check_rate_limit(count: int, window_seconds: int) -> None:
    if count < 0:
        raise ValidationError("Rate limit count must be 0 (unlimited) or more.")
    if count > MAX_RATE_LIMIT_COUNT:
        raise ValidationError(f"Rate limit count must be at most {MAX_RATE_LIMIT_COUNT:,}.")
    if not 1 <= window_seconds <= 86400:
        raise ValidationError("Rate limit window must be between 1 second and 1 day.")


def set_project_key_active(key: ProjectKey, active: bool) -> ProjectKey:
    """Enable or disable a DSN key; SDKs using a disabled key get 403."""
    key.is_active = active
    key.save(update_fields=["is_active"])
    return key


def rename_project_key(key: ProjectKey, label: str) -> ProjectKey:
    key.label = label.strip()[:64] or "Default"
    key.save(update_fields=["label"])
    return key


def set_project_key_rate_limit(key: ProjectKey, count: int, window_seconds: int) -> ProjectKey:
    _check_rate_limit(count, window_seconds)
    key.rate_limit_count = count
    key.rate_limit_window_seconds = window_seconds
    key.save(update_fields=["rate_limit_count", "rate_limit_window_seconds"])
    return key


def create_api_token(user: AbstractBaseUser, name: str, scopes: Iterable[str],
                     expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its plaintext, which is never stored or shown again."""
    scopes = sorted(set(scopes))
    if not scopes:
        raise ValidationError("Choose at least one scope.")
    unknown = [s for s in scopes if s not in tokens.SCOPES]
    if unknown:
        raise ValidationError(f"Unknown scopes: {', '.join(unknown)}.")
    plaintext = tokens.generate_token()
    token = ApiToken.objects.create(user=user, name=name, scopes=scopes,
                                    token_hash=tokens.hash_token(plaintext),
                                    token_last_characters=plaintext[-4:], expires_at=expires_at)
    return token, plaintext


@transaction.atomic
def rotate_api_token(user: AbstractBaseUser, name: str,
                     scopes: Iterable[str]) -> tuple[ApiToken, str]:
    """Replace the user's tokens called `name` with a fresh one (old plaintexts stop working)."""
    ApiToken.objects.filter(user=user, name=name).delete()
    return create_api_token(user, name, scopes)


def revoke_api_token(token: ApiToken) -> None:
    token.delete()


def ensure_admin_user(username: str, email: str,
                      password: str | None = None) -> tuple[AbstractBaseUser, str | None]:
    """Return the superuser `username`, creating it if needed.

    Returns (user, password_to_show): the generated password when one was just made, else None.
    An explicit `password` is (re)applied so DJANGO_SUPERUSER_PASSWORD stays authoritative.
    """
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    shown = None
    if user is None:
        shown = None if password else secrets.token_urlsafe(12)
        user = user_model.objects.create_superuser(username=username, email=email,
                                                   password=password or shown)
    elif password and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, shown


STATUS_ACTIVITY = {
    Issue.Status.RESOLVED: Activity.Kind.SET_RESOLVED,
    Issue.Status.UNRESOLVED: Activity.Kind.SET_UNRESOLVED,
    Issue.Status.IGNORED: Activity.Kind.SET_IGNORED,
}


@transaction.atomic
def set_issue_status(issue: Issue, status: str, user: AbstractBaseUser | None = None,
                     in_next_release: bool = False,
                     ignore_minutes: int | None = None, reason: str = "") -> Issue:
    """Resolve, unresolve or ignore an issue, recorded as activity (with `reason` when the
    change was not a person's, e.g. a monitor that recovered).

    Resolved "in the next release": events from releases already seen keep it resolved; the
    first event of a newer release reopens it as a regression (errortrack.digest.store).
    Ignored for `ignore_minutes`: the first event after that reopens it.
    """
    if status not in STATUS_ACTIVITY:
        raise ValidationError(f"Unknown status {status!r}; use one of "
                              f"{', '.join(STATUS_ACTIVITY)}.")
    if in_next_release and status != Issue.Status.RESOLVED:
        raise ValidationError("Only a resolution can wait for the next release.")
    if ignore_minutes is not None and (status != Issue.Status.IGNORED
                                       or not 0 < ignore_minutes <= 525_600):
        raise ValidationError("An ignore duration is 1 to 525,600 minutes, for ignoring.")
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    now = timezone.now()
    issue.status = status
    issue.resolved_at = now if status == Issue.Status.RESOLVED else None
    issue.resolved_in_next_release = in_next_release
    issue.ignore_until = now + timedelta(minutes=ignore_minutes) if ignore_minutes else None
    if status != Issue.Status.UNRESOLVED:
        issue.is_regressed = False
    issue.save(update_fields=["status", "resolved_at", "resolved_in_next_release",
                              "is_regressed", "ignore_until"])
    data: dict = {"in_next_release": True} if in_next_release else {}
    if ignore_minutes:
        data["ignore_minutes"] = ignore_minutes
    if reason:
        data["reason"] = reason
    Activity.objects.create(issue=issue, user=user, kind=STATUS_ACTIVITY[status], data=data)
    transaction.on_commit(lambda: signals.issue_status_changed.send(
        sender=Issue, issue=issue, status=status, user=user))
    return issue


@transaction.atomic
def assign_issue(issue: Issue, assignee: AbstractBaseUser | Team | None,
                 actor: AbstractBaseUser | None = None) -> Issue:
    """Assign to a member or a team of the issue's organization, or unassign (None)."""
    organization_id = issue.project.organization_id
    if isinstance(assignee, Team) and assignee.organization_id != organization_id:
        raise ValidationError("That team is not in this issue's organization.")
    if assignee is not None and not isinstance(assignee, Team) and not Member.objects.filter(
            organization_id=organization_id, user=assignee).exists():
        raise ValidationError("That user is not a member of this issue's organization.")
    issue.assigned_user = None if isinstance(assignee, Team) else assignee
    issue.assigned_team = assignee if isinstance(assignee, Team) else None
    issue.save(update_fields=["assigned_user", "assigned_team"])
    if assignee is None:
        Activity.objects.create(issue=issue, user=actor, kind=Activity.Kind.UNASSIGNED)
    else:
        kind = "team" if isinstance(assignee, Team) else "user"
        Activity.objects.create(issue=issue, user=actor, kind=Activity.Kind.ASSIGNED,
                                data={"assignee": str(assignee.pk), "assigneeType": kind})
    return issue


def set_issue_bookmark(issue: Issue, user: AbstractBaseUser, bookmarked: bool) -> None:
    if bookmarked:
        IssueBookmark.objects.get_or_create(issue=issue, user=user)
    else:
        IssueBookmark.objects.filter(issue=issue, user=user).delete()


def set_issue_seen(issue: Issue, user: AbstractBaseUser, seen: bool) -> None:
    if seen:
        IssueSeen.objects.update_or_create(issue=issue, user=user,
                                           defaults={"last_seen": timezone.now()})
    else:
        IssueSeen.objects.filter(issue=issue, user=user).delete()


MAX_COMMENT_LENGTH = 10_000


def _comment_text(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("A comment needs some text.")
    if len(text) > MAX_COMMENT_LENGTH:
        raise ValidationError(f"A comment is at most {MAX_COMMENT_LENGTH:,} characters.")
    return text.strip()


def add_comment(issue: Issue, user: AbstractBaseUser, text: str) -> Activity:
    """A comment (Sentry's "note") in the issue's activity."""
    return Activity.objects.create(issue=issue, user=user, kind=Activity.Kind.NOTE,
                                   data={"text": _comment_text(text)})


def edit_comment(comment: Activity, text: str) -> Activity:
    comment.data = {**comment.data, "text": _comment_text(text)}
    comment.save(update_fields=["data"])
    return comment


def delete_comment(comment: Activity) -> None:
    comment.delete()


def delete_issue(issue: Issue) -> None:
    """Delete an issue with its events, counters and activity. A new event with its
    fingerprint opens a new issue."""
    issue.delete()


@transaction.atomic
def merge_issues(issues: list[Issue], user: AbstractBaseUser | None = None) -> Issue:
    """Merge issues of one project into the one with the most events; return that parent."""
    from errortrack.digest.merge import merge_into

    if len({issue.project_id for issue in issues}) != 1:
        raise ValidationError("Only issues of one project can be merged.")
    locked = list(Issue.objects.select_for_update().filter(
        pk__in=[issue.pk for issue in issues], merged_into__isnull=True).order_by("id"))
    if len(locked) < 2:
        raise ValidationError("Merging needs at least two issues.")
    parent = max(locked, key=lambda issue: (issue.times_seen, -issue.pk))
    children = [issue for issue in locked if issue.pk != parent.pk]
    merge_into(parent, children)
    Activity.objects.create(issue=parent, user=user, kind=Activity.Kind.MERGE,
                            data={"children": [str(child.pk) for child in children]})
    return parent


# --- Settings pages: names, members, teams, a project's settings --------------------------------

MAX_NAME_LENGTH = 100  # Organization, Team and Project names


def _clean_name(name: object, what: str, default: str = "") -> str:
    """A display name, stripped; `default` when empty (or refused when there is none)."""
    if not isinstance(name, str):
        raise ValidationError(f"{what} name must be text.")
    name = name.strip() or default
    if not name:
        raise ValidationError(f"{what} name cannot be empty.")
    if len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise ValidationError(f"{what} name must be at most {MAX_NAME_LENGTH} printable "
                              "characters.")
    return name


def find_user(username_or_email: str) -> AbstractBaseUser:
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
        raise ValidationError(f"{member.user.get_username()} is the last owner of "
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


MAX_SCRUB_FIELDS = 100
MAX_SCRUB_FIELD_LENGTH = 100
MAX_RETENTION_DAYS = 3650
PLATFORM = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def _clean_platform(platform: object) -> str:
    if not isinstance(platform, str):
        raise ValidationError("Platform must be text.")
    platform = platform.strip().lower()
    if platform and not PLATFORM.match(platform):
        raise ValidationError("Platform is a Sentry platform name such as python or "
                              "javascript-react: up to 64 letters, digits, '.', '_' or '-'.")
    return platform


def _clean_bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{what} must be true or false.")
    return value


def _clean_field_names(names: object, what: str) -> list[str]:
    """Key names for the scrubber (errortrack.digest.scrub): stripped, without duplicates.

    The scrubber matches extra sensitive names as substrings of every key and value of every
    event, so their number and length are bounded, and each must be printable (no NUL or
    line breaks: the form holds one per line)."""
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise ValidationError(f"{what} must be a list of field names.")
    cleaned: dict[str, str] = {}
    for name in (n.strip() for n in names):
        if name and name.lower() not in cleaned:
            if len(name) > MAX_SCRUB_FIELD_LENGTH or not name.isprintable():
                raise ValidationError(f"{what}: each name must be at most "
                                      f"{MAX_SCRUB_FIELD_LENGTH} printable characters.")
            cleaned[name.lower()] = name
        if len(cleaned) > MAX_SCRUB_FIELDS:
            raise ValidationError(f"{what}: at most {MAX_SCRUB_FIELDS} names.")
    return list(cleaned.values())


def _clean_retention(days: object) -> int | None:
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_RETENTION_DAYS:
        raise ValidationError(f"Event retention must be 1 to {MAX_RETENTION_DAYS} days, or "
                              "empty for the global setting.")
    return days


PROJECT_SETTINGS = {
    "name": lambda value: _clean_name(value, "Project"),
    "platform": _clean_platform,
    "scrub_defaults": lambda value: _clean_bool(value, "Default scrubbing"),
    "sensitive_fields": lambda value: _clean_field_names(value, "Sensitive fields"),
    "safe_fields": lambda value: _clean_field_names(value, "Safe fields"),
    "scrub_ip_addresses": lambda value: _clean_bool(value, "IP address scrubbing"),
    "event_retention_days": _clean_retention,
}


def update_project_settings(project: Project, **changes: object) -> Project:
    """Change any of a project's general (name, platform), data scrubbing (scrub_defaults,
    sensitive_fields, safe_fields, scrub_ip_addresses) and retention (event_retention_days,
    None for the global setting) settings. All are validated before any is set, so a refusal
    changes nothing. The digest reads scrubbing settings per batch: new events use them."""
    unknown = sorted(set(changes) - set(PROJECT_SETTINGS))
    if unknown:
        raise ValidationError(f"Unknown project settings: {', '.join(unknown)}.")
    cleaned = {key: PROJECT_SETTINGS[key](value) for key, value in changes.items()}
    for key, value in cleaned.items():
        setattr(project, key, value)
    project.save(update_fields=list(cleaned))
    return project
