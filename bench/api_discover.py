"""Latency of the Discover-style events API and a project's event list, as the ecosystem's
clients call them: 50,000 events over 14 days in 3 projects and 200 issues.

Fills the database it runs on (embedded: a SQLite file under ERRORTRACK_DATA_DIR, by default
`data/bench-discover/`; or the PostgreSQL database DATABASE_URL names, which must be one of its
own) once, with `bulk_create` and a few realistic event documents made by the digest's own code
(a few seconds), and reuses it in later runs (`--refill` starts over). Then times sequential
requests in process through Django's test client (the whole request: auth, query, JSON) and
prints p50/p95 and, for the slowest SQL statement of each request, its plan on the event table
(PostgreSQL: the rows that scan read, from `EXPLAIN ANALYZE`). Usage:

    ERRORTRACK_DATA_DIR=/tmp/bench-data .venv/bin/python bench/api_discover.py \
        [--events N] [--issues N] [--projects N] [--days N] [--requests N] [--refill]
    DATABASE_URL=postgres://…/bench_discover .venv/bin/python bench/api_discover.py
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from common import ROOT, stored_error_document

ORG = "discoverbench"
PROJECTS = ["web", "api", "worker", "mobile", "batch"]
CUSTOMERS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka"]
KINDS = ["ValueError", "KeyError", "TypeError", "ConnectionError", "TimeoutError"]
LEVELS = ["error"] * 7 + ["warning"] * 2 + ["fatal"]
# The MCP server's default fields for search_events on the errors dataset.
MCP_FIELDS = ["issue", "title", "project", "timestamp", "level", "message", "error.type",
              "culprit", "user.email", "user.id"]


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("ERRORTRACK_DATA_DIR", str(ROOT / "data" / "bench-discover"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errortrack.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    django.setup()


def documents(count: int) -> list[dict]:
    """`count` stored event documents (normalized and derived by the digest's own code), with
    varied exceptions, users, levels and a `customer` tag (acme in 1 of 8)."""
    return [stored_error_document(
        KINDS[n % len(KINDS)], f"bench failure {n}", level=LEVELS[n % len(LEVELS)],
        release=f"app@{n % 5}", environment="production" if n % 3 else "staging",
        user={"id": str(n), "email": f"user{n}@example.com"},
        tags={"customer": CUSTOMERS[n % len(CUSTOMERS)]}) for n in range(count)]


def fill(events: int, issues: int, projects: int, days: int, refill: bool) -> tuple[str, list]:
    """The organization, its projects, issues and events (unless already there); returns an
    API token with event:read and the projects."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import TestCase

    from errortrack import actions
    from errortrack.models import Event, Issue, Organization, Project

    org = Organization.objects.filter(slug=ORG).first()
    if org is not None and refill:
        Event.objects.filter(project__organization=org).delete()
        Issue.objects.filter(project__organization=org).delete()
    user = get_user_model().objects.filter(username="discoverbench").first()
    if user is None:
        user = get_user_model().objects.create_user("discoverbench", "bench@example.com",
                                                    "bench-only")
    with TestCase.captureOnCommitCallbacks(execute=True):
        if org is None:
            org = actions.create_organization(user, ORG, name="Discover bench")
        for slug in PROJECTS[:projects]:
            if not Project.objects.filter(organization=org, slug=slug).exists():
                actions.create_project(org, slug, platform="python")
    chosen = list(Project.objects.filter(organization=org, slug__in=PROJECTS[:projects])
                  .order_by("pk"))
    token = actions.create_api_token(user, "discover bench", ["event:read"])[1]
    have = Event.objects.filter(project__organization=org).count()
    if have == events:
        print(f"reusing the {events:,} events already stored")
        return token, chosen
    if have:
        sys.exit(f"the organization holds {have:,} events, not {events:,}: use --refill")

    started = time.perf_counter()
    picker = random.Random(7)  # noqa: S311 (the same data every run, not a secret)
    now = datetime.now(UTC)
    weights = [0.6, 0.3, 0.1, 0.05, 0.05][:projects]
    docs = documents(40)
    with transaction.atomic():
        made = []
        for n in range(issues):
            project = picker.choices(chosen, weights)[0]
            made.append(Issue(project=project, short_id=n + 1, grouping_hash=f"{n:032x}",
                              grouping_version="v1", kind=Issue.Kind.ERROR,
                              title=f"{KINDS[n % len(KINDS)]}: bench failure {n}",
                              culprit=f"shop.views in step_{n % 13}",
                              level=LEVELS[n % len(LEVELS)], platform="python",
                              first_seen=now - timedelta(days=days), last_seen=now))
        Issue.objects.bulk_create(made, batch_size=500)
        all_issues = list(Issue.objects.filter(project__in=chosen).order_by("short_id"))
        batch: list[Event] = []
        for n in range(events):
            # Skewed: the biggest issue has ~5% of the events.
            issue = all_issues[int(len(all_issues) * picker.random() ** 3)]
            doc = docs[n % len(docs)]
            moment = now - timedelta(seconds=picker.random() * days * 86400)
            batch.append(Event(project_id=issue.project_id, issue=issue,
                               event_id=f"{n:08x}{picker.getrandbits(96):024x}",
                               timestamp=moment, received_at=moment + timedelta(seconds=1),
                               level=doc["level"], release=doc.get("release", ""),
                               environment=doc.get("environment", ""),
                               title=issue.title, data=doc))
            if len(batch) == 2000:
                Event.objects.bulk_create(batch)
                batch = []
        Event.objects.bulk_create(batch)
        for issue in all_issues:
            Project.objects.filter(pk=issue.project_id, issue_counter__lt=issue.short_id) \
                .update(issue_counter=issue.short_id)
    print(f"generated {issues:,} issues and {events:,} events in {len(chosen)} projects in "
          f"{time.perf_counter() - started:.0f} s")
    return token, chosen


def analyze() -> None:
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def scenarios(projects: list) -> dict[str, str]:
    """Name -> path, as each client sends it."""
    events = f"/api/0/organizations/{ORG}/events/"
    mcp = {"dataset": "errors", "field": MCP_FIELDS, "sort": "-timestamp", "per_page": 10,
           "statsPeriod": "14d"}
    first = projects[0]

    def url(path: str, **params: Any) -> str:
        return f"{path}?{urlencode(params, doseq=True)}"
    return {
        "MCP search_events (14d, 10 rows)": url(events, **mcp),
        "MCP search_events, level:error": url(events, **mcp, query="level:error"),
        "count by issue (field=issue,count())": url(
            events, dataset="errors", field=["issue", "count()"], sort="-count()",
            per_page=10, statsPeriod="14d"),
        "Grafana events-stats (1h, count(), 14d)": url(
            f"/api/0/organizations/{ORG}/events-stats/", yAxis="count()", interval="1h",
            statsPeriod="14d"),
        "tag filter customer:acme (document)": url(events, **mcp, query="customer:acme"),
        f"MCP search_events, project {first.slug}": url(events, **mcp, project=first.pk),
        f"sentry-cli events list ({first.slug})": url(
            f"/api/0/projects/{ORG}/{first.slug}/events/"),
        f"sentry-cli events list, 14d ({first.slug})": url(
            f"/api/0/projects/{ORG}/{first.slug}/events/", statsPeriod="14d"),
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _pg_scanned(node: dict) -> tuple[int, list[str]]:
    """Rows the event-table scans of a PostgreSQL plan read, and how they read them."""
    rows, how = 0, []
    if node.get("Relation Name") == "errortrack_event" or "errortrack_event" in str(
            node.get("Index Name", "")):
        read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0)) * node.get("Actual Loops", 1)
        if node["Node Type"] != "Bitmap Index Scan":
            rows += read
        how.append(node["Node Type"] + (f" {node['Index Name']}" if node.get("Index Name")
                                        else ""))
    for child in node.get("Plans", []):
        child_rows, child_how = _pg_scanned(child)
        rows += child_rows
        how += child_how
    return rows, how


