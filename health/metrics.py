"""errortrack's Prometheus metrics (prometheus-client), and the scrape-time state collector.

Counters and histograms are incremented where things happen (ingest, digest) and, with several
processes, kept in PROMETHEUS_MULTIPROC_DIR (see health.multiprocess) and summed at scrape time.
Queue state (inbox depth and age, quarantine, heartbeat ages) is read from the database when
Prometheus scrapes, so every process reports the same truth and nothing goes stale.

Names follow Prometheus' conventions: the `errortrack_` prefix, `_total` for counters, base
units (`_seconds`). Labels have a handful of fixed values each: no ids, no slugs.
"""

import logging
import os
import platform
from collections.abc import Iterator
from importlib import metadata
from typing import TYPE_CHECKING

import django
from django.utils import timezone
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric

if TYPE_CHECKING:
    from errortrack.digest.facts import Facts

log = logging.getLogger(__name__)
INGEST_OUTCOMES = ("accepted", "rate_limited", "invalid", "too_large", "unauthorized")

ingest_envelopes = Counter(
    "errortrack_ingest_envelopes_total",
    "Ingest requests (envelopes and store events) by outcome.", ["outcome"])
ingest_events = Counter(
    "errortrack_ingest_events_total",
    "Event items (events, transactions, feedback) by outcome; a refused request counts as one "
    "event with the refusal's outcome.", ["outcome"])
ingest_duration = Histogram(
    "errortrack_ingest_request_duration_seconds",
    "Time from an ingest request's start to its answer (after the inbox commit).",
    buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
digest_duration = Histogram(
    "errortrack_digest_batch_duration_seconds",
    "Time to consume one batch of inbox items (claim, digest, store, commit).",
    buckets=(.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
digest_batch_size = Histogram(
    "errortrack_digest_batch_size",
    "Inbox items per consumed batch.", buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000))
digest_items = Counter(
    "errortrack_digest_items_total",
    "Inbox items consumed, by outcome (stored, failed; failed items are retried).", ["outcome"])
inbox_quarantined = Counter(
    "errortrack_inbox_quarantined_total",
    "Inbox items set aside after failing ERRORTRACK_INBOX_MAX_ATTEMPTS times.")
issues_created = Counter("errortrack_issues_created_total", "New issues.")
issues_regressed = Counter("errortrack_issues_regressed_total",
                           "Resolved issues reopened by a new event.")
notifications = Counter(
    "errortrack_notifications_total",
    "Notification attempts by channel kind and outcome (sent, retrying, failed).",
    ["channel", "outcome"])
events_stored = Counter("errortrack_events_stored_total",
                        "Events stored by the digest (grouped into issues).")
uptime_checks = Counter(
    "errortrack_uptime_checks_total", "Uptime probes by result (up, down).", ["result"])
uptime_transitions = Counter(
    "errortrack_uptime_transitions_total",
    "Uptime monitors changing state, by the state entered (up, down).", ["status"])
cron_checkins = Counter(
    "errortrack_cron_checkins_total",
    "Cron check-ins by status: in_progress, ok, error and unknown as sent; missed and timeout "
    "as recorded by errortrack; unmatched for a check-in of no known monitor.", ["status"])

for outcome in INGEST_OUTCOMES:  # every series exists from the start, at 0
    ingest_envelopes.labels(outcome)
    ingest_events.labels(outcome)
for outcome in ("stored", "failed"):
    digest_items.labels(outcome)
for outcome in ("up", "down"):
    uptime_checks.labels(outcome)
    uptime_transitions.labels(outcome)


def version() -> str:
    try:
        return metadata.version("errortrack")
    except metadata.PackageNotFoundError:
        return "unknown"


class StateCollector:
    """Gauges read from the database at scrape time, plus errortrack_build_info."""

    def collect(self) -> Iterator[Metric]:
        from django.conf import settings

        from health.state import queue_state

        info = InfoMetricFamily("errortrack_build", "errortrack's version and platform.")
        info.add_metric([], {"version": version(), "python": platform.python_version(),
                             "django": django.get_version(),
                             "mode": "embedded" if settings.EMBEDDED else "scale-out"})
        yield info
        try:
            state = queue_state(timezone.now())
        except Exception:  # the database is down: say so, and still answer the scrape
            log.warning("metrics: could not read the pipeline state", exc_info=True)
            yield GaugeMetricFamily("errortrack_database_up",
                                    "Whether the scrape could read the database.", value=0)
            return
        yield GaugeMetricFamily("errortrack_database_up",
                                "Whether the scrape could read the database.", value=1)
        yield GaugeMetricFamily("errortrack_inbox_depth",
                                "Accepted items waiting to be digested.", value=state.depth)
        yield GaugeMetricFamily("errortrack_inbox_oldest_age_seconds",
                                "Age of the oldest item waiting (0 when empty).",
                                value=state.oldest_age_seconds)
        yield GaugeMetricFamily("errortrack_inbox_quarantined",
                                "Items set aside after repeated failures.",
                                value=state.quarantined)
        ages = GaugeMetricFamily("errortrack_heartbeat_age_seconds",
                                 "Seconds since each background component last proved alive.",
                                 labels=["component"])
        for name, age in state.heartbeat_ages.items():
            if age is not None:
                ages.add_metric([name], age)
        yield ages


def exposition() -> bytes:
    """The text Prometheus scrapes: every process's counters, and the database's state."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_DefaultRegistry())
    registry.register(StateCollector())
    return generate_latest(registry)


class _DefaultRegistry:
    """One process: the default registry's metrics (ours, and the process collector's)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def count_digest_facts(facts: "Facts") -> None:
    """Digest listener: what a committed batch did."""
    issues_created.inc(len(facts.new_issues))
    issues_regressed.inc(len(facts.regressed_issues))
    events_stored.inc(facts.stored)
