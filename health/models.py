from django.db import models


class Heartbeat(models.Model):
    """The last time a background component proved it was running (readiness reads these)."""

    name = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"