def explain(sql: str) -> str:
    """How the event table is read by `sql`: the plan's steps on it (PostgreSQL: and the rows
    read)."""
    import json

    from django.db import connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            raw = cursor.fetchone()[0]
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
            rows, how = _pg_scanned(plan)
            return f"{rows:>7,} rows; {', '.join(dict.fromkeys(how))}"
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        steps = [row[-1] for row in cursor.fetchall()]
        return "; ".join(step for step in steps if "errortrack_event" in step
                         or "TEMP B-TREE" in step)


def measure(token: str, paths: dict[str, str], requests: int) -> list[tuple]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="localhost")
    results = []
    for name, path in paths.items():
        for _ in range(3):  # warm-up
            response = client.get(path)
            if response.status_code != 200:
                sys.exit(f"{path}: HTTP {response.status_code}: {response.content[:300]!r}")
        latencies = []
        for _ in range(requests):
            start = time.perf_counter()
            client.get(path)
            latencies.append(time.perf_counter() - start)
        with CaptureQueriesContext(connection) as captured:
            body = client.get(path).json()
        on_events = [q for q in captured.captured_queries if "errortrack_event" in q["sql"]]
        slowest = max(on_events, key=lambda q: float(q["time"]))["sql"]
        partial = isinstance(body, dict) and body.get("meta", {}).get("dataScanned")
        results.append((name, latencies, explain(slowest) + (" [partial]" if partial else "")))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--issues", type=int, default=200)
    parser.add_argument("--projects", type=int, default=3, choices=range(1, len(PROJECTS) + 1))
    parser.add_argument("--days", type=int, default=14, help="the events' time span")
    parser.add_argument("--requests", type=int, default=30, help="per scenario")
    parser.add_argument("--refill", action="store_true", help="drop the events, generate again")
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    call_command("migrate", verbosity=0)
    token, projects = fill(args.events, args.issues, args.projects, args.days, args.refill)
    analyze()  # also after a migration added an index to data already there
    results = measure(token, scenarios(projects), args.requests)
    print(f"\n{args.events:,} events, {args.issues} issues, {len(projects)} projects, "
          f"{args.days} days; {connection.vendor}; {args.requests} sequential requests per "
          f"row, in process")
    print(f"{'request':44} {'p50 ms':>7} {'p95 ms':>7}  event table (slowest statement)")
    for name, latencies, plan in results:
        print(f"{name:44} {statistics.median(latencies) * 1000:7.1f} "
              f"{percentile(latencies, 0.95) * 1000:7.1f}  {plan}")


if __name__ == "__main__":
    main()
