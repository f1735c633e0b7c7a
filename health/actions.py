"""Every change people make to monitors goes through here (the API and the pages call these),
validated the same way for both. The monitors' own state moves in health.uptime and
health.crons. Changes that schedule a check or an expected check-in take `now`: the caller
(a view, the API) reads the clock once per request."""

import re
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from errortrack.models import Project
from health import crons
from health.models import CronMonitor, UptimeMonitor
from health.uptime.probes import parse_expected_status

UPTIME_FIELDS = ("name", "url", "method", "interval_seconds", "timeout_seconds",
                 "expected_status", "expected_keyword", "failure_threshold",
                 "recovery_threshold", "is_active")
CRON_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
MAX_THRESHOLD = 100
CONFIG_KEYS = {"schedule", "schedule_type", "timezone", "checkin_margin", "max_runtime",
               "failure_issue_threshold", "recovery_threshold"}


def _text(value: object, what: str, limit: int, required: bool = True) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(f"{what} is required." if required else f"{what} must be text.")
    if len(value) > limit or "\x00" in value:
        raise ValidationError(f"{what} is at most {limit} characters, without NUL.")
    return value.strip()


def clean_uptime(values: dict) -> dict:
    """The uptime monitor fields in `values`, checked; ValidationError names the first bad
    one."""
    cleaned: dict = {}
    if "name" in values:
        cleaned["name"] = _text(values["name"], "Name", 100)
    if "url" in values:
        url = _text(values["url"], "URL", 2000)
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 (raises for a port that is not a number)
        except ValueError:
            parts = None
        if parts is None or any(c.isspace() or ord(c) < 32 for c in url) \
                or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError("The URL must be http:// or https:// with a host.")
        if parts.username or parts.password:
            raise ValidationError("Credentials in the URL are not supported.")
        cleaned["url"] = url
    if "method" in values:
        if values["method"] not in UptimeMonitor.Method.values:
            raise ValidationError(f"Method is one of {', '.join(UptimeMonitor.Method.values)}.")
        cleaned["method"] = values["method"]
    if "interval_seconds" in values:
        cleaned["interval_seconds"] = crons.checked_number(
            values["interval_seconds"], "Interval (seconds)",
            settings.ERRORTRACK_UPTIME_MIN_INTERVAL_SECONDS, 86_400)
    if "timeout_seconds" in values:
        cleaned["timeout_seconds"] = crons.checked_number(
            values["timeout_seconds"], "Timeout (seconds)", 0.1,
            settings.ERRORTRACK_UPTIME_MAX_TIMEOUT_SECONDS, whole=False)
    if "expected_status" in values:
        text = _text(values["expected_status"], "Expected status codes", 200)
        parse_expected_status(text)
        cleaned["expected_status"] = text.replace(" ", "")
    if "expected_keyword" in values:
        cleaned["expected_keyword"] = _text(values["expected_keyword"] or "", "Keyword", 200,
                                            required=False)
    for name in ("failure_threshold", "recovery_threshold"):
        if name in values:
            cleaned[name] = crons.checked_number(
                values[name], name.replace("_", " ").capitalize(), 1, MAX_THRESHOLD)
    if "is_active" in values:
        if not isinstance(values["is_active"], bool):
            raise ValidationError("is_active must be true or false.")
        cleaned["is_active"] = values["is_active"]
    return cleaned


def _check_timeout(monitor: UptimeMonitor) -> None:
    if monitor.timeout_seconds > monitor.interval_seconds:
        raise ValidationError("The timeout must not be longer than the interval.")


@transaction.atomic
def create_uptime_monitor(project: Project, values: dict, now: datetime) -> UptimeMonitor:
    """A new monitor is checked first at `now`."""
    cleaned = clean_uptime(values)
    for required in ("name", "url"):
        if required not in cleaned:
            raise ValidationError(f"{required} is required.")
    monitor = UptimeMonitor(project=project, next_check_at=now, **cleaned)
    _check_timeout(monitor)
    monitor.save()
    return monitor


