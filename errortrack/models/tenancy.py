"""Tenancy: organizations own teams, members and projects; projects own DSN keys.

State changes go through errortrack.actions; reads that depend on who asks go through
errortrack.access. Models hold data and derived properties only.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Now

from errortrack.compat.dsn import build_dsn


def _hex32() -> str:
    return secrets.token_hex(16)


class Organization(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    date_created = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Team(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    slug = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    date_created = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["slug"]
        constraints = [models.UniqueConstraint(fields=["organization", "slug"],
                                               name="team_unique_slug_per_org")]

    def __str__(self) -> str:
        return f"{self.organization.slug}/{self.slug}"


class JoinedMemberManager(models.Manager["Member"]):
    """Members who have joined: what every page, alert and access check means by a member."""

    def get_queryset(self) -> models.QuerySet["Member"]:
        return super().get_queryset().filter(user__isnull=False)


class Member(models.Model):
    """A user's membership of one organization. The role decides what they may change.

    A row without a user is a pending invitation to `email` (Sentry's OrganizationMember does
    the same): it keeps its id when accepted, so API clients (Terraform) that stored the id
    still find it. `objects` (the default manager, so `organization.members` and
    `team.members` too) holds joined members only; `with_invitations` holds every row."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships", null=True, blank=True)
    # The invited address (pending rows only; a joined member's address is their user's).
    email = models.EmailField(blank=True, default="")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    # The Sentry role id a client asked for when it is not one of ours (only "manager",
    # stored as admin): shown back so the client sees the role it set.
    sentry_role = models.CharField(max_length=16, blank=True, default="")
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    date_created = models.DateTimeField(db_default=Now())

    with_invitations = models.Manager()
    objects = JoinedMemberManager()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "with_invitations"
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"],
                                    name="member_unique_user_per_org"),
            models.UniqueConstraint(fields=["organization", "email"],
                                    condition=models.Q(user__isnull=True),
                                    name="member_unique_invitation_per_org"),
            models.CheckConstraint(condition=models.Q(user__isnull=False) | ~models.Q(email=""),
                                   name="member_user_or_invited_email"),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.email} in {self.organization.slug} ({self.role})"

    @property
    def pending(self) -> bool:
        """An invitation nobody has accepted yet."""
        return self.user_id is None

    @property
    def login(self) -> str:
        """The member's username, or the invited address of a pending invitation."""
        return self.user.get_username() if self.user is not None else self.email

    @property
    def can_manage(self) -> bool:
        """Owners and admins change settings, keys, members and projects; members triage."""
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class Project(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="projects")
    slug = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    platform = models.CharField(max_length=64, blank=True, default="")
    teams = models.ManyToManyField(Team, blank=True, related_name="projects")
    date_created = models.DateTimeField(db_default=Now())
    # Data scrubbing (errortrack.digest.scrub), applied before anything of an event is stored.
    scrub_defaults = models.BooleanField(
        default=True, help_text="Filter values under the built-in sensitive keys (password, "
                                "token, cookie, …), credit cards, private keys, URL passwords")
    sensitive_fields = models.JSONField(
        default=list, blank=True,
        help_text="More key names to filter; matched as substrings of keys and of values")
    safe_fields = models.JSONField(default=list, blank=True,
                                   help_text="Key names never filtered")
    scrub_ip_addresses = models.BooleanField(
        default=False, help_text="Remove the user's and the request's IP addresses")
    # Days events are kept; null: the global ERRORTRACK_EVENT_RETENTION_DAYS
    # (errortrack.digest.retention).
    event_retention_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Days events are kept (1 to 3650); empty: the global setting")
    # The grouping algorithm new events are grouped with (errortrack.digest.grouping); changed
    # only deliberately, since a new algorithm puts new events into new issues.
    grouping_version = models.CharField(max_length=16, default="v1")
    # The last short id given to an issue of this project (WEB-1, WEB-2, …).
    issue_counter = models.PositiveIntegerField(default=0)
    # Sentry project settings errortrack does not act on (digests, resolveAge, fingerprinting
    # rules, client security, …), by their API names: kept so API clients read back what they
    # wrote (Terraform fails on a value that changes after apply). Checked by
    # errortrack.actions.projects.
    sentry_settings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["organization__slug", "slug"]
        constraints = [models.UniqueConstraint(fields=["organization", "slug"],
                                               name="project_unique_slug_per_org")]

    def __str__(self) -> str:
        return f"{self.organization.slug}/{self.slug}"


class ProjectKey(models.Model):
    """A DSN key. SDKs authenticate with public_key; the secret is legacy and never required."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="keys")
    label = models.CharField(max_length=64, default="Default")
    public_key = models.CharField(max_length=32, unique=True, default=_hex32)
    secret_key = models.CharField(max_length=32, default=_hex32)
    is_active = models.BooleanField(default=True)
    # Events accepted per window; 0 means unlimited (Sentry's per-key rate limit).
    rate_limit_count = models.PositiveIntegerField(default=0)
    rate_limit_window_seconds = models.PositiveIntegerField(default=60)
    # Sentry's JavaScript Loader Script settings, kept for API clients to read back.
    browser_sdk_version = models.CharField(max_length=16, default="latest")
    loader_has_replay = models.BooleanField(default=False)
    loader_has_performance = models.BooleanField(default=False)
    loader_has_debug = models.BooleanField(default=False)
    date_created = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["date_created", "id"]

    def __str__(self) -> str:
        return f"{self.label} ({self.public_key[:8]}…)"

    @property
    def dsn(self) -> str:
        return build_dsn(settings.BASE_URL, self.public_key, self.project_id)


class ApiToken(models.Model):
    """A user's API token. Only the SHA-256 of the token is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    token_last_characters = models.CharField(max_length=4)
    scopes = models.JSONField(default=list)
    date_created = models.DateTimeField(db_default=Now())
    date_last_used = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date_created", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (…{self.token_last_characters})"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
