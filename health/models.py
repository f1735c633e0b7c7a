from django.db import models
from django.db.models.functions import Now
from django.utils import timezone


class Heartbeat(models.Model):
    """The last time a background component proved it was running (readiness reads these)."""

    name = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class UptimeMonitor(models.Model):
    """A URL probed on an interval (health.uptime). After `failure_threshold` failed checks in
    a row it is down and its issue (kind uptime) opens; after `recovery_threshold` good ones it
    is up again and the issue resolves."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # not checked yet
        UP = "up", "Up"
        DOWN = "down", "Down"

    class Method(models.TextChoices):
        GET = "GET"
        HEAD = "HEAD"
        POST = "POST"

    project = models.ForeignKey("errortrack.Project", on_delete=models.CASCADE,
                                related_name="uptime_monitors")
    name = models.CharField(max_length=100)
    url = models.CharField(max_length=2000)
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.GET)
    interval_seconds = models.PositiveIntegerField(default=60)
    timeout_seconds = models.FloatField(default=10.0)
    # Comma list of codes and ranges, e.g. "200-299,301" (health.uptime.parse_expected_status).
    expected_status = models.CharField(max_length=200, default="200-299")
    expected_keyword = models.CharField(max_length=200, blank=True, default="")
    failure_threshold = models.PositiveSmallIntegerField(default=3)
    recovery_threshold = models.PositiveSmallIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    # State, changed only by health.uptime (claims and transitions are conditional UPDATEs).
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    consecutive_failures = models.PositiveIntegerField(default=0)
    consecutive_successes = models.PositiveIntegerField(default=0)
    next_check_at = models.DateTimeField(default=timezone.now)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    status_changed_at = models.DateTimeField(null=True, blank=True)
    issue = models.ForeignKey("errortrack.Issue", on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["is_active", "next_check_at"], name="uptime_due")]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"


class UptimeResult(models.Model):
    """One probe's outcome: the status and response-time history (kept
    ERRORTRACK_UPTIME_HISTORY_DAYS)."""

    monitor = models.ForeignKey(UptimeMonitor, on_delete=models.CASCADE, related_name="results")
    checked_at = models.DateTimeField()
    ok = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["monitor", "checked_at"], name="uptime_result_by_time"),
                   models.Index(fields=["checked_at"], name="uptime_result_expiry")]
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.monitor_id} {'ok' if self.ok else 'failed'} @ {self.checked_at}"


class UptimeHour(models.Model):
    """One monitor's results in one clock hour (UTC), summed as each is recorded: the 7- and
    30-day figures read up to 720 of these instead of up to 86,400 results per monitor."""

    monitor = models.ForeignKey(UptimeMonitor, on_delete=models.CASCADE, related_name="hours")
    hour = models.DateTimeField()
    checks = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    timed_successes = models.PositiveIntegerField(default=0)  # ok results with a duration
    success_ms_total = models.FloatField(default=0.0)  # the sum of those durations

    class Meta:
        constraints = [models.UniqueConstraint(fields=["monitor", "hour"],
                                               name="uptime_hour_once")]
        indexes = [models.Index(fields=["hour"], name="uptime_hour_expiry")]

    def __str__(self) -> str:
        return f"{self.monitor_id} @ {self.hour:%Y-%m-%d %H:00}: {self.checks} checks"


class CronMonitor(models.Model):
    """A scheduled job that checks in (sentry_sdk.crons, or the HTTP check-in endpoint).

    Created from a check-in's `monitor_config` (upsert) or by a user. A missed check-in
    (nothing by the expected time plus the margin), a timeout (in progress longer than
    max_runtime) or an error counts as a failure; `failure_issue_threshold` failures in a row
    open its issue (kind cron); `recovery_threshold` ok check-ins in a row resolve it."""

    class ScheduleType(models.TextChoices):
        CRONTAB = "crontab", "Crontab"
        INTERVAL = "interval", "Interval"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for first check-in"
        OK = "ok", "OK"
        ERROR = "error", "Failing"

    project = models.ForeignKey("errortrack.Project", on_delete=models.CASCADE,
                                related_name="cron_monitors")
    slug = models.CharField(max_length=50)
    name = models.CharField(max_length=100)
    schedule_type = models.CharField(max_length=16, choices=ScheduleType.choices,
                                     default=ScheduleType.CRONTAB)
    # crontab: the expression; interval: the count, with its unit in `interval_unit`.
    schedule = models.CharField(max_length=100)
    interval_unit = models.CharField(max_length=8, blank=True, default="")
    timezone = models.CharField(max_length=64, default="UTC")
    checkin_margin_minutes = models.PositiveIntegerField(default=1)
    max_runtime_minutes = models.PositiveIntegerField(default=30)
    failure_issue_threshold = models.PositiveSmallIntegerField(default=1)
    recovery_threshold = models.PositiveSmallIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    # State, changed only by health.crons.
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    next_expected_at = models.DateTimeField(null=True, blank=True)  # the next scheduled run
    last_checkin_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    consecutive_ok = models.PositiveIntegerField(default=0)
    issue = models.ForeignKey("errortrack.Issue", on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "slug"],
                                               name="cron_monitor_unique_slug")]
        indexes = [models.Index(fields=["is_active", "next_expected_at"], name="cron_due")]
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class CheckIn(models.Model):
    """One run of a cron job as its check-ins told it (in_progress, then ok or error, sharing a
    check_in_id), or a run errortrack recorded as missed or timed out."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        OK = "ok", "OK"
        ERROR = "error", "Error"
        MISSED = "missed", "Missed"
        TIMEOUT = "timeout", "Timed out"
        UNKNOWN = "unknown", "Unknown"

    project = models.ForeignKey("errortrack.Project", on_delete=models.CASCADE, related_name="+")
    monitor = models.ForeignKey(CronMonitor, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="checkins")
    check_in_id = models.CharField(max_length=32)
    monitor_slug = models.CharField(max_length=50)
    status = models.CharField(max_length=16)
    duration = models.FloatField(null=True)
    environment = models.CharField(max_length=64, blank=True, default="")
    release = models.CharField(max_length=200, blank=True, default="")
    monitor_config = models.JSONField(null=True, blank=True)
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField(null=True, blank=True)
    expected_at = models.DateTimeField(null=True, blank=True)  # the scheduled time it answers
    timeout_at = models.DateTimeField(null=True, blank=True)  # in progress: when it times out

    class Meta:
        indexes = [models.Index(fields=["project", "monitor_slug", "received_at"],
                                name="checkin_by_monitor"),
                   models.Index(fields=["monitor", "check_in_id"], name="checkin_by_id"),
                   models.Index(fields=["status", "timeout_at"], name="checkin_timeouts")]
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.monitor_slug} {self.status}"
