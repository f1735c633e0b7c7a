"""PagerDuty Events API v2: `trigger` with one dedup_key per issue, `resolve` with the same key
when the issue is resolved, so incidents close by themselves."""

from django.conf import settings
from django.core.exceptions import ValidationError

from alerts.notifiers.base import Notifier, post_json

SEVERITY = {"fatal": "critical", "error": "error", "warning": "warning", "info": "info",
            "debug": "info"}


def dedup_key(message: dict) -> str:
    return message.get("dedup_key") or f"errortrack-issue-{message['issue_id']}"


def event(routing_key: str, action: str, message: dict) -> dict:
    body = {"routing_key": routing_key, "event_action": action, "dedup_key": dedup_key(message)}
    if action == "resolve":
        return body
    return {**body, "payload": {
        "summary": f"[{message['project']['slug']}] {message['title']}"[:1024],
        "source": message["culprit"] or message["project"]["slug"],
        "severity": SEVERITY.get(message["level"], "error"),
        "component": message["project"]["slug"],
        "group": message["organization"],
        "class": message["reason"],
        "custom_details": {key: message[key] for key in (
            "short_id", "level", "environment", "release", "count", "users", "first_seen",
            "last_seen", "reason_text")},
    }, "links": [{"href": message["url"], "text": f"{message['short_id']} in errortrack"}],
        "client": "errortrack", "client_url": message["url"]}


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
