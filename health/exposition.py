"""The text Prometheus scrapes: every process's counters (errortrack.metrics), and the queue
state (inbox depth and age, quarantine, heartbeat ages) read from the database at scrape time,
so every process reports the same truth and nothing goes stale."""

import logging
import os
import platform
from collections.abc import Iterator
from datetime import datetime
from importlib import metadata

import django
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric

log = logging.getLogger(__name__)


def version() -> str:
    try:
        return metadata.version("errortrack")
    except metadata.PackageNotFoundError:
        return "unknown"


class StateCollector:
    """Gauges read from the database at scrape time (`now`), plus errortrack_build_info."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def collect(self) -> Iterator[Metric]:
        from django.conf import settings

        from health.state import queue_state

        info = InfoMetricFamily("errortrack_build", "errortrack's version and platform.")
        info.add_metric([], {"version": version(), "python": platform.python_version(),
                             "django": django.get_version(),
                             "mode": "embedded" if settings.EMBEDDED else "scale-out"})
        yield info
        try:
            state = queue_state(self.now)
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


def exposition(now: datetime) -> bytes:
    """The text Prometheus scrapes: every process's counters, and the database's state at
    `now` (the scrape's one clock reading)."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_DefaultRegistry())
    registry.register(StateCollector(now))
    return generate_latest(registry)


class _DefaultRegistry:
    """One process: the default registry's metrics (ours, and the process collector's)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
