"""What the digest makes of events: issues, the events themselves, and the counters and time
buckets that the issue stream, the API and alert rules read."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from errortrack.fields import CompressedJSONField
from errortrack.models.tenancy import Project


class Issue(models.Model):
    """Events that share a fingerprint (errortrack.digest.grouping), with their counters."""

    class Kind(models.TextChoices):
        ERROR = "error", "Error"
        UPTIME = "uptime", "Uptime"
        CRON = "cron", "Cron"

    class Status(models.TextChoices):
        UNRESOLVED = "unresolved", "Unresolved"
        RESOLVED = "resolved", "Resolved"
        IGNORED = "ignored", "Ignored"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ERROR)
    short_id = models.PositiveIntegerField()  # per project: WEB-1, WEB-2, …
    grouping_hash = models.CharField(max_length=32)
    grouping_version = models.CharField(max_length=16)
    title = models.CharField(max_length=255)
    culprit = models.CharField(max_length=200, blank=True, default="")
    level = models.CharField(max_length=16, default="error")
    platform = models.CharField(max_length=64, blank=True, default="")
    event_type = models.CharField(max_length=16, default="error")  # error or default (message)
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNRESOLVED)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Resolved "in the next release": events of releases seen before resolved_at don't reopen it.
    resolved_in_next_release = models.BooleanField(default=False)
    is_regressed = models.BooleanField(default=False)  # reopened by an event after resolution
    # Ignored "for a while": the first event after this reopens it.
    ignore_until = models.DateTimeField(null=True, blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    times_seen = models.PositiveBigIntegerField(default=0)
    user_count = models.PositiveIntegerField(default=0)
    first_release = models.CharField(max_length=200, blank=True, default="")
    last_release = models.CharField(max_length=200, blank=True, default="")
    # Who is on it: a user or a team, never both (errortrack.actions.assign_issue).
    assigned_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                      null=True, blank=True, related_name="assigned_issues")
    assigned_team = models.ForeignKey("errortrack.Team", on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="assigned_issues")
    # Merged into another issue: its events moved there, and so do new ones with its hash.
    merged_into = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="merged_children")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "grouping_hash"],
                                    name="issue_unique_fingerprint"),
            models.UniqueConstraint(fields=["project", "short_id"],
                                    name="issue_unique_short_id"),
        ]
        indexes = [
            models.Index(fields=["project", "status", "-last_seen"], name="issue_stream"),
            models.Index(fields=["project", "-last_seen"], name="issue_by_last_seen"),
            models.Index(fields=["project", "-first_seen"], name="issue_by_first_seen"),
        ]

    def __str__(self) -> str:
        return f"{self.short_id_display}: {self.title[:60]}"

    @property
    def short_id_display(self) -> str:
        return f"{self.project.slug.upper()}-{self.short_id}"


class Event(models.Model):
    """One stored event: the normalized, scrubbed document, plus the columns lists filter on."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="events", null=True)
    event_id = models.CharField(max_length=32)
    timestamp = models.DateTimeField(null=True)
    received_at = models.DateTimeField()
    level = models.CharField(max_length=16, blank=True, default="")
    release = models.CharField(max_length=200, blank=True, default="")
    environment = models.CharField(max_length=64, blank=True, default="")
    title = models.CharField(max_length=255, blank=True, default="")
    data = CompressedJSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "event_id"],
                                               name="event_unique_id_per_project")]
        indexes = [models.Index(fields=["issue", "timestamp"], name="event_by_issue_time"),
                   # A project's events by time: Discover's rows and the project event list
                   # filter on the project and the event's timestamp and sort by it.
                   models.Index(fields=["project", "timestamp"], name="event_by_project_time"),
                   models.Index(fields=["received_at"], name="event_by_received_at")]

    def __str__(self) -> str:
        return self.event_id


class Release(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=200)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "version"],
                                               name="release_unique_version")]

    def __str__(self) -> str:
        return self.version


class Environment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="environments")
    name = models.CharField(max_length=64)
    first_seen = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"],
                                               name="environment_unique_name")]

    def __str__(self) -> str:
        return self.name


class IssueTagValue(models.Model):
    """How often each tag value occurred in an issue's events (the tag breakdown)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="tag_values")
    key = models.CharField(max_length=32)
    value = models.CharField(max_length=200)
    times_seen = models.PositiveBigIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "key", "value"],
                                               name="issue_tag_value_unique")]
        indexes = [models.Index(fields=["key", "value"], name="issue_tag_lookup")]

    def __str__(self) -> str:
        return f"{self.key}={self.value} ({self.times_seen})"


class IssueHourBucket(models.Model):
    """Events and distinct users of an issue in one hour (charts, rule windows)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="hour_buckets")
    hour = models.DateTimeField()
    events = models.PositiveIntegerField(default=0)
    users = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "hour"],
                                               name="issue_hour_bucket_unique")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h: {self.events}"


class IssueUser(models.Model):
    """A user (hashed identity) seen in an issue: counts distinct users without scanning."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="+")
    user_hash = models.CharField(max_length=32)
    first_seen = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "user_hash"],
                                               name="issue_user_unique")]

    def __str__(self) -> str:
        return self.user_hash


class IssueUserHour(models.Model):
    """A user seen in an issue in one hour: distinct users per hour and over any window."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    user_hash = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "hour", "user_hash"],
                                               name="issue_user_hour_unique")]
        indexes = [models.Index(fields=["hour"], name="issue_user_hour_by_hour")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.user_hash}"


class ProjectMinuteBucket(models.Model):
    """Error events per project, minute, release and environment (error-rate rules, deploys)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    release = models.CharField(max_length=200, blank=True, default="")
    environment = models.CharField(max_length=64, blank=True, default="")
    events = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["project", "minute", "release", "environment"],
            name="project_minute_bucket_unique")]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.release}: {self.events}"


class IssueBookmark(models.Model):
    """A user's bookmark on an issue."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="bookmarks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "user"],
                                               name="issue_bookmark_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} ★ {self.issue_id}"


class IssueSeen(models.Model):
    """That a user has looked at an issue (Sentry's hasSeen)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="seen_by")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    last_seen = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "user"],
                                               name="issue_seen_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.issue_id}"


class Activity(models.Model):
    """What happened to an issue: status changes, assignments, comments, regressions."""

    class Kind(models.TextChoices):
        NOTE = "note", "Comment"
        SET_RESOLVED = "set_resolved", "Resolved"
        SET_UNRESOLVED = "set_unresolved", "Unresolved"
        SET_IGNORED = "set_ignored", "Ignored"
        SET_REGRESSION = "set_regression", "Regression"
        ASSIGNED = "assigned", "Assigned"
        UNASSIGNED = "unassigned", "Unassigned"
        MERGE = "merge", "Merged"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="activities")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-created_at", "-id"]
        # Live pages catching up after a reconnect ask what happened since a moment.
        indexes = [models.Index(fields=["created_at"], name="activity_by_created_at")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.issue_id}"
