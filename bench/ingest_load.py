"""Ingest load generator: how many events/s errortrack acks, and how fast it stores them.

Starts errortrack (embedded on a fresh data directory; scale-out web + worker + beat when
DATABASE_URL and REDIS_URL are set), then sends realistic Python error events (~17 KB of JSON:
~20 frames with context and vars, ~30 breadcrumbs, request, user, tags, contexts; K distinct
fingerprints) from several processes over keep-alive connections: in raw mode as prebuilt gzip
envelopes, in sdk mode through the real sentry-sdk (several clients per process, each with a queue
that holds every event, so the SDK drops none). A warm-up batch goes first and is left out of the
figures. Prints accepted, rejected, ack events/s, ack latency p50/p95/p99, end-to-end events/s
(until every event is stored), CPU ms per event by role (web, worker, PostgreSQL, Redis, the
generator) and server RSS. Exits 1 if anything sent was not accepted or accepted was not stored.

    .venv/bin/python bench/ingest_load.py [--mode raw|sdk] [--events 5000] [--concurrency 32]
"""

import argparse
import gzip
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import CpuByRole, rss_mb, start_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def realistic_event(fingerprint: int) -> dict:
    frames = [{
        "filename": f"app/module_{i}.py", "abs_path": f"/srv/app/app/module_{i}.py",
        "module": f"app.module_{i}", "function": f"handler_{i}", "lineno": 40 + i, "in_app": i > 4,
        "pre_context": [f"    line_{j} = compute({j})" for j in range(5)],
        "context_line": f"    result = process(item_{i})",
        "post_context": [f"    log.debug('step {j}')" for j in range(5)],
        "vars": {"item": f"'<Item id={i} name=widget-{i}>'", "count": str(i * 3),
                 "options": "{'retry': True, 'timeout': 30}"},
    } for i in range(20)]
    return {
        "platform": "python", "level": "error", "logger": "app.views",
        "timestamp": time.time(), "server_name": "web-1", "release": "app@1.4.2",
        "environment": "production",
        "exception": {"values": [{
            "type": f"ValueError{fingerprint}",
            "value": f"invalid literal for int() with base 10: 'x{fingerprint}'",
            "module": "builtins", "mechanism": {"type": "django", "handled": False},
            "stacktrace": {"frames": frames}}]},
        "breadcrumbs": {"values": [{"timestamp": time.time() - 30 + i, "category": "query",
                                    "message": f"SELECT * FROM items WHERE id = {i}",  # noqa: S608
                                    "level": "info", "data": {"duration_ms": i}}
                                   for i in range(30)]},
        "request": {"url": "https://app.example.com/items/42", "method": "POST",
                    # The SDK blanks Cookie without send_default_pii, but the key stays: the
                    # server's scrubber then walks the event instead of taking its fast path.
                    "headers": {"User-Agent": "Mozilla/5.0", "Accept": "application/json",
                                "Content-Type": "application/json", "Cookie": ""},
                    "query_string": "page=2&sort=name", "data": {"name": "widget", "qty": 3}},
        "user": {"id": "4711", "email": "user@example.com"},
        "tags": {"browser": "Firefox 130", "os": "Linux", "customer": "acme"},
        "contexts": {"runtime": {"name": "CPython", "version": "3.11.7"},
                     "os": {"name": "Linux", "version": "6.1"},
                     "trace": {"trace_id": uuid.uuid4().hex, "span_id": uuid.uuid4().hex[:16]}},
        "sdk": {"name": "sentry.python.django", "version": "2.75.0"},
    }


def envelope_bodies(count: int, fingerprints: int) -> list[bytes]:
    bodies = []
    for n in range(count):
        event_id = uuid.uuid4().hex
        payload = json.dumps({"event_id": event_id, **realistic_event(n % fingerprints)}).encode()
        header = json.dumps({"type": "event", "length": len(payload)}).encode()
        envelope = (json.dumps({"event_id": event_id}).encode() + b"\n" + header + b"\n"
                    + payload + b"\n")
        bodies.append(gzip.compress(envelope, 6))
    return bodies


