"""Cron monitors: check-ins in, monitor state out.

Check-ins arrive as `check_in` envelope items (sentry_sdk.crons: the `monitor` decorator and
`capture_checkin`) or through the HTTP check-in endpoint, and are consumed from the inbox by
`record_check_in`, inside the transaction that removes the inbox item. A check-in with a
`monitor_config` creates or updates its monitor (upsert), as in Sentry.

A run is one CheckIn row: `in_progress` first, then `ok` or `error` with the same check_in_id
(an id of all zeros means the latest run in progress). `evaluate_crons(now)`, the periodic
job's single step, records what did not arrive: a missed run (nothing by the expected time plus
the margin) and a timeout (in progress longer than max_runtime). Failures in a row open the
monitor's issue (kind cron, health.incidents); ok runs in a row resolve it.
"""

import calendar
import logging
import math
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from errortrack import metrics
from errortrack.compat.json import text_field
from errortrack.digest.items.payload import json_object
from errortrack.digest.pipeline import Synthetic
from errortrack.models import InboxItem
from health import incidents
from health.models import CheckIn, CronMonitor

log = logging.getLogger(__name__)
MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
          "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
          "@hourly": "0 * * * *"}
INTERVAL_UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 0,
                  "year": 0}
MAX_INTERVAL = {"minute": 527_040, "hour": 8_784, "day": 366, "week": 53, "month": 12,
                "year": 1}  # at most a year between runs
MAX_MINUTES = 28 * 24 * 60  # margin and max runtime, as in Sentry
MAX_THRESHOLD = 720
NIL_CHECK_IN_ID = "0" * 32
SLUG_JUNK = re.compile(r"[^a-z0-9_-]+")
FAILURE_TEXT = {CheckIn.Status.MISSED: "A missed check-in was detected",
                CheckIn.Status.TIMEOUT: "A timeout check-in was detected",
                CheckIn.Status.ERROR: "An error check-in was detected"}


# --- schedules ---------------------------------------------------------------------------------

def crontab_expression(value: str) -> str:
    return MACROS.get(value.strip().lower(), value.strip())


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Unknown timezone {name!r}.") from exc


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_run(monitor: CronMonitor, after: datetime) -> datetime:
    """The first scheduled time strictly after `after` (crontab in the monitor's timezone;
    interval: `after` plus the interval)."""
    if monitor.schedule_type == CronMonitor.ScheduleType.INTERVAL:
        count = int(monitor.schedule)
        if monitor.interval_unit == "month":
            return add_months(after, count)
        if monitor.interval_unit == "year":
            return add_months(after, 12 * count)
        return after + timedelta(seconds=count * INTERVAL_UNITS[monitor.interval_unit])
    local = after.astimezone(zone(monitor.timezone))
    return next(CronSim(crontab_expression(monitor.schedule), local)).astimezone(after.tzinfo)


