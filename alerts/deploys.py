"""Deploy guard: automated rollback triggers for bad releases.

A rule with the trigger `{"type": "deploy_guard", "watch_minutes": 15, "factor": 3,
"min_events": 20, "rollback_channel": <webhook channel id>}` watches the first `watch_minutes`
after each release's first event in an environment. When the new release's error rate exceeds
`factor` times the previous release's (the release with the most events in that environment in
the 24 h before), with at least `min_events` errors, it POSTs the rollback payload (signed, as
every webhook) to the rollback channel, notifies the rule's channels, and records a
DeployGuardFiring, whose creation is the claim: once per release and environment.

Rates come from the digest's per-minute project buckets; a periodic job (`alerts.deploys`)
runs `evaluate_deploys(now)`.

Rollback payload (`action: "rollback"`): `reason` "deploy_guard", `project`, `environment`,
`new_release`, `previous_release`, `new_rate_per_minute`, `previous_rate_per_minute`,
`new_events`, `factor`, `watch_minutes`, `top_issues` (up to 5: id, short_id, title, count,
url), `url`, `dedup_key`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, QuerySet, Sum

from alerts.delivery import queue
from alerts.message import project_message
from alerts.models import Channel, Delivery, DeployGuardFiring, Rule
from errortrack.models import Event, ProjectMinuteBucket

TRIGGER = "deploy_guard"
LOOKBACK = timedelta(hours=24)


def clean_deploy_trigger(trigger: dict) -> dict:
    watch = trigger.get("watch_minutes", 15)
    factor = trigger.get("factor", 3)
    min_events = trigger.get("min_events", 20)
    rollback = trigger.get("rollback_channel")
    if not (isinstance(watch, int) and 1 <= watch <= 1440):
        raise ValidationError("deploy_guard watch_minutes is 1 to 1440.")
    if isinstance(factor, bool) or not isinstance(factor, int | float) or factor <= 1:
        raise ValidationError("deploy_guard factor must be a number above 1.")
    if not (isinstance(min_events, int) and min_events >= 1):
        raise ValidationError("deploy_guard min_events must be a whole number ≥ 1.")
    if rollback is not None and not (isinstance(rollback, int) and rollback > 0):
        raise ValidationError("deploy_guard rollback_channel must be a webhook channel id.")
    return {"type": TRIGGER, "watch_minutes": watch, "factor": factor,
            "min_events": min_events, "rollback_channel": rollback}


@dataclass(frozen=True)
class Comparison:
    release: str
    environment: str
    started: datetime
    new_events: int
    new_rate: float
    previous_release: str
    previous_rate: float


def _buckets(rule: Rule) -> QuerySet[ProjectMinuteBucket]:
    buckets = ProjectMinuteBucket.objects.filter(project_id=rule.project_id)
    if rule.filters.get("environment"):
        buckets = buckets.filter(environment=rule.filters["environment"])
    return buckets


def new_releases(rule: Rule, watch: timedelta, now: datetime) -> list[tuple[str, str, datetime]]:
    """(release, environment, first minute) of releases first seen within the watch window."""
    firsts = (_buckets(rule).exclude(release="").values("release", "environment")
              .annotate(first=Min("minute")).filter(first__gt=now - watch - timedelta(minutes=1),
                                                    first__lte=now))
    return [(row["release"], row["environment"], row["first"]) for row in firsts]


def compare(rule: Rule, release: str, environment: str, started: datetime, watch: timedelta,
            now: datetime) -> Comparison:
    end = min(now, started + watch)
    buckets = _buckets(rule).filter(environment=environment)
    new_events = (buckets.filter(release=release, minute__gte=started, minute__lt=end)
                  .aggregate(n=Sum("events"))["n"] or 0)
    elapsed = max(1.0, (end - started).total_seconds() / 60)
    before = buckets.filter(minute__gte=started - LOOKBACK, minute__lt=started).exclude(
        release=release)
    previous = (before.values("release").annotate(n=Sum("events"), first=Min("minute"))
                .order_by("-n", "release").first())
    previous_rate = 0.0
    if previous:
        span = max(1.0, (started - previous["first"]).total_seconds() / 60)
        previous_rate = previous["n"] / span
    return Comparison(release, environment, started, new_events, new_events / elapsed,
                      previous["release"] if previous else "", previous_rate)


def is_bad(trigger: dict, comparison: Comparison) -> bool:
    return (comparison.new_events >= trigger["min_events"]
            and comparison.new_rate > trigger["factor"] * comparison.previous_rate)


def top_issues(rule: Rule, comparison: Comparison, now: datetime) -> list[dict]:
    rows = (Event.objects.filter(project_id=rule.project_id, release=comparison.release,
                                 environment=comparison.environment,
                                 timestamp__gte=comparison.started, timestamp__lte=now)
            .values("issue_id", "issue__short_id", "issue__title")
            .annotate(n=Count("id")).order_by("-n")[:5])
    org, slug = rule.project.organization.slug, rule.project.slug
    return [{"id": str(row["issue_id"]), "short_id": f"{slug.upper()}-{row['issue__short_id']}",
             "title": row["issue__title"], "count": row["n"],
             "url": f"{settings.BASE_URL}/organizations/{org}/issues/{row['issue_id']}/"}
            for row in rows]


def payload(rule: Rule, trigger: dict, comparison: Comparison, now: datetime) -> dict:
    title = (f"{comparison.release} in {comparison.environment or 'all environments'}: "
             f"{comparison.new_rate:.1f} errors/min, over {trigger['factor']:g} times "
             f"{comparison.previous_release or 'the previous release'}")
    return project_message(
        rule.project, TRIGGER, title,
        f"errortrack-deploy-{rule.pk}-{comparison.release}"[:255], level="fatal",
        environment=comparison.environment, release=comparison.release,
        count=comparison.new_events, first_seen=comparison.started.isoformat(),
        last_seen=now.isoformat(), new_release=comparison.release,
        previous_release=comparison.previous_release,
        new_rate_per_minute=round(comparison.new_rate, 2),
        previous_rate_per_minute=round(comparison.previous_rate, 2),
        new_events=comparison.new_events, factor=trigger["factor"],
        watch_minutes=trigger["watch_minutes"], top_issues=top_issues(rule, comparison, now))


def fire(rule: Rule, trigger: dict, comparison: Comparison, now: datetime) -> bool:
    """Record the firing (the once-per-release claim) and queue the calls."""
    body = payload(rule, trigger, comparison, now)
    try:
        with transaction.atomic():
            DeployGuardFiring.objects.create(
                rule=rule, release=comparison.release, environment=comparison.environment,
                previous_release=comparison.previous_release, new_rate=comparison.new_rate,
                previous_rate=comparison.previous_rate, new_events=comparison.new_events,
                payload=body, fired_at=now)
    except IntegrityError:
        return False
    queue(list(rule.channels.all()), body, Delivery.Action.TRIGGER, TRIGGER, rule)
    rollback_id = trigger.get("rollback_channel")
    rollback = [] if rollback_id is None else list(Channel.objects.filter(
        pk=rollback_id, organization_id=rule.project.organization_id,
        kind=Channel.Kind.WEBHOOK))
    queue(rollback, body, Delivery.Action.ROLLBACK, TRIGGER, rule)
    return True


def evaluate_deploys(now: datetime) -> int:
    """Periodic job: every active deploy guard, one step; returns how many fired."""
    fired = 0
    for rule in Rule.objects.filter(is_active=True).select_related("project__organization"):
        trigger = next((t for t in rule.triggers if t["type"] == TRIGGER), None)
        if trigger is None:
            continue
        watch = timedelta(minutes=trigger["watch_minutes"])
        for release, environment, started in new_releases(rule, watch, now):
            comparison = compare(rule, release, environment, started, watch, now)
            if is_bad(trigger, comparison) and fire(rule, trigger, comparison, now):
                fired += 1
    return fired