def sender(port: int, path: str, key: str, bodies: list[bytes], connections: int,
           results: "multiprocessing.Queue") -> None:
    """One load process: `connections` keep-alive HTTP/1.1 connections sharing `bodies`, driven
    by one asyncio loop with prebuilt request bytes, so the generator spends little CPU of the
    cores it shares with the server, and its own scheduling adds little to the latencies."""
    import asyncio

    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Encoding: gzip\r\nContent-Type: application/x-sentry-envelope\r\n"
            f"X-Sentry-Auth: Sentry sentry_key={key}, sentry_version=7\r\n")
    requests = [head.encode() + b"Content-Length: %d\r\n\r\n" % len(body) + body
                for body in bodies]
    latencies: list[float] = []
    statuses: list[int] = []
    pending = iter(requests)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for request in pending:
            start = time.perf_counter()
            try:
                writer.write(request)
                header = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in header.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                status = int(header.split(b" ", 2)[1])
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
                    IndexError):
                status = 0
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            latencies.append(time.perf_counter() - start)
            statuses.append(status)
        writer.close()

    async def main() -> None:
        await asyncio.gather(*(connection() for _ in range(connections)))

    try:
        asyncio.run(main())
    finally:  # whatever happened, report (unsent events count as not accepted)
        statuses.extend([0] * (len(requests) - len(statuses)))
        results.put((latencies, statuses))


def sdk_sender(dsn: str, count: int, fingerprints: int, clients: int,
               results: "multiprocessing.Queue") -> None:
    """One load process using the real sentry-sdk: `clients` SDK clients (one transport thread
    and keep-alive connection each) capture `count` events between them. Each client's queue
    holds every event, so none is dropped on the client side."""
    import sentry_sdk
    from sentry_sdk.transport import HttpTransport

    latencies, statuses = [], []

    class TimedTransport(HttpTransport):
        """The SDK's own transport, timing each request it makes."""

        def _request(self, *args, **kwargs):
            start = time.perf_counter()
            response = super()._request(*args, **kwargs)
            latencies.append(time.perf_counter() - start)
            statuses.append(response.status)
            return response

    sdk_clients = [sentry_sdk.Client(
        dsn=dsn, transport=TimedTransport, transport_queue_size=count + 100,
        default_integrations=False, auto_enabling_integrations=False, send_client_reports=False)
        for _ in range(clients)]
    events = [realistic_event(n % fingerprints) for n in range(count)]
    for n, event in enumerate(events):
        sdk_clients[n % clients].capture_event(event, scope=sentry_sdk.Scope())
    for client in sdk_clients:
        client.flush(timeout=300)
        client.close()
    results.put((latencies, statuses))


