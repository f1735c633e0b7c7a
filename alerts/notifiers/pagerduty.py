"""PagerDuty Events API v2: `trigger` with one dedup_key per issue, `resolve` with the same key
when the issue is resolved, so incidents close by themselves.

The summary is one line without control characters; custom details are JSON values, exactly
the event's text (JSON encoding is their escaping; PagerDuty shows them as text)."""

from django.conf import settings
from django.core.exceptions import ValidationError

from alerts.message import monitor_line
from alerts.notifiers.base import Notifier, one_line, post_json

SEVERITY = {"fatal": "critical", "error": "error", "warning": "warning", "info": "info",
            "debug": "info"}


def dedup_key(message: dict) -> str:
    return message.get("dedup_key") or f"errortrack-issue-{message['issue_id']}"


MAX_SUMMARY = 1024  # PagerDuty's limit


def summary(message: dict) -> str:
    text = f"[{message['project']['slug']}] {message['title']}"
    monitor = monitor_line(message)
    return one_line(f"{text} · {monitor}" if monitor else text)[:MAX_SUMMARY]


def custom_details(message: dict) -> dict:
    details = {key: message.get(key) for key in (
        "short_id", "level", "environment", "release", "count", "users", "first_seen",
        "last_seen", "reason_text", "culprit")}
    details["tags"] = dict(message.get("tags") or [])
    if message.get("monitor"):
        details["monitor"] = message["monitor"]
    return details


def links(message: dict) -> list[dict]:
    found = [{"href": message["url"], "text": f"{message['short_id']} in errortrack"}]
    monitor = message.get("monitor") or {}
    if monitor.get("url"):
        found.append({"href": monitor["url"], "text": one_line(
            f"Monitor {monitor.get('name') or monitor.get('slug')}")[:200]})
    return found


def event(routing_key: str, action: str, message: dict) -> dict:
    body = {"routing_key": routing_key, "event_action": action, "dedup_key": dedup_key(message)}
    if action == "resolve":
        return body
    return {**body, "payload": {
        "summary": summary(message),
        "source": one_line(message["culprit"] or message["project"]["slug"])[:255],
        "severity": SEVERITY.get(message["level"], "error"),
        "component": message["project"]["slug"],
        "group": message["organization"],
        "class": message["reason"],
        "custom_details": custom_details(message),
    }, "links": links(message), "client": "errortrack", "client_url": message["url"]}


class PagerDutyNotifier(Notifier):
    @classmethod
    def clean_config(cls, config: dict) -> dict:
        key = config.get("routing_key")
        if not isinstance(key, str) or not 20 <= len(key) <= 64 or not key.isalnum():
            raise ValidationError("routing_key must be the integration key (32 characters).")
        return {"routing_key": key}

    def send(self, action: str, message: dict, recipients: list[str]) -> int | None:
        pd_action = "resolve" if action == "resolve" else "trigger"
        return post_json(settings.ERRORTRACK_PAGERDUTY_EVENTS_URL,
                         event(self.config["routing_key"], pd_action, message))