def checked_number(value: object, what: str, low: float, high: float,
                   whole: bool = True) -> float:
    """`value` if it is a finite number (whole, unless `whole` is False) within [low, high];
    else a ValidationError naming `what` (also used by health.actions)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value) or (whole and value != int(value)):
        raise ValidationError(f"{what} must be a {'whole ' if whole else ''}number.")
    if not low <= value <= high:
        raise ValidationError(f"{what} must be between {low:g} and {high:g}.")
    return int(value) if whole else float(value)


def _bounded_int(config: dict, key: str, default: int, low: int, high: int) -> int:
    value = config.get(key)
    return default if value is None else int(checked_number(value, key, low, high))


def clean_schedule(schedule: object, schedule_type: object = None) -> dict:
    """A schedule as the SDK sends it (`{"type": "crontab", "value": "0 * * * *"}` or
    `{"type": "interval", "value": 5, "unit": "minute"}`), or the string form with a separate
    type, as model fields."""
    if isinstance(schedule, str):
        schedule = {"type": schedule_type or "crontab", "value": schedule}
    if not isinstance(schedule, dict):
        raise ValidationError("schedule must be a crontab or an interval.")
    kind, value = schedule.get("type"), schedule.get("value")
    if kind == "crontab":
        if not isinstance(value, str) or not value.strip() or len(value) > 100:
            raise ValidationError("A crontab schedule needs an expression like '0 * * * *'.")
        try:
            CronSim(crontab_expression(value), datetime(2000, 1, 1))
        except (CronSimError, ValueError) as exc:
            raise ValidationError(f"Invalid crontab {value!r}: {exc}") from exc
        return {"schedule_type": "crontab", "schedule": crontab_expression(value),
                "interval_unit": ""}
    if kind == "interval":
        unit = schedule.get("unit")
        if not isinstance(unit, str) or unit not in INTERVAL_UNITS:
            raise ValidationError(f"An interval unit is one of {', '.join(INTERVAL_UNITS)}.")
        count = int(checked_number(schedule.get("value"), "interval value", 1, MAX_INTERVAL[unit]))
        return {"schedule_type": "interval", "schedule": str(count), "interval_unit": unit}
    raise ValidationError("schedule type must be 'crontab' or 'interval'.")


def clean_config(config: object) -> dict:
    """`monitor_config` (the SDK's upsert, or the API's) as CronMonitor fields; ValidationError
    for anything that does not fit."""
    if not isinstance(config, dict):
        raise ValidationError("monitor_config must be an object.")
    fields = clean_schedule(config.get("schedule"), config.get("schedule_type"))
    timezone_name = config.get("timezone") or "UTC"
    if not isinstance(timezone_name, str) or len(timezone_name) > 64:
        raise ValidationError("timezone must be a name like 'Europe/Berlin'.")
    zone(timezone_name)
    fields["timezone"] = timezone_name
    fields["checkin_margin_minutes"] = _bounded_int(config, "checkin_margin", 1, 1, MAX_MINUTES)
    fields["max_runtime_minutes"] = _bounded_int(config, "max_runtime", 30, 1, MAX_MINUTES)
    fields["failure_issue_threshold"] = _bounded_int(config, "failure_issue_threshold", 1, 1,
                                                     MAX_THRESHOLD)
    fields["recovery_threshold"] = _bounded_int(config, "recovery_threshold", 1, 1,
                                                MAX_THRESHOLD)
    return fields


# --- check-ins ---------------------------------------------------------------------------------

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
    _after_result(monitor, run, now)
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
    _after_result(monitor, run, now)
    return run


def _after_result(monitor: CronMonitor, run: CheckIn, now: datetime) -> None:
    if run.status == CheckIn.Status.OK:
        on_ok(monitor, now)
    elif run.status in FAILURE_TEXT:
        on_failure(monitor, run, now)


# --- state -------------------------------------------------------------------------------------

def on_ok(monitor: CronMonitor, now: datetime) -> None:
    if (monitor.status == CronMonitor.Status.OK and not monitor.consecutive_failures
            and monitor.consecutive_ok >= monitor.recovery_threshold):
        return  # healthy and staying so: nothing to write
    monitor.consecutive_failures = 0
    monitor.consecutive_ok += 1
    if monitor.consecutive_ok >= monitor.recovery_threshold:
        monitor.status = CronMonitor.Status.OK
        incidents.resolve_recovered(monitor.issue_id)
    monitor.save(update_fields=["consecutive_failures", "consecutive_ok", "status"])


def on_failure(monitor: CronMonitor, run: CheckIn, now: datetime) -> None:
    """A failed run: once `failure_issue_threshold` are in a row, each one is an event of the
    monitor's issue (the first opens or reopens it, and the rules fire)."""
    monitor.consecutive_ok = 0
    monitor.consecutive_failures += 1
    if monitor.consecutive_failures >= monitor.failure_issue_threshold:
        monitor.status = CronMonitor.Status.ERROR
        monitor.issue = incidents.record_failure(monitor.project_id,
                                                 failure_event(monitor, run, now), now)
    monitor.save(update_fields=["consecutive_failures", "consecutive_ok", "status", "issue"])


