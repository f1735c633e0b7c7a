"""Cron schedules: crontab or interval, as the SDK sends them, cleaned, and when the next run is
due."""

import calendar
import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from django.core.exceptions import ValidationError

from health.models import CronMonitor

MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
          "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
          "@hourly": "0 * * * *"}


INTERVAL_UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 0,
                  "year": 0}


MAX_INTERVAL = {"minute": 527_040, "hour": 8_784, "day": 366, "week": 53, "month": 12,
                "year": 1}  # at most a year between runs


MAX_MINUTES = 28 * 24 * 60  # margin and max runtime, as in Sentry


MAX_THRESHOLD = 720


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


def schedule_text(monitor: CronMonitor) -> str:
    if monitor.schedule_type == CronMonitor.ScheduleType.INTERVAL:
        unit = monitor.interval_unit + ("" if monitor.schedule == "1" else "s")
        return f"every {monitor.schedule} {unit}"
    return f"{monitor.schedule} ({monitor.timezone})"
