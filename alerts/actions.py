"""Every change to alert channels and rules goes through here (UI and API alike)."""

from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alerts import rules, sentry_rules
from alerts.delivery import queue
from alerts.listeners import MEMBERS_CHANNEL_NAME
from alerts.message import test_message
from alerts.models import AlertSnooze, Channel, Delivery, Rule, RuleSentryForm
from alerts.notifiers import NOTIFIERS
from errortrack.models import Issue, Organization, Project

MAX_SNOOZE_MINUTES = 30 * 24 * 60


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


def delete_channel(channel: Channel) -> None:
    channel.delete()


def _check_rule(project: Project, channels: list[Channel], interval: object) -> None:
    if any(channel.organization_id != project.organization_id for channel in channels):
        raise ValidationError("A rule can only use its organization's channels.")
    if not isinstance(interval, int) or not 1 <= interval <= MAX_SNOOZE_MINUTES:
        raise ValidationError("The action interval is 1 minute to 30 days.")


def create_rule(project: Project, name: str, triggers: object, filters: object = None,
                channels: Iterable[Channel] = (), action_interval_minutes: int = 60) -> Rule:
    channels = list(channels)
    _check_rule(project, channels, action_interval_minutes)
    rule = Rule.objects.create(project=project, name=name[:100] or "Rule",
                               triggers=rules.clean_triggers(triggers),
                               filters=rules.clean_filters(filters or {}),
                               action_interval_minutes=action_interval_minutes)
    rule.channels.set(channels)
    return rule


def update_rule(rule: Rule, name: str | None = None, triggers: object = None,
                filters: object = None, channels: Iterable[Channel] | None = None,
                action_interval_minutes: int | None = None,
                is_active: bool | None = None) -> Rule:
    channels = list(channels) if channels is not None else None
    interval = (action_interval_minutes if action_interval_minutes is not None
                else rule.action_interval_minutes)
    _check_rule(rule.project, channels or [], interval)
    rule.action_interval_minutes = interval
    if name is not None:
        rule.name = name[:100] or rule.name
    if triggers is not None:
        rule.triggers = rules.clean_triggers(triggers)
    if filters is not None:
        rule.filters = rules.clean_filters(filters)
    if is_active is not None:
        rule.is_active = is_active
    rule.save()
    if channels is not None:
        rule.channels.set(channels)
    return rule


def delete_rule(rule: Rule) -> None:
    rule.delete()


def snooze_issue_alerts(issue: Issue, minutes: int, user: User | None = None
                        ) -> AlertSnooze:
    """No rule notifies about `issue` for `minutes` (the issue itself is untouched)."""
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_SNOOZE_MINUTES:
        raise ValidationError("Snooze for 1 minute to 30 days.")
    snooze, _ = AlertSnooze.objects.update_or_create(
        issue=issue, defaults={"until": timezone.now() + timedelta(minutes=minutes),
                               "created_by": user})
    return snooze


def unsnooze_issue_alerts(issue: Issue) -> None:
    AlertSnooze.objects.filter(issue=issue).delete()


def send_test_notification(channel: Channel) -> Delivery:
    """Queue a test message to `channel` (the channel page's "send test notification")."""
    [delivery] = queue([channel], test_message(channel.name), Delivery.Action.TEST, "test")
    return delivery


def members_email_channel(organization: Organization) -> Channel:
    """The organization's "email the members" channel, made as new projects get it if gone."""
    channel = (Channel.objects.filter(organization=organization, kind=Channel.Kind.EMAIL,
                                      config__members=True).order_by("id").first())
    return channel or create_channel(organization, Channel.Kind.EMAIL, MEMBERS_CHANNEL_NAME,
                                     {"members": True})


def address_email_channel(organization: Organization, address: str) -> Channel:
    """An email channel to exactly `address` (a Sentry rule's Member target)."""
    for channel in Channel.objects.filter(organization=organization, kind=Channel.Kind.EMAIL):
        if channel.config.get("addresses") == [address]:
            return channel
    return create_channel(organization, Channel.Kind.EMAIL, f"{address} (email)"[:100],
                          {"addresses": [address]})


@transaction.atomic
def save_sentry_rule(project: Project, plan: sentry_rules.Plan, rule: Rule | None = None
                     ) -> Rule:
    """A rule written through Sentry's rules API: an ordinary rule of ours (a PUT keeps its
    rate and deploy triggers, which Sentry's issue alerts cannot show), plus the Sentry form
    it answers back."""
    organization = project.organization
    channels = list(plan.channels)
    if plan.members_email:
        channels.append(members_email_channel(organization))
    channels += [address_email_channel(organization, address) for address in plan.addresses]
    channels = list({channel.pk: channel for channel in channels}.values())
    if rule is None:
        rule = create_rule(project, plan.name, plan.triggers, plan.filters, channels,
                           plan.frequency)
    else:
        kept = [t for t in rule.triggers if t["type"] in sentry_rules.PROJECT_TRIGGERS]
        rule = update_rule(rule, plan.name, plan.triggers + kept, plan.filters, channels,
                           plan.frequency)
    RuleSentryForm.objects.update_or_create(
        rule=rule, defaults={**plan.form, "signature": sentry_rules.signature(rule)})
    return rule