def send_all(port: int, path: str, key: str, bodies: list[bytes], processes: int,
             concurrency: int, sdk_dsn: str | None = None,
             fingerprints: int = 50) -> tuple[list[float], list[int]]:
    """Send `bodies` (raw mode) or as many events through the real sentry-sdk (`sdk_dsn` set)
    from `processes` processes, `concurrency` connections in all."""
    results: multiprocessing.Queue = multiprocessing.Queue()
    threads = max(1, concurrency // processes)
    if sdk_dsn:
        senders = [multiprocessing.Process(target=sdk_sender, args=(
            sdk_dsn, len(bodies[i::processes]), fingerprints, threads, results))
            for i in range(processes)]
    else:
        senders = [multiprocessing.Process(target=sender, args=(
            port, path, key, bodies[i::processes], threads, results))
            for i in range(processes)]
    for s in senders:
        s.start()
    latencies, statuses = [], []
    for _ in senders:
        lat, st = results.get()
        latencies += lat
        statuses += st
    for s in senders:
        s.join()
    return latencies, statuses


def stored_events(project_id: int) -> int:
    from errortrack.models import Event

    return Event.objects.filter(project_id=project_id).count()


def wait_until_stored(project_id: int, count: int, timeout: float) -> int:
    deadline = time.perf_counter() + timeout
    while stored_events(project_id) < count and time.perf_counter() < deadline:
        time.sleep(0.05)
    return stored_events(project_id)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--fingerprints", type=int, default=50)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--mode", choices=["raw", "sdk"], default="raw",
                        help="raw: prebuilt gzip envelopes; sdk: the real sentry-sdk builds and "
                             "sends each event (more client CPU on the shared cores)")
    parser.add_argument("--warmup", type=int, default=500,
                        help="events sent first and left out of the figures (connections, "
                             "pools and caches are opened lazily)")
    args = parser.parse_args()

    scale_out = bool(os.environ.get("REDIS_URL"))
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    if not scale_out:
        env["ERRORTRACK_DATA_DIR"] = tempfile.mkdtemp(prefix="errortrack-bench-")
    os.environ.update(env)
    boot = subprocess.run([sys.executable, "manage.py", "bootstrap", "--org", "bench",
                           "--project", "ingest", "--json"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    info = json.loads(boot.stdout.strip().splitlines()[-1])
    key, project_id = info["dsn"].split("//")[1].split("@")[0], int(info["dsn"].rsplit("/", 1)[1])

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errortrack.settings")
    django.setup()
    from errortrack.models import InboxItem

    print(f"building {args.warmup} + {args.events} envelopes ...", flush=True)
    if args.mode == "raw":
        warmup_bodies = envelope_bodies(args.warmup, args.fingerprints)
        bodies = envelope_bodies(args.events, args.fingerprints)
    else:  # the SDK builds its own; only the count matters
        warmup_bodies, bodies = [b""] * args.warmup, [b""] * args.events
    path = f"/api/{project_id}/envelope/"
    raw = sum(len(gzip.decompress(b)) for b in envelope_bodies(20, args.fingerprints)) / 20
    server, port = start_server(env, *(["--workers", str(args.web_workers)] if scale_out
                                        else []))
    try:
        time.sleep(2 if scale_out else 0.5)
        idle_rss = rss_mb(server.pid)
        sdk_dsn = (f"http://{key}@127.0.0.1:{port}/{project_id}" if args.mode == "sdk"
                   else None)
        _, warm_statuses = send_all(port, path, key, warmup_bodies, args.processes,
                                    args.concurrency, sdk_dsn, args.fingerprints)
        already = wait_until_stored(project_id, stored_events(project_id)
                                    + warm_statuses.count(200), 120)
        cpu = CpuByRole(server.pid, os.getpid())
        cpu.start()
        start = time.perf_counter()
        latencies, statuses = send_all(port, path, key, bodies, args.processes, args.concurrency,
                                       sdk_dsn, args.fingerprints)
        ack_seconds = time.perf_counter() - start
        peak_rss = rss_mb(server.pid)
        accepted = statuses.count(200)
        stored = wait_until_stored(project_id, already + accepted, 300) - already
        e2e_seconds = time.perf_counter() - start
        cpu_used = cpu.stop()
    finally:
        server.terminate()
        server.wait(30)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    mode = (f"scale-out, {args.web_workers} web workers + 1 Celery worker" if scale_out
            else "embedded")
    print(f"errortrack ingest bench ({mode}; {args.mode} client; "
          f"{os.cpu_count()} cores shared with the generator)")
    print(f"  events sent        {len(statuses)} ({raw / 1024:.1f} KB JSON each, "
          f"{'gzip' if args.mode == 'raw' else 'as the SDK compresses it'}), "
          f"{args.fingerprints} fingerprints, concurrency {args.concurrency}, "
          f"after {args.warmup} warm-up events")
    print(f"  accepted/rejected  {accepted} / {len(statuses) - accepted}"
          f"  (statuses: {sorted(set(statuses))})")
    print(f"  ack rate           {accepted / ack_seconds:8.0f} events/s")
    print(f"  ack latency        p50 {pct(0.5):.1f} ms  p95 {pct(0.95):.1f} ms  "
          f"p99 {pct(0.99):.1f} ms  (mean {statistics.mean(latencies) * 1000:.1f})")
    print(f"  stored end-to-end  {stored} in {e2e_seconds:.1f}s = "
          f"{stored / e2e_seconds:.0f} events/s"
          f"  (inbox left: {InboxItem.objects.filter(project_id=project_id).count()})")
    per_event = {role: seconds * 1000 / max(1, accepted) for role, seconds in cpu_used.items()}
    own = sum(v for role, v in per_event.items() if role not in ("postgres", "redis", "generator"))
    print(f"  server CPU         {own:.2f} ms per event (errortrack's processes), "
          f"{own + per_event.get('postgres', 0) + per_event.get('redis', 0):.2f} ms "
          "with PostgreSQL and Redis")
    print("  CPU by role        " + ", ".join(f"{role} {ms:.2f}" for role, ms in
                                             sorted(per_event.items(), key=lambda kv: -kv[1]))
          + " ms per event")
    print(f"  server RSS         {idle_rss:.0f} MB idle, {peak_rss:.0f} MB after the load")
    all_accepted = accepted == len(statuses) and warm_statuses.count(200) == len(warm_statuses)
    return 0 if all_accepted and stored == accepted else 1


if __name__ == "__main__":
    sys.exit(main())
