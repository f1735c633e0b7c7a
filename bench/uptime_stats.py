"""What the uptime figures (24 h / 7 d / 30 d uptime % and mean response time) cost when the
history is full, PostgreSQL.

Uses the API benchmark's database (bench/api_issue_list.py; filled once, reused) and adds
`--monitors` uptime monitors with 30 days of results at a 30 s interval each (86,400 per
monitor, 2% failures; added once). Times, in process, the stats of one monitor (its page and
the API's detail) and of all of them at once (the project's monitors page). Usage:

    DATABASE_URL=postgres://… .venv/bin/python bench/uptime_stats.py [--monitors N] [--repeats N]
"""

import argparse
import statistics
import time

from api_issue_list import percentile, prepare

RESULTS_PER_MONITOR = 30 * 24 * 120  # 30 days at one check every 30 s
NAME_PREFIX = "bench-uptime-"


def add_monitors(project_id: int, count: int) -> list[int]:
    """`count` monitors with a full month of history each (made once, reused)."""
    from django.db import connection

    from health.models import UptimeMonitor

    ids = []
    for n in range(count):
        monitor, created = UptimeMonitor.objects.get_or_create(
            project_id=project_id, name=f"{NAME_PREFIX}{n}",
            defaults={"url": f"https://example.com/{n}", "interval_seconds": 30})
        ids.append(monitor.pk)
        if not created and monitor.results.exists():
            continue
        with connection.cursor() as cursor:
            cursor.execute("""
                INSERT INTO health_uptimeresult (monitor_id, checked_at, ok, status_code,
                                                 duration_ms, error)
                SELECT %s, now() - n * interval '30 seconds', n %% 50 <> 0,
                       CASE WHEN n %% 50 <> 0 THEN 200 ELSE 503 END, 20 + random() * 300, ''
                FROM generate_series(0, %s) AS n""", [monitor.pk, RESULTS_PER_MONITOR - 1])
        backfill_rollups(monitor.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE health_uptimeresult")
    return ids


def backfill_rollups(monitor_id: int) -> None:
    """The hourly sums of the results just inserted in SQL (keep_result makes them as it goes;
    these rows did not pass through it). Skipped on a version without the sums."""
    from django.db import connection

    if "health_uptimehour" not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO health_uptimehour (monitor_id, hour, checks, failures, timed_successes,
                                           success_ms_total)
            SELECT monitor_id, date_trunc('hour', checked_at), count(*), count(*) FILTER
                   (WHERE NOT ok), count(duration_ms) FILTER (WHERE ok),
                   coalesce(sum(duration_ms) FILTER (WHERE ok), 0)
            FROM health_uptimeresult WHERE monitor_id = %s GROUP BY 1, 2""", [monitor_id])


def timed_runs(func, repeats: int) -> list[float]:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        runs.append(time.perf_counter() - started)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    project_id = prepare(10_000, 1_000_000).project_id
    import django

    django.setup()
    from django.utils import timezone

    from health.uptime.history import uptime_stats_for

    started = time.perf_counter()
    ids = add_monitors(project_id, args.monitors)
    print(f"{len(ids)} monitors, {RESULTS_PER_MONITOR:,} results each "
          f"(ready in {time.perf_counter() - started:.1f} s)")
    cases = {"one monitor": ids[:1], f"all {len(ids)} (list page)": ids}
    print(f"{'stats of':24} {'p50':>8} {'p95':>8}")
    for name, monitor_ids in cases.items():
        runs = timed_runs(lambda ids=monitor_ids: uptime_stats_for(ids, timezone.now()),
                          args.repeats)
        print(f"{name:24} {statistics.median(runs) * 1000:6.1f}ms "
              f"{percentile(runs, 0.95) * 1000:6.1f}ms")


if __name__ == "__main__":
    main()
