"""Sending deliveries: the retry queue is the Delivery table itself, so embedded mode (the
background loop) and scale-out (Celery) behave the same, and a worker dying mid-send only
delays a delivery until its claim expires.

Each due delivery is claimed with a conditional UPDATE (one row changed: ours), sent once, and
its outcome recorded on the row: sent; or retried after ERRORTRACK_DELIVERY_RETRY_BASE_SECONDS
* 2^(attempts-1) (or the receiver's Retry-After) for a transient failure, until
ERRORTRACK_DELIVERY_MAX_ATTEMPTS; or failed at once for a permanent one, which also marks the
channel failing.
"""

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from alerts.models import Channel, Delivery, DeliveryAttempt, Rule
from alerts.notifiers import NOTIFIERS, NotifyError
from errortrack import metrics
from errortrack.models import Issue, Member, Project

log = logging.getLogger(__name__)
CLAIM_SECONDS = 120  # longer than any send (timeouts are seconds); then another may retry
BATCH = 50


def recipients_for(channel: Channel) -> list[str]:
    """An email channel for the organization's members: their addresses now (a retry mails the
    same people). Other channels carry their destination in their config."""
    if channel.kind != Channel.Kind.EMAIL or not channel.config.get("members"):
        return []
    return sorted(set(Member.objects.filter(organization_id=channel.organization_id)
                      .exclude(user__email="").values_list("user__email", flat=True)))


def queue(channels: list[Channel], message: dict, action: str, reason: str,
          rule: Rule | None = None, issue: Issue | None = None) -> list[Delivery]:
    """Every delivery is created here: one per channel, with its recipients resolved."""
    return Delivery.objects.bulk_create([
        Delivery(channel=channel, rule=rule, issue=issue, action=action, reason=reason,
                 message=message, recipients=recipients_for(channel))
        for channel in channels])


def due(now: datetime) -> QuerySet[Delivery]:
    """Pending deliveries whose time has come and that nobody holds (or whose claim expired)."""
    return Delivery.objects.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
                                   status=Delivery.Status.PENDING, next_attempt_at__lte=now)


def claim(delivery_id: int, now: datetime) -> bool:
    return due(now).filter(pk=delivery_id).update(
        claimed_until=now + timedelta(seconds=CLAIM_SECONDS)) == 1


def retry_delay(attempts: int, retry_after: float | None) -> float:
    backoff = settings.ERRORTRACK_DELIVERY_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
    return max(backoff, retry_after or 0)


def record(delivery: Delivery, now: datetime, started: float, status: int | None,
           error: NotifyError | None) -> None:
    delivery.attempts += 1
    delivery.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    delivery.claimed_until = None
    delivery.response_code = status if error is None else error.status
    channel_update: dict = {}
    if error is None:
        delivery.status, delivery.sent_at, delivery.error = Delivery.Status.SENT, now, ""
        channel_update = {"is_failing": False, "last_error": ""}
        outcome = "sent"
    elif error.permanent or delivery.attempts >= settings.ERRORTRACK_DELIVERY_MAX_ATTEMPTS:
        delivery.status, delivery.error = Delivery.Status.FAILED, str(error)[:2000]
        if error.permanent:
            channel_update = {"is_failing": True, "last_error": str(error)[:2000]}
        outcome = "failed"
    else:
        delivery.error = str(error)[:2000]
        delivery.next_attempt_at = now + timedelta(
            seconds=retry_delay(delivery.attempts, error.retry_after))
        outcome = "retrying"
    delivery.save(update_fields=["attempts", "duration_ms", "claimed_until", "response_code",
                                 "status", "sent_at", "error", "next_attempt_at"])
    DeliveryAttempt.objects.create(delivery=delivery, number=delivery.attempts, outcome=outcome,
                                   response_code=delivery.response_code,
                                   error="" if error is None else str(error)[:2000],
                                   duration_ms=delivery.duration_ms, attempted_at=now)
    if channel_update:
        Channel.objects.filter(pk=delivery.channel_id).update(**channel_update)
    metrics.notifications.labels(delivery.channel.kind, outcome).inc()


def send_one(delivery: Delivery, now: datetime) -> None:
    channel = delivery.channel
    notifier = NOTIFIERS[channel.kind](channel.config)
    started = time.perf_counter()
    try:
        status = notifier.send(delivery.action, delivery.message, delivery.recipients)
    except NotifyError as exc:
        log.info("delivery %s to %s failed: %s", delivery.pk, channel, exc)
        record(delivery, now, started, None, exc)
        return
    except Exception as exc:  # a bug in a notifier must not stop the queue
        log.exception("delivery %s to %s raised", delivery.pk, channel)
        record(delivery, now, started, None, NotifyError(f"{type(exc).__name__}: {exc}"))
        return
    record(delivery, now, started, status, None)


def deliver_due(now: datetime) -> int:
    """Periodic job: send every delivery that is due; return how many were attempted."""
    attempted = 0
    while True:
        batch = list(due(now).order_by("next_attempt_at", "id")
                     .values_list("pk", flat=True)[:BATCH])
        claimed = [pk for pk in batch if claim(pk, now)]
        for delivery in (Delivery.objects.filter(pk__in=claimed).select_related("channel")
                         .order_by("next_attempt_at", "id")):  # a trigger before its resolve
            send_one(delivery, now)
            attempted += 1
        if len(batch) < BATCH:
            return attempted


def for_project(project: Project) -> QuerySet[Delivery]:
    """A project's deliveries: about its issues, or from its rules (rates, deploy guard)."""
    return Delivery.objects.filter(Q(issue__project=project) | Q(rule__project=project))


def supersede_pending_triggers(deliveries: "QuerySet[Delivery]") -> None:
    """Triggers still waiting to be sent (e.g. retrying) when their alert resolves are
    dropped: sent after the resolve, they would open an incident nothing closes."""
    deliveries.filter(action=Delivery.Action.TRIGGER, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.FAILED, error="superseded: resolved before it could be sent",
        claimed_until=None)
