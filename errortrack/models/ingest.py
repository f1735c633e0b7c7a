"""What ingest accepted: the inbox (the ack point) and the rows non-event items become."""

from django.db import models
from django.db.models.functions import Now

from errortrack.fields import FastJSONField, PayloadField
from errortrack.models.tenancy import Project


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
