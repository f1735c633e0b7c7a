from django.db import models


class Heartbeat(models.Model):
    """The last time a background component proved it was running (readiness reads these)."""

    name = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class CheckIn(models.Model):
    """A cron check-in as the SDK sent it; the crons feature turns these into monitor state."""

    project = models.ForeignKey("errortrack.Project", on_delete=models.CASCADE, related_name="+")
    check_in_id = models.CharField(max_length=32)
    monitor_slug = models.CharField(max_length=50)
    status = models.CharField(max_length=16)
    duration = models.FloatField(null=True)
    environment = models.CharField(max_length=64, blank=True, default="")
    release = models.CharField(max_length=200, blank=True, default="")
    monitor_config = models.JSONField(null=True, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["project", "monitor_slug", "received_at"],
                                name="checkin_by_monitor")]

    def __str__(self) -> str:
        return f"{self.monitor_slug} {self.status}"
