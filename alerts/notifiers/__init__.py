"""One module per channel kind, each with the same shape (alerts.notifiers.base.Notifier)."""

from alerts.notifiers.base import Notifier, NotifyError
from alerts.notifiers.email import EmailNotifier
from alerts.notifiers.pagerduty import PagerDutyNotifier
from alerts.notifiers.slack import SlackNotifier
from alerts.notifiers.webhook import WebhookNotifier

NOTIFIERS: dict[str, type[Notifier]] = {
    "slack": SlackNotifier, "email": EmailNotifier, "pagerduty": PagerDutyNotifier,
    "webhook": WebhookNotifier,
}

__all__ = ["NOTIFIERS", "Notifier", "NotifyError"]
