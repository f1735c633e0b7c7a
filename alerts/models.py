"""Alert channels (where notifications go), rules (when), and deliveries (each attempt's
record, and the retry queue)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from errortrack.models import Issue, Organization, Project


class Channel(models.Model):
    """A destination, per organization, that any of its projects' rules may use. Its settings
    (`config`) are the notifier's business (alerts/notifiers/<kind>.py)."""

    class Kind(models.TextChoices):
        SLACK = "slack", "Slack"
        EMAIL = "email", "Email"
        PAGERDUTY = "pagerduty", "PagerDuty"
        WEBHOOK = "webhook", "Webhook"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="alert_channels")
    # Email only: `{"members": true}` mails the members of the alerting project's organization
    # (the default rule's channel); otherwise `{"addresses": [...]}`.
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=100)
    config = models.JSONField(default=dict)
    # A permanent failure (a 4xx other than 429) marks the channel failing until a delivery
    # succeeds again or it is edited; the UI shows it.
    is_failing = models.BooleanField(default=False)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class Rule(models.Model):
    """When a project's issues notify which channels.

    `triggers`: any one fires the rule, e.g. `[{"type": "new_issue"}, {"type": "regression"},
    {"type": "event_frequency", "value": 100, "minutes": 5}]`. `filters`: all must hold, e.g.
    `{"level": "error", "environment": "production"}`. See alerts/rules.py.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="alert_rules")
    name = models.CharField(max_length=100)
    triggers = models.JSONField(default=list)
    filters = models.JSONField(default=dict, blank=True)
    channels = models.ManyToManyField(Channel, related_name="rules", blank=True)
    action_interval_minutes = models.PositiveIntegerField(default=60)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return self.name


class RuleIssueState(models.Model):
    """When a rule last fired for an issue: the action interval is claimed by a conditional
    UPDATE of this row, so two workers never both send."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="+")
    last_fired_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "issue"],
                                               name="rule_issue_state_unique")]

    def __str__(self) -> str:
        return f"rule {self.rule_id} fired for issue {self.issue_id} at {self.last_fired_at}"


class RuleRateState(models.Model):
    """A project-rate rule's state, Prometheus-style: since when the rate is above the
    threshold (pending), and whether the rule is firing. Changed by conditional UPDATEs."""

    rule = models.OneToOneField(Rule, on_delete=models.CASCADE, related_name="rate_state")
    above_since = models.DateTimeField(null=True, blank=True)
    firing = models.BooleanField(default=False)
    last_rate = models.FloatField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rule {self.rule_id}: {'firing' if self.firing else 'ok'}"


class DeployGuardFiring(models.Model):
    """A deploy guard fired for a release in an environment: once per release, claimed by
    creating this row; it keeps what the guard saw."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="deploy_firings")
    release = models.CharField(max_length=200)
    environment = models.CharField(max_length=64, blank=True, default="")
    previous_release = models.CharField(max_length=200, blank=True, default="")
    new_rate = models.FloatField()
    previous_rate = models.FloatField()
    new_events = models.PositiveIntegerField()
    payload = models.JSONField(default=dict)
    fired_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "release", "environment"],
                                               name="deploy_guard_once_per_release")]

    def __str__(self) -> str:
        return f"deploy guard {self.rule_id} fired for {self.release} ({self.environment})"


class Delivery(models.Model):
    """One notification to one channel: its message, and every attempt's outcome. Pending rows
    are the retry queue (next_attempt_at), the same in embedded and scale-out mode."""

    class Action(models.TextChoices):
        TRIGGER = "trigger"
        RESOLVE = "resolve"
        TEST = "test"
        ROLLBACK = "rollback"  # the deploy guard's call to a rollback webhook

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="deliveries")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices, default=Action.TRIGGER)
    reason = models.CharField(max_length=32, blank=True, default="")  # which trigger
    message = models.JSONField(default=dict)  # what the notifier renders (alerts/message.py)
    recipients = models.JSONField(default=list, blank=True)  # email: resolved at creation
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_default=Now())
    claimed_until = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    duration_ms = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now())
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} to {self.channel_id}: {self.status}"


class AlertSnooze(models.Model):
    """An issue's alerts paused until a time (the issue itself stays as it is, unlike
    ignoring it)."""

    issue = models.OneToOneField(Issue, on_delete=models.CASCADE, related_name="alert_snooze")
    until = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"issue {self.issue_id} alerts snoozed until {self.until}"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery: what the receiver answered, or why it failed."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=16)  # sent, retrying, failed
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    duration_ms = models.FloatField()
    attempted_at = models.DateTimeField()

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"delivery {self.delivery_id} try {self.number}: {self.outcome}"


class RuleSentryForm(models.Model):
    """A rule as Sentry's rules API last wrote it (its conditions, filters and actions, and
    what it meant in our terms), kept so the API answers back what its client sent: Terraform
    compares each entry it configured with what it reads. Once the rule is changed elsewhere
    (`signature` no longer matches it), the API derives the entries from the rule instead."""

    rule = models.OneToOneField(Rule, on_delete=models.CASCADE, related_name="sentry_form")
    conditions = models.JSONField(default=list)
    filters = models.JSONField(default=list)
    actions = models.JSONField(default=list)
    action_match = models.CharField(max_length=8, default="any")
    filter_match = models.CharField(max_length=8, default="all")
    owner = models.CharField(max_length=40, null=True, blank=True)
    signature = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Sentry form of rule {self.rule_id}"
