"""Tenancy: organizations own teams, members and projects; projects own DSN keys.

State changes go through errortrack.actions; reads that depend on who asks go through
errortrack.access. Models hold data and derived properties only.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from errortrack.compat.dsn import build_dsn
from errortrack.fields import FastJSONField, PayloadField


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


class Member(models.Model):
    """A user's membership of one organization. The role decides what they may change."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    date_created = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"],
                                               name="member_unique_user_per_org")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization.slug} ({self.role})"

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


class InboxItem(models.Model):
    """An accepted envelope item, stored before the SDK gets its 200: the ack point.

    Consumers delete the row in the transaction that stores what it became, so an acked item is
    either here or stored, whatever crashes in between.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    item_type = models.CharField(max_length=32)
    event_id = models.CharField(max_length=32, blank=True, default="")
    headers = FastJSONField(default=dict)  # the item's headers and the envelope's
    payload = PayloadField()
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(db_default=Now())
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    quarantined = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["quarantined", "id"], name="inbox_pending")]

    def __str__(self) -> str:
        return f"{self.item_type} {self.event_id or self.pk}"


class Event(models.Model):
    """A stored event (minimal until the digest issue normalizes and groups it)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=32)
    data = FastJSONField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "event_id"],
                                               name="event_unique_id_per_project")]

    def __str__(self) -> str:
        return self.event_id


class TransactionSummary(models.Model):
    """A performance transaction, compacted: what a future performance view needs."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=32)
    name = models.CharField(max_length=200, blank=True, default="")
    op = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=32, blank=True, default="")
    duration_ms = models.FloatField(null=True)
    release = models.CharField(max_length=200, blank=True, default="")
    environment = models.CharField(max_length=64, blank=True, default="")
    timestamp = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "event_id"],
                                               name="transaction_unique_id_per_project")]

    def __str__(self) -> str:
        return f"{self.name} {self.duration_ms} ms"


class SessionCounts(models.Model):
    """Release health: sessions per project, release, environment and minute, by outcome."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    release = models.CharField(max_length=200)
    environment = models.CharField(max_length=64, blank=True, default="")
    minute = models.DateTimeField()
    started = models.PositiveIntegerField(default=0)
    exited = models.PositiveIntegerField(default=0)
    errored = models.PositiveIntegerField(default=0)
    crashed = models.PositiveIntegerField(default=0)
    abnormal = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["project", "release", "environment", "minute"],
            name="session_counts_unique_bucket")]

    def __str__(self) -> str:
        return f"{self.release} {self.minute:%Y-%m-%d %H:%M}"


class DiscardCounts(models.Model):
    """Client reports: events the SDKs dropped, per project, day, reason and category."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    reason = models.CharField(max_length=64)
    category = models.CharField(max_length=64)
    quantity = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "day", "reason", "category"],
                                               name="discard_counts_unique_bucket")]

    def __str__(self) -> str:
        return f"{self.day} {self.reason}/{self.category}: {self.quantity}"


class EventAttachment(models.Model):
    """A file sent with an event (or alone, naming the event's id)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=32)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True, default="")
    attachment_type = models.CharField(max_length=64, default="event.attachment")
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    received_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["project", "event_id"], name="attachment_by_event")]

    def __str__(self) -> str:
        return self.filename


class UserReport(models.Model):
    """Legacy user feedback (`user_report` items) about an event."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=32)
    name = models.CharField(max_length=128, blank=True, default="")
    email = models.CharField(max_length=128, blank=True, default="")
    comments = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["project", "event_id"], name="user_report_by_event")]

    def __str__(self) -> str:
        return f"{self.email or self.name}: {self.comments[:40]}"