@transaction.atomic
def update_uptime_monitor(monitor: UptimeMonitor, values: dict,
                          now: datetime) -> UptimeMonitor:
    monitor = UptimeMonitor.objects.select_for_update().get(pk=monitor.pk)
    cleaned = clean_uptime(values)
    for name, value in cleaned.items():
        setattr(monitor, name, value)
    _check_timeout(monitor)
    if cleaned:
        # A changed target or schedule is checked at once, with its streaks started over.
        monitor.next_check_at = now
        monitor.save()
    return monitor


def delete_uptime_monitor(monitor: UptimeMonitor) -> None:
    """The monitor and its history go; its issue stays, like any issue."""
    monitor.delete()


# --- cron monitors -------------------------------------------------------------------------------

def clean_cron(values: dict, partial: bool = False) -> dict:
    cleaned: dict = {}
    if "slug" in values:
        slug = values["slug"]
        if not isinstance(slug, str) or not CRON_SLUG.match(slug):
            raise ValidationError("A slug is 1 to 50 lowercase letters, digits, - and _.")
        cleaned["slug"] = slug
    if "name" in values:
        cleaned["name"] = _text(values["name"], "Name", 100)
    if CONFIG_KEYS & set(values) or not partial:
        if "schedule" not in values:
            raise ValidationError("A schedule is required.")
        cleaned.update(crons.clean_config({key: values[key] for key in CONFIG_KEYS
                                           if key in values}))
    if "is_active" in values:
        if not isinstance(values["is_active"], bool):
            raise ValidationError("is_active must be true or false.")
        cleaned["is_active"] = values["is_active"]
    return cleaned


def _expect_from(monitor: CronMonitor, now: datetime) -> None:
    monitor.next_expected_at = crons.next_run(monitor, monitor.last_checkin_at or now)


@transaction.atomic
def create_cron_monitor(project: Project, values: dict, now: datetime) -> CronMonitor:
    """A monitor made by a person expects its first run at the first scheduled time after
    `now`, so a job that never checks in is noticed."""
    cleaned = clean_cron(values)
    if "slug" not in cleaned:
        raise ValidationError("slug is required.")
    cleaned.setdefault("name", cleaned["slug"])
    monitor = CronMonitor(project=project, **cleaned)
    _expect_from(monitor, now)
    try:
        with transaction.atomic():
            monitor.save()
    except IntegrityError:
        raise ValidationError(f"This project has a cron monitor {cleaned['slug']!r}.") from None
    return monitor


def current_config(monitor: CronMonitor) -> dict:
    """The monitor's settings in `monitor_config` form (what clean_cron takes)."""
    schedule: object = monitor.schedule
    if monitor.schedule_type == CronMonitor.ScheduleType.INTERVAL:
        schedule = {"type": "interval", "value": int(monitor.schedule),
                    "unit": monitor.interval_unit}
    return {"schedule_type": monitor.schedule_type, "schedule": schedule,
            "timezone": monitor.timezone, "checkin_margin": monitor.checkin_margin_minutes,
            "max_runtime": monitor.max_runtime_minutes,
            "failure_issue_threshold": monitor.failure_issue_threshold,
            "recovery_threshold": monitor.recovery_threshold}


@transaction.atomic
def update_cron_monitor(monitor: CronMonitor, values: dict, now: datetime) -> CronMonitor:
    """Change what `values` names; settings it leaves out keep their current values. A new
    schedule, or a resumed monitor, expects its next run after `now`."""
    monitor = CronMonitor.objects.select_for_update().get(pk=monitor.pk)
    values = {key: value for key, value in values.items() if key != "slug"}
    if CONFIG_KEYS & set(values):
        current = current_config(monitor)
        if "schedule" in values:  # a new schedule brings its own type
            current.pop("schedule_type")
        values = {**current, **values}
    cleaned = clean_cron(values, partial=True)
    reactivated = cleaned.get("is_active") and not monitor.is_active
    for name, value in cleaned.items():
        setattr(monitor, name, value)
    if reactivated:  # runs missed while paused are not failures
        monitor.next_expected_at = crons.next_run(monitor, now)
    elif set(cleaned) - {"name", "is_active"}:
        _expect_from(monitor, now)
    monitor.save()
    return monitor


def delete_cron_monitor(monitor: CronMonitor) -> None:
    """The monitor and its check-ins go; its issue stays."""
    monitor.delete()
