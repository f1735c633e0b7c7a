"""What a live page's catch-up costs on a big project, PostgreSQL.

A page that (re)connects its websocket with `since` is first sent what changed after it
(errortrack.catch_up.changed_since, then the consumer renders the rows and counts). Uses the API
benchmark's database (bench/api_issue_list.py: 10,000 issues, 1,000,000 events; filled once,
reused), adds 20,000 activity rows over the last 14 days (once), and times, in process, the
query and the whole update for pages away 10 s, 5 min, 1 h and 24 h. Prints p50/p95 per case and
how many issues came back (at most catch_up.CATCH_UP_LIMIT). Usage:

    DATABASE_URL=postgres://… .venv/bin/python bench/live_catch_up.py [--repeats N]
"""

import argparse
import statistics
import time
from datetime import timedelta

from api_issue_list import percentile, prepare

ACTIVITIES = 20_000
AWAY = {"10 s": timedelta(seconds=10), "5 min": timedelta(minutes=5),
        "1 h": timedelta(hours=1), "24 h": timedelta(hours=24)}


def add_activity(project_id: int) -> None:
    """Status changes and comments spread over two weeks (the catch-up also looks at them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM errortrack_activity a JOIN errortrack_issue i "
                       "ON i.id = a.issue_id WHERE i.project_id = %s", [project_id])
        if cursor.fetchone()[0] >= ACTIVITIES:
            return
        cursor.execute("""
            INSERT INTO errortrack_activity (issue_id, kind, data, created_at)
            SELECT i.id, 'note', '{}'::jsonb, now() - (random() * interval '14 days')
            FROM generate_series(1, %s) AS n
            JOIN LATERAL (SELECT id FROM errortrack_issue WHERE project_id = %s
                          ORDER BY id OFFSET (n * 7919) %% 10000 LIMIT 1) AS i ON true""",
                       [ACTIVITIES, project_id])
        cursor.execute("ANALYZE errortrack_activity")


def consumer_for(project_id: int):
    """The websocket consumer's state after a member's stream page connected."""
    from django.contrib.auth import get_user_model

    from errortrack.live.consumer import LiveConsumer

    consumer = LiveConsumer()
    consumer.scope = {"user": get_user_model().objects.filter(is_superuser=True).first()}
    consumer.project_ids, consumer.issue_id = [project_id], None
    consumer.query, consumer.stats_period = "is:unresolved", "24h"
    return consumer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50, help="per case")
    args = parser.parse_args()
    project_id = prepare(10_000, 1_000_000).project_id
    import django

    django.setup()
    from django.utils import timezone

    from errortrack.live import catch_up

    add_activity(project_id)
    consumer = consumer_for(project_id)
    print(f"{'away':8} {'issues':>6} {'query p50':>10} {'p95':>7} {'update p50':>11} {'p95':>7}")
    for name, away in AWAY.items():
        queries, updates, found = [], [], 0
        for _ in range(args.repeats):
            since = timezone.now() - away
            started = time.perf_counter()
            missed = catch_up.changed_since([project_id], since)
            queried = time.perf_counter()
            consumer.update_for(missed, timezone.now())
            updates.append(time.perf_counter() - started)
            queries.append(queried - started)
            found = len(missed["new"]) + len(missed["changed"]) + len(missed["updated"])
        print(f"{name:8} {found:6} {statistics.median(queries) * 1000:8.1f}ms "
              f"{percentile(queries, 0.95) * 1000:5.1f}ms "
              f"{statistics.median(updates) * 1000:9.1f}ms "
              f"{percentile(updates, 0.95) * 1000:5.1f}ms")


if __name__ == "__main__":
    main()
