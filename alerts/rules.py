"""Rules: which issues of a batch fire which rules, and the deliveries that follows.

Evaluated on the digest's facts after each committed batch (errortrack.signals.digest_facts),
with `now` passed in so tests move time without sleeping. A rule fires for an issue when one of its
triggers holds and all its filters do, at most once per action interval: the interval is
claimed by a conditional UPDATE of the rule's RuleIssueState row, so two workers digesting at
once never both notify.

Triggers: `new_issue`; `regression`; `event_frequency` (more than `value` events in the last
`minutes`); `user_frequency` (more than `value` distinct users in the last `minutes`, counted
by the hour buckets that window touches). Filters: `level` (at least) and `max_level` (at
most; together they route by severity, e.g. fatal and error to PagerDuty and Slack, warning to
email), `environment`,
`release`, `tags` ({key: value}, each seen in the issue), `max_age_minutes` (issues first seen
no longer ago than this). The project-level `error_rate` and `deploy_guard` triggers are
evaluated on a schedule instead (alerts.rates, alerts.deploys).
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alerts.delivery import queue
from alerts.message import LEVELS, issue_message, level_rank
from alerts.models import AlertSnooze, Channel, Delivery, Rule, RuleIssueState
from errortrack.models import Event, Issue, IssueTagValue, IssueUserHour
from errortrack.signals import Facts

TRIGGERS = ("new_issue", "regression", "event_frequency", "user_frequency", "error_rate",
            "deploy_guard")
FREQUENCY_TRIGGERS = ("event_frequency", "user_frequency")
MAX_WINDOW_MINUTES = 7 * 24 * 60


def clean_triggers(triggers: object) -> list[dict]:
    if not isinstance(triggers, list) or not triggers:
        raise ValidationError("A rule needs at least one trigger.")
    cleaned = []
    for trigger in triggers:
        kind = trigger.get("type") if isinstance(trigger, dict) else None
        if kind not in TRIGGERS:
            raise ValidationError(f"Unknown trigger {kind!r}; use one of {', '.join(TRIGGERS)}.")
        if kind == "error_rate":
            cleaned.append(clean_rate_trigger(trigger))
        elif kind == "deploy_guard":
            from alerts.deploys import clean_deploy_trigger

            cleaned.append(clean_deploy_trigger(trigger))
        elif kind in FREQUENCY_TRIGGERS:
            value, minutes = trigger.get("value"), trigger.get("minutes")
            if not (isinstance(value, int) and value >= 0 and isinstance(minutes, int)
                    and 1 <= minutes <= MAX_WINDOW_MINUTES):
                raise ValidationError(f"{kind} needs a whole value ≥ 0 and minutes from 1 to "
                                      f"{MAX_WINDOW_MINUTES}.")
            cleaned.append({"type": kind, "value": value, "minutes": minutes})
        else:
            cleaned.append({"type": kind})
    return cleaned


def clean_rate_trigger(trigger: dict) -> dict:
    """`value` errors per minute (a number ≥ 0), averaged over `minutes` (1-60, default 5),
    for `for_minutes` (0-1440, default 0) before firing."""
    value = trigger.get("value")
    minutes, for_minutes = trigger.get("minutes", 5), trigger.get("for_minutes", 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValidationError("error_rate needs a value (errors per minute) ≥ 0.")
    if not (isinstance(minutes, int) and 1 <= minutes <= 60):
        raise ValidationError("error_rate minutes (the averaging window) is 1 to 60.")
    if not (isinstance(for_minutes, int) and 0 <= for_minutes <= 1440):
        raise ValidationError("error_rate for_minutes is 0 to 1440.")
    return {"type": "error_rate", "value": value, "minutes": minutes,
            "for_minutes": for_minutes}


def clean_filters(filters: object) -> dict:
    if not isinstance(filters, dict):
        raise ValidationError("filters must be an object.")
    cleaned: dict = {}
    for key in ("level", "max_level"):
        if filters.get(key):
            if filters[key] not in LEVELS:
                raise ValidationError(f"{key} must be one of {', '.join(LEVELS)}.")
            cleaned[key] = filters[key]
    for key in ("environment", "release"):
        if filters.get(key):
            cleaned[key] = str(filters[key])[:200]
    tags = filters.get("tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise ValidationError("tags must map tag keys to values.")
    if tags:
        cleaned["tags"] = {str(k)[:32]: v[:200] for k, v in tags.items()}
    if filters.get("max_age_minutes") is not None:
        if not isinstance(filters["max_age_minutes"], int) or filters["max_age_minutes"] < 1:
            raise ValidationError("max_age_minutes must be a whole number ≥ 1.")
        cleaned["max_age_minutes"] = filters["max_age_minutes"]
    return cleaned


def _seen_tag(issue: Issue, key: str, value: str) -> bool:
    return IssueTagValue.objects.filter(issue=issue, key=key, value=value).exists()


def passes_filters(rule: Rule, issue: Issue, now: datetime) -> bool:
    filters = rule.filters
    if "level" in filters and level_rank(issue.level) < level_rank(filters["level"]):
        return False
    if "max_level" in filters and level_rank(issue.level) > level_rank(filters["max_level"]):
        return False
    wanted = [(key, filters[key]) for key in ("environment", "release") if key in filters]
    wanted += list((filters.get("tags") or {}).items())
    if not all(_seen_tag(issue, key, value) for key, value in wanted):
        return False
    max_age = filters.get("max_age_minutes")
    return not (max_age and issue.first_seen < now - timedelta(minutes=max_age))


def events_in_window(issue: Issue, minutes: int, now: datetime) -> int:
    return Event.objects.filter(issue=issue, timestamp__gt=now - timedelta(minutes=minutes),
                                timestamp__lte=now).count()


def users_in_window(issue: Issue, minutes: int, now: datetime) -> int:
    first_hour = (now - timedelta(minutes=minutes)).replace(minute=0, second=0, microsecond=0)
    return (IssueUserHour.objects.filter(issue=issue, hour__gte=first_hour, hour__lte=now)
            .values("user_hash").distinct().count())


def fired_trigger(rule: Rule, issue: Issue, facts: Facts, now: datetime) -> str | None:
    """The first of the rule's triggers that holds for `issue` after this batch."""
    for trigger in rule.triggers:
        kind = trigger["type"]
        if kind == "new_issue" and issue.pk in facts.new_issues:
            return kind
        if kind == "regression" and issue.pk in facts.regressed_issues:
            return kind
        if kind == "event_frequency" and events_in_window(
                issue, trigger["minutes"], now) > trigger["value"]:
            return kind
        if kind == "user_frequency" and users_in_window(
                issue, trigger["minutes"], now) > trigger["value"]:
            return kind
    return None


