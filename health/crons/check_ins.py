"""Check-ins in: each one a run of its monitor (created or updated), consumed from the inbox inside
the transaction that removes the item. A check-in with a `monitor_config` creates or updates its
monitor (upsert), as in Sentry."""

import logging
import re
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from errortrack import metrics
from errortrack.compat.json import text_field
from errortrack.digest.items.payload import json_object
from errortrack.models import InboxItem
from health.crons.evaluation import after_result
from health.crons.schedule import clean_config, next_run
from health.models import CheckIn, CronMonitor

log = logging.getLogger(__name__)


NIL_CHECK_IN_ID = "0" * 32


SLUG_JUNK = re.compile(r"[^a-z0-9_-]+")


def upsert_monitor(project_id: int, slug: str, config: object,
                   now: datetime) -> CronMonitor | None:
    """The monitor `slug`, created or updated from `config` when the check-in carries a valid
    one. None when there is no such monitor and no valid config to make it."""
    fields = None
    if config is not None:
        try:
            fields = clean_config(config)
        except ValidationError as exc:
            log.info("cron monitor %s: ignoring its monitor_config: %s", slug, exc.messages[0])
    monitor = CronMonitor.objects.select_for_update().filter(project_id=project_id,
                                                             slug=slug).first()
    if fields is None:
        return monitor
    if monitor is None:
        try:
            with transaction.atomic():
                monitor = CronMonitor.objects.create(project_id=project_id, slug=slug,
                                                     name=slug, **fields)
        except IntegrityError:  # created meanwhile by another consumer
            monitor = CronMonitor.objects.select_for_update().get(project_id=project_id,
                                                                  slug=slug)
    changed = [name for name, value in fields.items() if getattr(monitor, name) != value]
    if not changed:  # the usual case: every run sends the same config
        return monitor
    for name in changed:
        setattr(monitor, name, fields[name])
    if set(changed) & {"schedule_type", "schedule", "interval_unit", "timezone"} \
            and monitor.last_checkin_at:
        monitor.next_expected_at = next_run(monitor, monitor.last_checkin_at)
    monitor.save()
    return monitor


def _status_of(data: dict) -> str:
    status = data.get("status")
    return status if status in ("in_progress", "ok", "error") else CheckIn.Status.UNKNOWN


def _duration_of(data: dict) -> float | None:
    duration = data.get("duration")
    if isinstance(duration, bool) or not isinstance(duration, int | float):
        return None
    return float(duration) if 0 <= duration < 10**9 else None


def find_run(monitor: CronMonitor, check_in_id: str) -> CheckIn | None:
    runs = CheckIn.objects.select_for_update().filter(monitor=monitor)
    if check_in_id == NIL_CHECK_IN_ID:
        return runs.filter(status=CheckIn.Status.IN_PROGRESS).order_by("-received_at",
                                                                       "-id").first()
    return runs.filter(check_in_id=check_in_id).first()


def normalize_slug(value: object) -> str:
    """As Sentry slugifies a check-in's monitor slug: lowercase letters, digits, - and _."""
    return SLUG_JUNK.sub("-", text_field(value, 200).lower()).strip("-")[:50]


def record_check_in(project_id: int, data: dict, received_at: datetime,
                    now: datetime) -> CheckIn:
    """Store one check-in and move its monitor on; in the caller's transaction."""
    slug = normalize_slug(data.get("monitor_slug"))
    check_in_id = text_field(data.get("check_in_id"), 36).replace("-", "").lower()
    if not slug or len(check_in_id) != 32:
        raise ValueError("check-in needs a monitor_slug and a check_in_id")
    status = _status_of(data)
    metrics.cron_checkins.labels(status).inc()
    monitor = upsert_monitor(project_id, slug, data.get("monitor_config"), now)
    if monitor is None:  # kept, but no monitor's state depends on it
        metrics.cron_checkins.labels("unmatched").inc()
        return CheckIn.objects.create(
            project_id=project_id, monitor_slug=slug, check_in_id=check_in_id, status=status,
            duration=_duration_of(data), environment=text_field(data.get("environment"), 64),
            release=text_field(data.get("release"), 200), received_at=received_at)
    run = find_run(monitor, check_in_id)
    if run is not None:
        return _update_run(monitor, run, status, _duration_of(data), received_at, now)
    return _new_run(monitor, data, check_in_id, status, received_at, now)


def _update_run(monitor: CronMonitor, run: CheckIn, status: str, duration: float | None,
                received_at: datetime, now: datetime) -> CheckIn:
    """The end of a run in progress. A finished run (ok, error, missed, timeout) stays as it
    is, as in Sentry: a late ok does not undo a timeout."""
    if run.status != CheckIn.Status.IN_PROGRESS or status not in ("ok", "error"):
        return run
    run.status = status
    run.duration = duration if duration is not None else (
        (received_at - run.received_at).total_seconds())
    run.updated_at = received_at
    run.timeout_at = None
    run.save(update_fields=["status", "duration", "updated_at", "timeout_at"])
    after_result(monitor, run, now)
    return run


def _new_run(monitor: CronMonitor, data: dict, check_in_id: str, status: str,
             received_at: datetime, now: datetime) -> CheckIn:
    run = CheckIn.objects.create(
        project_id=monitor.project_id, monitor=monitor, monitor_slug=monitor.slug,
        check_in_id=check_in_id, status=status, duration=_duration_of(data),
        environment=text_field(data.get("environment"), 64),
        release=text_field(data.get("release"), 200),
        monitor_config=data.get("monitor_config") if isinstance(data.get("monitor_config"),
                                                                dict) else None,
        received_at=received_at, expected_at=monitor.next_expected_at,
        timeout_at=(received_at + timedelta(minutes=monitor.max_runtime_minutes)
                    if status == CheckIn.Status.IN_PROGRESS else None))
    monitor.last_checkin_at = received_at
    monitor.next_expected_at = next_run(monitor, received_at)
    monitor.save(update_fields=["last_checkin_at", "next_expected_at"])
    after_result(monitor, run, now)
    return run


def store_check_in(item: InboxItem, now: datetime) -> None:
    """The digest's storer for `check_in` items: keep the run and move its monitor on."""
    record_check_in(item.project_id, json_object(item), item.received_at or now, now)
