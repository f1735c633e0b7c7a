"""Latency of the triage API on a big project: 1,000,000 events in 10,000 issues, PostgreSQL.

Fills a database of its own (`errortrack_apibench` beside the one DATABASE_URL names; created
when missing, filled once, reused by later runs; `--refill` starts over) straight into the
tables with `generate_series` (small events, about a minute), then starts the real server
(`manage.py serve`, one web worker) and times sequential requests over a keep-alive connection:
the issue stream (`is:unresolved`, sorted by last seen: the target is p95 <= 100 ms) and its
variants, and the latest event of an issue (target p95 <= 50 ms). Prints p50/p95/p99 and the
server's CPU milliseconds per request. Usage:

    DATABASE_URL=postgres://… REDIS_URL=redis://… SECRET_KEY=… \
        .venv/bin/python bench/api_issue_list.py [--events N] [--issues N] [--requests N]
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg
from common import ROOT, cpu_seconds, start_server, stored_error_document

ORG, PROJECT = "apibench", "big"
BENCH_DATABASE = "errortrack_apibench"


def bench_database_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + BENCH_DATABASE))


def ensure_database(url: str, refill: bool) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              [BENCH_DATABASE]).fetchone()
        if exists and refill:
            conn.execute(f"DROP DATABASE {BENCH_DATABASE} WITH (FORCE)")
            exists = None
        if not exists:
            conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")


def manage(env: dict, *argv: str) -> str:
    return subprocess.run([sys.executable, "manage.py", *argv], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout


def event_documents() -> list[bytes]:
    """A few stored event documents (normalized by the digest's own code, compressed as the
    Event model stores them); the generated events share them, each with its own event id."""
    import django
    django.setup()
    from errortrack.fields import _compressor, _dumps_json_bytes
    documents = []
    for n, kind in enumerate(["ValueError", "KeyError", "TypeError", "ConnectionError"]):
        event = stored_error_document(kind, f"bench failure {n}", level="error",
                                      release=f"app@{n + 1}", environment="production",
                                      user={"id": str(n)}, tags={"customer": f"customer-{n}"})
        documents.append(_compressor.compress(_dumps_json_bytes(event)))
    return documents


FILL_SQL = [
    # Issues: 70% unresolved, 20% resolved, 10% ignored; levels and titles vary.
    """
    INSERT INTO errortrack_issue (project_id, kind, short_id, grouping_hash, grouping_version,
        title, culprit, level, platform, event_type, metadata, status, resolved_at,
        resolved_in_next_release, is_regressed, first_seen, last_seen, times_seen, user_count,
        first_release, last_release)
    SELECT %(project)s, 'error', i, md5('bench-' || i), 'v1',
        (ARRAY['ValueError', 'KeyError', 'TypeError', 'ConnectionError'])[1 + i %% 4]
            || ': bench failure ' || i,
        'shop.views.module_' || (i %% 97) || ' in step_' || (i %% 13),
        CASE WHEN i %% 20 = 0 THEN 'fatal' WHEN i %% 7 = 0 THEN 'warning' ELSE 'error' END,
        'python', 'error', jsonb_build_object('type', 'ValueError', 'value', 'bench ' || i),
        CASE WHEN i %% 10 < 7 THEN 'unresolved' WHEN i %% 10 < 9 THEN 'resolved'
             ELSE 'ignored' END,
        CASE WHEN i %% 10 BETWEEN 7 AND 8 THEN now() END,
        false, false, now(), now(), 0, 0, '', ''
    FROM generate_series(1, %(issues)s) AS i
    """,
    # Events: skewed over the issues (the biggest has ~5%% of them), spread over 14 days.
    """
    INSERT INTO errortrack_event (project_id, issue_id, event_id, timestamp, received_at,
        level, release, environment, title, data)
    SELECT %(project)s, ids.id[1 + s.idx], md5('event-' || s.g), s.ts, s.ts, 'error',
        'app@' || (1 + s.g %% 5), CASE WHEN s.g %% 3 = 0 THEN 'staging' ELSE 'production' END,
        'bench failure ' || s.idx, (%(documents)s::bytea[])[1 + s.g %% 4]
    FROM (SELECT array_agg(id ORDER BY short_id) AS id FROM errortrack_issue
          WHERE project_id = %(project)s) AS ids,
         (SELECT g, floor(%(issues)s * power(random(), 3))::int AS idx,
                 now() - random() * interval '14 days' AS ts
          FROM generate_series(1, %(events)s) AS g) AS s
    """,
    """
    UPDATE errortrack_issue AS i SET times_seen = a.n, first_seen = a.first,
        last_seen = a.last, user_count = 1 + a.n / 7, first_release = 'app@1',
        last_release = 'app@5'
    FROM (SELECT issue_id, count(*) AS n, min(timestamp) AS first, max(timestamp) AS last
          FROM errortrack_event WHERE project_id = %(project)s GROUP BY issue_id) AS a
    WHERE i.id = a.issue_id
    """,
    """
    INSERT INTO errortrack_issuehourbucket (issue_id, hour, events, users)
    SELECT issue_id, date_trunc('hour', timestamp), count(*), 1 + count(*) / 7
    FROM errortrack_event WHERE project_id = %(project)s GROUP BY 1, 2
    """,
    """
    INSERT INTO errortrack_issuetagvalue (issue_id, key, value, times_seen, first_seen,
        last_seen)
    SELECT issue_id, key, value, count(*), min(timestamp), max(timestamp)
    FROM errortrack_event,
         LATERAL (VALUES ('environment', environment), ('release', release),
                         ('level', level)) AS tag(key, value)
    WHERE project_id = %(project)s GROUP BY 1, 2, 3
    """,
    """
    INSERT INTO errortrack_environment (project_id, name, first_seen)
    SELECT %(project)s, name, now() FROM unnest(ARRAY['production', 'staging']) AS name
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO errortrack_release (project_id, version, first_seen, last_seen)
    SELECT %(project)s, 'app@' || n, now(), now() FROM generate_series(1, 5) AS n
    ON CONFLICT DO NOTHING
    """,
    "UPDATE errortrack_project SET issue_counter = %(issues)s WHERE id = %(project)s",
]


def fill(url: str, project_id: int, issues: int, events: int) -> None:
    """Generate the data unless the project already has it."""
    with psycopg.connect(url) as conn:
        # Only the generated issues count (bench/ui_pages.py adds one of its own).
        have = conn.execute("SELECT count(*) FROM errortrack_issue WHERE project_id = %s "
                            "AND title LIKE '%%bench failure%%'", [project_id]).fetchone()[0]
        if have == issues:
            print(f"reusing {issues:,} issues already in {BENCH_DATABASE}")
            return
        if have:
            sys.exit(f"{BENCH_DATABASE} holds {have:,} issues, not {issues:,}: use --refill")
        params = {"project": project_id, "issues": issues, "events": events,
                  "documents": event_documents()}
        started = time.perf_counter()
        for statement in FILL_SQL:
            conn.execute(statement, params)
        conn.commit()
        print(f"generated {issues:,} issues and {events:,} events "
              f"in {time.perf_counter() - started:.0f} s")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


@dataclass
class BenchDatabase:
    url: str  # the bench database's DATABASE_URL
    env: dict[str, str]  # the environment the server and manage.py run with (also os.environ)
    project_id: int
    token: str  # the bootstrap API token


def prepare(issues: int, events: int, refill: bool = False, **extra_env: str) -> BenchDatabase:
    """The bench database beside DATABASE_URL's: created, migrated, bootstrapped (org, project,
    token) and filled with `issues` and `events` unless it already holds them. Every bench on
    this database starts here; `extra_env` joins the server's environment."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL database (its server hosts the bench's)")
    url = bench_database_url(os.environ["DATABASE_URL"])
    ensure_database(os.environ["DATABASE_URL"], refill)
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "errortrack.settings", **extra_env}
    os.environ.update(env)
    manage(env, "migrate", "--noinput")
    boot = json.loads(manage(env, "bootstrap", "--org", ORG, "--project", PROJECT,
                             "--json").strip().splitlines()[-1])
    with psycopg.connect(url) as conn:
        project_id = conn.execute(
            "SELECT p.id FROM errortrack_project p JOIN errortrack_organization o "
            "ON o.id = p.organization_id WHERE o.slug = %s AND p.slug = %s",
            [ORG, PROJECT]).fetchone()[0]
    fill(url, project_id, issues, events)
    return BenchDatabase(url, env, project_id, boot["token"])


