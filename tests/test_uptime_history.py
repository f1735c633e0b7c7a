"""The uptime figures come from hourly sums plus the results of the partial hours at a
window's ends; they must equal a count of every result in the window, wherever the hour
boundaries, the window's start and `now` fall."""

import importlib
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps

from health import actions
from health.models import UptimeHour, UptimeMonitor, UptimeResult
from health.uptime.history import (
    STATS_WINDOWS,
    delete_expired_results,
    keep_result,
    start_of_hour,
    uptime_stats_for,
)

RESULTS_PER_MONITOR = 120
SITE = "https://example.com/"  # never probed: these tests keep results themselves
NOW = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)  # what the tests without their own call now


def make_monitor(project, url: str, name: str = "Checkout") -> UptimeMonitor:
    return actions.create_uptime_monitor(project, {"name": name, "url": url}, NOW)


def counted(results: list[dict], now: datetime) -> dict[str, dict]:
    """The figures the slow way: every result of the window, one by one."""
    figures = {}
    for name, span in STATS_WINDOWS.items():
        window = [r for r in results if now - span < r["checked_at"] <= now]
        timed = [r["duration_ms"] for r in window if r["ok"] and r["duration_ms"] is not None]
        failures = sum(1 for r in window if not r["ok"])
        figures[name] = {
            "checks": len(window), "failures": failures,
            "uptime_percent": (round(100 * (len(window) - failures) / len(window), 3)
                               if window else None),
            "mean_response_ms": round(sum(timed) / len(timed), 1) if timed else None}
    return figures


def history(rng: random.Random, now: datetime) -> list[dict]:
    """Results over 31 days (and a few after `now`), many on the edges that matter: on the
    hour, at a window's start, at `now`. Durations are whole numbers, so sums are exact."""
    edges = [now, now + timedelta(seconds=1), start_of_hour(now),
             start_of_hour(now) - timedelta(microseconds=1)]
    for span in STATS_WINDOWS.values():
        edges += [now - span, now - span + timedelta(microseconds=1),
                  start_of_hour(now - span), start_of_hour(now - span) + timedelta(hours=1)]
    moments = edges + [now - timedelta(seconds=rng.uniform(0, 31 * 86400))
                       for _ in range(RESULTS_PER_MONITOR - len(edges))]
    return [{"checked_at": moment, "ok": rng.random() > 0.3,
             "duration_ms": None if rng.random() < 0.1 else float(rng.randint(1, 900))}
            for moment in moments]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_the_figures_equal_a_count_of_every_result(web_project, seed):
    rng = random.Random(seed)
    now = datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC) + timedelta(
        seconds=rng.uniform(0, 86400 * 60))
    if seed == 0:
        now = start_of_hour(now)  # `now` and every window's start exactly on the hour
    kept = {}
    for monitor in (make_monitor(web_project, SITE, name=f"m{n}") for n in range(2)):
        kept[monitor.pk] = history(rng, now)
        for result in kept[monitor.pk]:
            keep_result(monitor.pk, result["checked_at"], ok=result["ok"],
                        duration_ms=result["duration_ms"])
    assert uptime_stats_for(list(kept), now) == {
        pk: counted(results, now) for pk, results in kept.items()}


@pytest.mark.django_db
def test_a_monitor_without_history_has_no_figures(web_project):
    monitor = make_monitor(web_project, SITE)
    empty = {"checks": 0, "failures": 0, "uptime_percent": None, "mean_response_ms": None}
    assert uptime_stats_for([monitor.pk], NOW) == {
        monitor.pk: dict.fromkeys(STATS_WINDOWS, empty)}


@pytest.mark.django_db
def test_the_migration_sums_the_results_kept_before_it(web_project):
    """Results stored before the hourly sums existed (no keep_result) get their sums."""
    rng = random.Random(7)
    now = NOW
    monitor = make_monitor(web_project, SITE)
    results = history(rng, now)
    UptimeResult.objects.bulk_create(UptimeResult(monitor=monitor, **r) for r in results)
    assert not UptimeHour.objects.exists()
    migration = importlib.import_module("health.migrations.0004_uptime_hours")
    migration.sum_existing_results(apps, None)
    assert uptime_stats_for([monitor.pk], now) == {monitor.pk: counted(results, now)}
    hours = {start_of_hour(r["checked_at"]) for r in results}
    assert set(UptimeHour.objects.values_list("hour", flat=True)) == hours


@pytest.mark.django_db
def test_expiry_keeps_the_sums_of_the_hour_it_cuts_through(settings, web_project):
    settings.ERRORTRACK_UPTIME_HISTORY_DAYS = 30
    monitor = make_monitor(web_project, SITE)
    now = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    cutoff = now - timedelta(days=30)
    for moment in (cutoff - timedelta(hours=2), cutoff - timedelta(minutes=10),
                   cutoff + timedelta(minutes=10), now):
        keep_result(monitor.pk, moment, ok=True, duration_ms=5.0)
    assert delete_expired_results(now) == 2
    assert sorted(UptimeHour.objects.values_list("hour", flat=True)) == [
        start_of_hour(cutoff), start_of_hour(now)]
