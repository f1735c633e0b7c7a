"""Project error-rate rules, Prometheus-style: a rule whose trigger is
`{"type": "error_rate", "value": X, "minutes": W, "for_minutes": F}` fires when the project's
error events per minute, averaged over the last W minutes, have stayed above X for F minutes;
it resolves (PagerDuty gets `resolve` with the same dedup_key) when the rate drops back.

A periodic job (`alerts.rates`) evaluates every such rule with `now` passed in, from the
digest's per-minute project buckets (filtered by the rule's environment and release). Each
transition is a conditional UPDATE on the rule's RuleRateState, so two schedulers never both
notify.
"""

from datetime import datetime, timedelta

from django.db.models import Sum

from alerts.delivery import queue, supersede_pending_triggers
from alerts.message import rate_message
from alerts.models import Channel, Delivery, Rule, RuleRateState
from errortrack.models import ProjectMinuteBucket

TRIGGER = "error_rate"


def rate_trigger(rule: Rule) -> dict | None:
    return next((t for t in rule.triggers if t["type"] == TRIGGER), None)


def error_rate(rule: Rule, window_minutes: int, now: datetime) -> float:
    """Error events per minute over the `window_minutes` complete minutes before `now`."""
    end = now.replace(second=0, microsecond=0)
    buckets = ProjectMinuteBucket.objects.filter(
        project_id=rule.project_id, minute__gte=end - timedelta(minutes=window_minutes),
        minute__lt=end)
    for key in ("environment", "release"):
        if key in rule.filters:
            buckets = buckets.filter(**{key: rule.filters[key]})
    return (buckets.aggregate(total=Sum("events"))["total"] or 0) / window_minutes


def evaluate_rule(rule: Rule, now: datetime) -> str | None:
    """One step for one rule; returns "fired", "resolved" or None (also for a rule without an
    error-rate trigger)."""
    trigger = rate_trigger(rule)
    if trigger is None:
        return None
    window = trigger.get("minutes", 5)
    rate = error_rate(rule, window, now)
    state, _ = RuleRateState.objects.get_or_create(rule=rule)
    states = RuleRateState.objects.filter(pk=state.pk)
    if rate <= trigger["value"]:
        states.filter(firing=False).update(above_since=None, last_rate=rate)
        if states.filter(firing=True).update(firing=False, above_since=None, last_rate=rate,
                                             changed_at=now) != 1:
            return None
        pagerduty = Delivery.objects.filter(rule=rule, reason=TRIGGER,
                                            channel__kind=Channel.Kind.PAGERDUTY)
        supersede_pending_triggers(pagerduty)
        channels = list(Channel.objects.filter(pk__in=pagerduty.filter(
            action=Delivery.Action.TRIGGER, status=Delivery.Status.SENT
        ).values_list("channel_id", flat=True)))
        message = rate_message(rule.pk, rule.project, rate, trigger["value"], window)
        queue(channels, message, Delivery.Action.RESOLVE, TRIGGER, rule)
        return "resolved"
    states.filter(above_since__isnull=True).update(above_since=now)
    states.update(last_rate=rate)
    since = now - timedelta(minutes=trigger.get("for_minutes", 0))
    if states.filter(firing=False, above_since__lte=since).update(firing=True,
                                                                  changed_at=now) != 1:
        return None
    message = rate_message(rule.pk, rule.project, rate, trigger["value"], window,
                           rule.filters.get("environment", ""))
    queue(list(rule.channels.all()), message, Delivery.Action.TRIGGER, TRIGGER, rule)
    return "fired"


def evaluate_rates(now: datetime) -> int:
    """Periodic job: every active error-rate rule, one step; returns how many changed."""
    changed = 0
    for rule in Rule.objects.filter(is_active=True).select_related("project__organization"):
        if evaluate_rule(rule, now):
            changed += 1
    return changed