def timed(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> float:
    """One GET (credentials in `headers`), timed; anything but a 200 stops the bench."""
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}: {body[:300]!r}")
    return elapsed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def scenarios(issue_ids: list[int], deep_offset: int) -> dict[str, object]:
    """Name -> a path, or a function of the request number giving one."""
    issues = f"/api/0/projects/{ORG}/{PROJECT}/issues/"
    return {
        "stream: is:unresolved, last seen, 25": f"{issues}?query=is:unresolved&limit=25",
        "stream: is:unresolved, last seen, 100": f"{issues}?query=is:unresolved&limit=100",
        "stream: page at offset 5000": f"{issues}?query=&limit=25&cursor=0:{deep_offset}:0",
        "stream: sort=freq": f"{issues}?sort=freq&limit=25",
        "stream: sort=new": f"{issues}?sort=new&limit=25",
        "stream: sort=user, 14d stats": f"{issues}?sort=user&limit=25&statsPeriod=14d",
        "stream: level:fatal release:app@3": f"{issues}?query=level:fatal%20release:app@3"
                                              "&limit=25",
        "stream: free text": f"{issues}?query=ConnectionError%20module_42&limit=25",
        "org stream": f"/api/0/organizations/{ORG}/issues/?limit=25",
        "latest event (any issue)":
            lambda n: f"/api/0/issues/{issue_ids[n % len(issue_ids)]}/events/latest/",
        "latest event (biggest issue)": f"/api/0/issues/{issue_ids[0]}/events/latest/",
        "events of the biggest issue": f"/api/0/issues/{issue_ids[0]}/events/?limit=25",
    }