def claim_interval(rule: Rule, issue: Issue, now: datetime) -> bool:
    """True for exactly one caller per action interval (the row, or the conditional UPDATE)."""
    try:
        with transaction.atomic():
            RuleIssueState.objects.create(rule=rule, issue=issue, last_fired_at=now)
        return True
    except IntegrityError:
        pass
    since = now - timedelta(minutes=rule.action_interval_minutes)
    return RuleIssueState.objects.filter(rule=rule, issue=issue, last_fired_at__lte=since
                                         ).update(last_fired_at=now) == 1


def enqueue(rule: Rule | None, issue: Issue, channels: list[Channel], reason: str,
            action: str = Delivery.Action.TRIGGER) -> list[Delivery]:
    environment = (IssueTagValue.objects.filter(issue=issue, key="environment")
                   .order_by("-last_seen").values_list("value", flat=True).first() or "")
    return queue(channels, issue_message(issue, reason, environment), action, reason, rule,
                 issue)


def evaluate(facts: Facts, now: datetime) -> list[Delivery]:
    """Fire the rules this batch's issues meet; return the deliveries created."""
    touched = set(facts.new_issues) | set(facts.regressed_issues) | set(facts.events_by_issue)
    issues = Issue.objects.filter(pk__in=touched).select_related("project__organization")
    rules_by_project: dict[int, list[Rule]] = {}
    for rule in Rule.objects.filter(project__in={i.project_id for i in issues},
                                    is_active=True).prefetch_related("channels"):
        rules_by_project.setdefault(rule.project_id, []).append(rule)
    snoozed = set(AlertSnooze.objects.filter(issue__in=touched, until__gt=now)
                  .values_list("issue_id", flat=True))
    created = []
    for issue in issues:
        if issue.pk in snoozed:
            continue
        for rule in rules_by_project.get(issue.project_id, []):
            reason = fired_trigger(rule, issue, facts, now)
            if reason is None or not passes_filters(rule, issue, now):
                continue
            channels = list(rule.channels.all())
            if channels and claim_interval(rule, issue, now):
                created += enqueue(rule, issue, channels, reason)
    return created
