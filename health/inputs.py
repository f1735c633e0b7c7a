"""What people send (API bodies in camelCase, page forms as text) made into the values
health.actions takes. Checking them is the actions' job; this only renames and converts."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError

from health.models import CronMonitor

# API key → health.actions key.
UPTIME_KEYS = {"name": "name", "url": "url", "method": "method",
               "intervalSeconds": "interval_seconds", "timeoutSeconds": "timeout_seconds",
               "expectedStatus": "expected_status", "expectedKeyword": "expected_keyword",
               "failureThreshold": "failure_threshold",
               "recoveryThreshold": "recovery_threshold", "isActive": "is_active"}
# Sentry's monitor `config` keys are snake_case and are the actions' own.
CRON_CONFIG_KEYS = ("schedule_type", "schedule", "checkin_margin", "max_runtime", "timezone",
                    "failure_issue_threshold", "recovery_threshold")
ACTIVE_STATUS = {"active": True, "disabled": False}


def _object(body: object, what: str = "The body") -> Mapping:
    if not isinstance(body, Mapping):
        raise ValidationError(f"{what} must be a JSON object.")
    return body


def _active(body: Mapping, values: dict) -> None:
    """Sentry's `status: active|disabled`, or our `isActive`."""
    if "status" in body:
        status = body["status"]
        if not isinstance(status, str) or status not in ACTIVE_STATUS:
            raise ValidationError("status must be 'active' or 'disabled'.")
        values["is_active"] = ACTIVE_STATUS[status]
    if "isActive" in body:
        values["is_active"] = body["isActive"]


def uptime_values_from_json(body: object) -> dict:
    body = _object(body)
    values = {key: body[name] for name, key in UPTIME_KEYS.items() if name in body}
    _active(body, values)
    return values


def _schedule(config: Mapping) -> object:
    """Sentry writes an interval as `[5, "minute"]`; the actions take a dict."""
    schedule = config.get("schedule")
    if config.get("schedule_type") == "interval" and isinstance(schedule, list) \
            and len(schedule) == 2:
        return {"type": "interval", "value": schedule[0], "unit": schedule[1]}
    return schedule


def cron_values_from_json(body: object, monitor: CronMonitor | None = None) -> dict:
    """Sentry's `{name, slug, status, config: {...}}` (a partial config keeps the monitor's
    other settings: health.actions.update_cron_monitor merges)."""
    body = _object(body)
    values = {key: body[key] for key in ("name", "slug") if key in body}
    if monitor is not None and values.pop("slug", monitor.slug) != monitor.slug:
        raise ValidationError("A monitor's slug cannot be changed (its jobs check in with it).")
    _active(body, values)
    if "config" in body:
        config = _object(body["config"], "config")
        given = {key: config[key] for key in CRON_CONFIG_KEYS if key in config}
        if "schedule" in config:
            given["schedule"] = _schedule(config)
        values.update(given)
    return values


# --- page forms --------------------------------------------------------------------------------

def whole(text: str) -> int | str:
    """A form's whole number, or the text as typed (the actions then say what is wrong)."""
    text = text.strip()
    return int(text) if text.isdecimal() and len(text) <= 18 else text


def decimal(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def uptime_values_from_form(post: Mapping[str, str], with_active: bool) -> dict:
    values: dict = {key: post.get(key, "") for key in ("name", "url", "method",
                                                       "expected_status", "expected_keyword")}
    for key in ("interval_seconds", "failure_threshold", "recovery_threshold"):
        values[key] = whole(post.get(key, ""))
    values["timeout_seconds"] = decimal(post.get("timeout_seconds", ""))
    if with_active:
        values["is_active"] = post.get("is_active") == "1"
    return values


def cron_values_from_form(post: Mapping[str, str], with_slug: bool) -> dict:
    values: dict = {"name": post.get("name", ""), "timezone": post.get("timezone", "").strip()}
    if with_slug:
        values["slug"] = post.get("slug", "").strip()
        if not values["name"].strip():
            del values["name"]  # a new monitor is named after its slug
    if post.get("schedule_type") == CronMonitor.ScheduleType.INTERVAL:
        values["schedule"] = {"type": "interval", "value": whole(post.get("interval_value", "")),
                              "unit": post.get("interval_unit", "")}
    else:
        values["schedule"] = post.get("schedule", "")
    for key in ("checkin_margin", "max_runtime", "failure_issue_threshold",
                "recovery_threshold"):
        values[key] = whole(post.get(key, ""))
    if not with_slug:
        values["is_active"] = post.get("is_active") == "1"
    return values