def measure(port: int, token: str, server_pid: int, issue_ids: list[int], requests: int
            ) -> list[tuple[str, list[float], float]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    results = []
    for name, target in scenarios(issue_ids, 5000).items():
        path_of = target if callable(target) else (lambda n, path=target: path)
        for n in range(10):  # warm-up: connections, caches
            timed(conn, path_of(n), headers)
        cpu_before = cpu_seconds(server_pid)
        latencies = [timed(conn, path_of(n), headers) for n in range(requests)]
        cpu_ms = (cpu_seconds(server_pid) - cpu_before) * 1000 / requests
        results.append((name, latencies, cpu_ms))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="per scenario")
    parser.add_argument("--refill", action="store_true", help="drop and generate again")
    args = parser.parse_args()
    bench = prepare(args.issues, args.events, refill=args.refill)
    url, env, project_id = bench.url, bench.env, bench.project_id
    with psycopg.connect(url) as conn:
        by_size = [row[0] for row in conn.execute(
            "SELECT id FROM errortrack_issue WHERE project_id = %s ORDER BY times_seen DESC",
            [project_id])]
    picker = random.Random(1)  # noqa: S311 (the same sample every run, not a secret)
    sample = [by_size[0], *picker.sample(by_size, min(500, len(by_size)))]

    server, port = start_server(env, *(["--only", "web", "--workers", "1"]
                                        if env.get("REDIS_URL") else []))
    try:
        results = measure(port, bench.token, server.pid, sample, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"\n{args.issues:,} issues, {args.events:,} events; {args.requests} sequential "
          f"requests per row, one web worker")
    print(f"{'request':42} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'CPU ms/req':>10}")
    for name, latencies, cpu_ms in results:
        print(f"{name:42} {statistics.median(latencies) * 1000:7.1f} "
              f"{percentile(latencies, 0.95) * 1000:7.1f} "
              f"{percentile(latencies, 0.99) * 1000:7.1f} {cpu_ms:10.1f}")


if __name__ == "__main__":
    main()