def failure_event(monitor: CronMonitor, run: CheckIn, now: datetime) -> Synthetic:
    detail = FAILURE_TEXT[run.status]
    if run.status == CheckIn.Status.TIMEOUT:
        detail += f" (the job ran longer than {monitor.max_runtime_minutes} min)"
    elif run.status == CheckIn.Status.MISSED and run.expected_at:
        detail += f" (expected at {run.expected_at:%Y-%m-%d %H:%M} UTC)"
    return Synthetic(
        kind="cron", source_id=monitor.pk, title=f"Cron failure: {monitor.name}",
        culprit=monitor.slug, message=detail,
        tags={"monitor.type": "cron", "monitor.slug": monitor.slug,
              "monitor.status": run.status},
        context={"type": "cron", "slug": monitor.slug, "status": run.status,
                 "schedule": schedule_text(monitor), "check_in_id": run.check_in_id,
                 "expected_at": run.expected_at.isoformat() if run.expected_at else None,
                 "failures": monitor.consecutive_failures},
        environment=run.environment, release=run.release)


def schedule_text(monitor: CronMonitor) -> str:
    if monitor.schedule_type == CronMonitor.ScheduleType.INTERVAL:
        unit = monitor.interval_unit + ("" if monitor.schedule == "1" else "s")
        return f"every {monitor.schedule} {unit}"
    return f"{monitor.schedule} ({monitor.timezone})"


# --- the periodic step -------------------------------------------------------------------------

def evaluate_crons(now: datetime) -> int:
    """Periodic job: record missed runs and timeouts as of `now`; return how many."""
    return record_missed(now) + record_timeouts(now)


def record_missed(now: datetime) -> int:
    recorded = 0
    due = CronMonitor.objects.filter(is_active=True, next_expected_at__lte=now)
    for monitor in due[:1000]:
        deadline = monitor.next_expected_at + timedelta(minutes=monitor.checkin_margin_minutes)
        if deadline <= now and _record_one_missed(monitor.pk, monitor.next_expected_at, now):
            recorded += 1
    return recorded


@transaction.atomic
def _record_one_missed(monitor_id: int, expected_at: datetime, now: datetime) -> bool:
    """Claim the missed slot (the conditional UPDATE moves the expectation on; whoever moves it
    records the miss) and record it. Several slots missed while errortrack was stopped count
    as one: the next expectation is the first one still ahead."""
    monitor = CronMonitor.objects.select_for_update().filter(
        pk=monitor_id, next_expected_at=expected_at).first()
    if monitor is None:
        return False
    following = next_run(monitor, expected_at)
    margin = timedelta(minutes=monitor.checkin_margin_minutes)
    if following + margin <= now:
        following = next_run(monitor, now - margin)
    monitor.next_expected_at = following
    monitor.save(update_fields=["next_expected_at"])
    run = CheckIn.objects.create(
        project_id=monitor.project_id, monitor=monitor, monitor_slug=monitor.slug,
        check_in_id=uuid.uuid4().hex, status=CheckIn.Status.MISSED, received_at=now,
        expected_at=expected_at)
    metrics.cron_checkins.labels("missed").inc()
    on_failure(monitor, run, now)
    return True


def record_timeouts(now: datetime) -> int:
    recorded = 0
    for run_id in CheckIn.objects.filter(status=CheckIn.Status.IN_PROGRESS,
                                         timeout_at__lte=now).values_list("pk", flat=True)[:1000]:
        if _record_one_timeout(run_id, now):
            recorded += 1
    return recorded


@transaction.atomic
def _record_one_timeout(run_id: int, now: datetime) -> bool:
    claimed = CheckIn.objects.filter(pk=run_id, status=CheckIn.Status.IN_PROGRESS).update(
        status=CheckIn.Status.TIMEOUT, updated_at=now)
    if not claimed:
        return False
    run = CheckIn.objects.select_related("monitor").get(pk=run_id)
    monitor = CronMonitor.objects.select_for_update().get(pk=run.monitor_id)
    metrics.cron_checkins.labels("timeout").inc()
    on_failure(monitor, run, now)
    return True


def delete_expired_checkins(now: datetime) -> int:
    """Periodic job: check-ins older than ERRORTRACK_CRON_HISTORY_DAYS go."""
    cutoff = now - timedelta(days=settings.ERRORTRACK_CRON_HISTORY_DAYS)
    deleted, _ = CheckIn.objects.filter(received_at__lt=cutoff).delete()
    return deleted


def store_check_in(item: InboxItem, now: datetime) -> None:
    """The digest's storer for `check_in` items: keep the run and move its monitor on."""
    record_check_in(item.project_id, json_object(item), item.received_at or now, now)
