"""Every change to alert channels and rules goes through here (UI and API alike)."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from alerts import rules
from alerts.message import test_message
from alerts.models import Channel, Delivery, Rule
from alerts.notifiers import NOTIFIERS
from errortrack.models import Organization, Project


def create_channel(organization: Organization, kind: str, name: str, config: dict) -> Channel:
    if kind not in NOTIFIERS:
        raise ValidationError(f"Unknown channel kind {kind!r}; use one of {', '.join(NOTIFIERS)}.")
    if not isinstance(config, dict):
        raise ValidationError("config must be an object.")
    return Channel.objects.create(organization=organization, kind=kind, name=name[:100] or kind,
                                  config=NOTIFIERS[kind].clean_config(config))


def update_channel(channel: Channel, name: str | None = None,
                   config: dict | None = None) -> Channel:
    """Editing a channel clears its failing mark: the next delivery tells again."""
    if name is not None:
        channel.name = name[:100] or channel.name
    if config is not None:
        channel.config = NOTIFIERS[channel.kind].clean_config(config)
    channel.is_failing, channel.last_error = False, ""
    channel.save()
    return channel


def create_rule(project: Project, name: str, triggers: object, filters: object = None,
                channels: Iterable[Channel] = (), action_interval_minutes: int = 60) -> Rule:
    channels = list(channels)
    if any(channel.organization_id != project.organization_id for channel in channels):
        raise ValidationError("A rule can only use its organization's channels.")
    if not isinstance(action_interval_minutes, int) or not 1 <= action_interval_minutes <= 43200:
        raise ValidationError("The action interval is 1 minute to 30 days.")
    rule = Rule.objects.create(project=project, name=name[:100] or "Rule",
                               triggers=rules.clean_triggers(triggers),
                               filters=rules.clean_filters(filters or {}),
                               action_interval_minutes=action_interval_minutes)
    rule.channels.set(channels)
    return rule


def send_test_notification(channel: Channel) -> Delivery:
    """Queue a test message to `channel` (the channel page's "send test notification")."""
    recipients = []
    if channel.kind == Channel.Kind.EMAIL and channel.config.get("members"):
        recipients = sorted(set(channel.organization.members.exclude(user__email="")
                                .values_list("user__email", flat=True)))
    return Delivery.objects.create(channel=channel, action=Delivery.Action.TEST, reason="test",
                                   message=test_message(channel.name), recipients=recipients)
