"""Server time of the triage UI's pages on a big project, PostgreSQL.

Uses the API benchmark's database (bench/api_issue_list.py: 10,000 issues, 1,000,000 events;
filled once, reused), adds one event with 100 frames and 100 breadcrumbs through the real digest,
logs in through the login form, then times sequential requests through the real server
(`manage.py serve`, one web worker): the project's issue stream (target p95 <= 150 ms), its
variants, the organization stream, and the issue page of the big event (target p95 <= 150 ms).
Prints p50/p95/p99 and the server's CPU milliseconds per request. Usage:

    DATABASE_URL=postgres://… REDIS_URL=redis://… SECRET_KEY=… \
        .venv/bin/python bench/ui_pages.py [--requests N]
"""

import argparse
import http.client
import re
import statistics
import sys
import time
import uuid

from api_issue_list import ORG, PROJECT, percentile, prepare, timed
from common import cpu_seconds, start_server

PASSWORD = "ui-bench-password-1"  # noqa: S105 (a throwaway bench database)
BIG_EVENT_ID = uuid.uuid5(uuid.NAMESPACE_URL, "errortrack/bench/ui_pages/big-event").hex


def big_event() -> dict:
    """A Python error as sentry-sdk sends it, with 100 frames (locals, context) and 100
    breadcrumbs."""
    frames = [{"filename": f"shop/module_{i}.py", "module": f"shop.module_{i}",
               "function": f"handler_{i}", "lineno": 100 + i, "in_app": i % 3 != 0,
               "pre_context": [f"    line {i} - {n}" for n in range(5)],
               "context_line": f"    return handler_{i + 1}(request)",
               "post_context": [f"    after {i} + {n}" for n in range(5)],
               "vars": {"request": "<WSGIRequest: GET '/checkout'>", "i": i,
                        "cart": {"items": list(range(10))}}} for i in range(100)]
    crumbs = [{"timestamp": time.time() - 100 + i, "category": "http" if i % 2 else "query",
               "level": "info", "message": f"step {i}", "data": {"n": i, "url": f"/api/{i}"}}
              for i in range(100)]
    return {"event_id": BIG_EVENT_ID, "platform": "python", "level": "error",
            "release": "app@5", "environment": "production", "user": {"id": "42"},
            "tags": {"customer": "acme"}, "breadcrumbs": {"values": crumbs},
            "request": {"method": "POST", "url": "https://shop.example.com/checkout",
                        "headers": {"User-Agent": "bench"}},
            "exception": {"values": [{"type": "KeyError", "value": "'sku-deep'",
                                      "stacktrace": {"frames": frames}}]}}


def digest_big_event(project_id: int) -> int:
    """Through the inbox and the digest, as ingest would; returns the issue id."""
    import django
    import orjson

    django.setup()
    from django.utils import timezone

    from errortrack.digest.consume import consume_inbox
    from errortrack.models import Event, InboxItem

    stored = Event.objects.filter(project_id=project_id, event_id=BIG_EVENT_ID).first()
    if stored is not None:  # a run before stored it: reused
        return stored.issue_id
    event = big_event()
    InboxItem.objects.create(project_id=project_id, item_type="event",
                             event_id=event["event_id"], headers={},
                             payload=orjson.dumps(event))
    consume_inbox(timezone.now())
    return Event.objects.get(project_id=project_id, event_id=event["event_id"]).issue_id


def log_in(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie"))[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    body = f"username=admin&password={PASSWORD}&csrfmiddlewaretoken={token}"
    conn.request("POST", "/accounts/login/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}",
        "Referer": f"http://127.0.0.1:{port}/accounts/login/"})
    response = conn.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie") or "")
    if response.status != 302 or not session:
        sys.exit(f"login failed: HTTP {response.status}")
    return session[1]


def scenarios(issue_id: int) -> dict[str, str]:
    stream = f"/organizations/{ORG}/projects/{PROJECT}/issues/"
    return {
        "stream: is:unresolved, last seen": stream,
        "stream: sort=freq": f"{stream}?sort=freq",
        "stream: 14d bars": f"{stream}?stats=14d",
        "stream: level:fatal release:app@3": f"{stream}?query=level:fatal%20release:app@3",
        "stream: free text": f"{stream}?query=ConnectionError%20module_42",
        "org stream": f"/organizations/{ORG}/issues/",
        "issue page: 100 frames, 100 breadcrumbs": f"/organizations/{ORG}/issues/{issue_id}/",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100, help="per page")
    args = parser.parse_args()
    bench = prepare(args.issues, args.events, DJANGO_SUPERUSER_PASSWORD=PASSWORD)
    env = bench.env
    issue_id = digest_big_event(bench.project_id)

    server, port = start_server(env, *(["--only", "web", "--workers", "1"]
                                        if env.get("REDIS_URL") else []))
    try:
        headers = {"Cookie": f"sessionid={log_in(port)}"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        print(f"{'page':45} {'p50':>7} {'p95':>7} {'p99':>7} {'CPU/req':>8}")
        for name, path in scenarios(issue_id).items():
            for _ in range(5):
                timed(conn, path, headers)
            cpu_before = cpu_seconds(server.pid)
            latencies = [timed(conn, path, headers) for _ in range(args.requests)]
            cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / args.requests
            print(f"{name:45} {statistics.median(latencies) * 1000:6.0f}ms "
                  f"{percentile(latencies, 0.95) * 1000:6.0f}ms "
                  f"{percentile(latencies, 0.99) * 1000:6.0f}ms {cpu_ms:7.0f}ms")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
