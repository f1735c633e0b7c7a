"""Monitor history made as the product makes it: checks recorded as the prober records them,
check-ins as the inbox consumer records an SDK's."""

import uuid
from datetime import timedelta

from django.utils import timezone

from health import crons, uptime
from health.models import CheckIn, CronMonitor, UptimeMonitor


def record_check(monitor: UptimeMonitor, minutes_ago: float, ok: bool,
                 ms: float | None = 100.0, error: str = "") -> UptimeMonitor:
    now = timezone.now() - timedelta(minutes=minutes_ago)
    result = uptime.ProbeResult(ok, 200 if ok else 503, ms, error)
    return uptime.record_result(monitor.pk, result, now)


def check_in(monitor: CronMonitor, status: str, minutes_ago: float = 0, **extra) -> CheckIn:
    received = timezone.now() - timedelta(minutes=minutes_ago)
    data = {"monitor_slug": monitor.slug, "check_in_id": uuid.uuid4().hex, "status": status,
            **extra}
    return crons.record_check_in(monitor.project_id, data, received, timezone.now())
