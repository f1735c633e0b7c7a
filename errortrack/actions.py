"""State changes, one named function each. Views, API views, commands and tasks call these.

Callers check permissions first (errortrack.access); these functions validate their inputs and
raise django.core.exceptions.ValidationError with a message a person can act on.
"""

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone

from errortrack import tokens
from errortrack.models import (
    Activity,
    ApiToken,
    Issue,
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
    return Team.objects.create(organization=organization, slug=slug, name=name or slug)


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
                     in_next_release: bool = False) -> Issue:
    """Resolve, unresolve or ignore an issue, recorded as activity.

    Resolved "in the next release": events from releases already seen keep it resolved; the
    first event of a newer release reopens it as a regression (errortrack.digest.store).
    """
    if status not in STATUS_ACTIVITY:
        raise ValidationError(f"Unknown status {status!r}; use one of "
                              f"{', '.join(STATUS_ACTIVITY)}.")
    if in_next_release and status != Issue.Status.RESOLVED:
        raise ValidationError("Only a resolution can wait for the next release.")
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    issue.status = status
    issue.resolved_at = timezone.now() if status == Issue.Status.RESOLVED else None
    issue.resolved_in_next_release = in_next_release
    if status != Issue.Status.UNRESOLVED:
        issue.is_regressed = False
    issue.save(update_fields=["status", "resolved_at", "resolved_in_next_release",
                              "is_regressed"])
    Activity.objects.create(issue=issue, user=user, kind=STATUS_ACTIVITY[status],
                            data={"in_next_release": True} if in_next_release else {})
    return issue
