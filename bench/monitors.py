"""Monitors under load, through the real server (`manage.py serve`, embedded by default).

1. Check-ins: `--checkins` HTTP check-ins (in_progress then ok for each run, as `curl` or the SDK
   send them) over keep-alive connections, spread over `--cron-monitors` monitors. Prints
   acks/s, ack latency, the time until every run is finished in the database, and the server's
   CPU per check-in (web and digest together).
2. Uptime: `--uptime-monitors` monitors, all due at once, pointed at a local HTTP target in this
   process that answers after `--target-delay` ms. Prints how long the scheduler took to probe
   them all and the server's CPU per probe.
3. Crons evaluation: the single step `evaluate_crons(now)` in this process over all monitors,
   with none due and then with every one missed.

Usage: .venv/bin/python bench/monitors.py [--checkins N] [--uptime-monitors M]
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import ROOT, cpu_seconds, free_port, start_server


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def send_check_ins(port: int, paths: list[str], connections: int) -> list[float]:
    latencies: list[float] = []
    chunks = [paths[i::connections] for i in range(connections)]

    def run(chunk: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for path in chunk:
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 202:
                raise SystemExit(f"check-in answered {response.status}")
            latencies.append(time.perf_counter() - started)
        conn.close()

    threads = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def wait_for(count_query, expected: int, timeout: float) -> float:
    started = time.perf_counter()
    while count_query() < expected:
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"only {count_query()} of {expected} after {timeout}s")
        time.sleep(0.05)
    return time.perf_counter() - started


class SlowTarget:
    def __init__(self, delay_ms: float) -> None:
        delay = delay_ms / 1000

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def bench_check_ins(args, server, port, project, key) -> None:
    from django.utils import timezone

    from health import actions
    from health.models import CheckIn

    now = timezone.now()
    for index in range(args.cron_monitors):
        actions.create_cron_monitor(project, {"slug": f"job-{index}", "schedule": "0 * * * *"},
                                    now)
    runs = [(f"job-{i % args.cron_monitors}", uuid.uuid4()) for i in range(args.checkins // 2)]
    starts = [f"/api/{project.pk}/cron/{slug}/{key}/?status=in_progress&check_in_id={run}"
              for slug, run in runs]
    ends = [f"/api/{project.pk}/cron/{slug}/{key}/?status=ok&check_in_id={run}&duration=1.5"
            for slug, run in runs]
    cpu_before = cpu_seconds(server.pid)
    started = time.perf_counter()
    latencies = send_check_ins(port, starts, args.connections)
    latencies += send_check_ins(port, ends, args.connections)
    acked = time.perf_counter() - started
    wait_for(lambda: CheckIn.objects.filter(status="ok").count(), len(runs), 300)
    stored = time.perf_counter() - started
    cpu = cpu_seconds(server.pid) - cpu_before
    count = len(starts) + len(ends)
    print(f"check-ins: {count} ({len(runs)} runs over {args.cron_monitors} monitors)")
    print(f"  acks/s {count / acked:,.0f}; ack p50 {statistics.median(latencies) * 1000:.1f} ms, "
          f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms")
    print(f"  all runs finished in the database after {stored:.2f} s "
          f"({count / stored:,.0f} check-ins/s end to end)")
    print(f"  server CPU {cpu * 1000 / count:.2f} ms per check-in (ingest and consumption)")


def bench_uptime(args, server, project) -> None:
    from django.utils import timezone

    from health import actions
    from health.models import UptimeResult

    target = SlowTarget(args.target_delay)
    now = timezone.now()
    for index in range(args.uptime_monitors):
        actions.create_uptime_monitor(project, {
            "name": f"site {index}", "url": f"http://127.0.0.1:{target.port}/{index}",
            "interval_seconds": 3600, "timeout_seconds": 5}, now)
    cpu_before = cpu_seconds(server.pid)
    took = wait_for(lambda: UptimeResult.objects.count(), args.uptime_monitors, 300)
    cpu = cpu_seconds(server.pid) - cpu_before
    failed = UptimeResult.objects.filter(ok=False).count()
    print(f"uptime: {args.uptime_monitors} monitors due at once, target answering in "
          f"{args.target_delay:g} ms")
    print(f"  all probed in {took:.2f} s ({args.uptime_monitors / took:,.0f} probes/s), "
          f"{failed} failed; server CPU {cpu * 1000 / args.uptime_monitors:.2f} ms per probe "
          f"(includes the scheduler's wake-up of up to "
          f"{os.environ.get('ERRORTRACK_UPTIME_SCHEDULER_INTERVAL_SECONDS', '5')} s)")


def bench_evaluate(project) -> None:
    from django.utils import timezone

    from health.crons import evaluate_crons
    from health.models import CronMonitor

    monitors = CronMonitor.objects.filter(project=project).count()
    now = timezone.now()
    started = time.perf_counter()
    evaluate_crons(now)
    idle = time.perf_counter() - started
    started = time.perf_counter()
    missed = evaluate_crons(now + timedelta(hours=2))
    busy = time.perf_counter() - started
    print(f"evaluate_crons over {monitors} monitors: nothing due {idle * 1000:.1f} ms; "
          f"{missed} missed runs recorded in {busy * 1000:.0f} ms "
          f"({busy * 1000 / max(missed, 1):.2f} ms each, issue events included)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkins", type=int, default=4000)
    parser.add_argument("--cron-monitors", type=int, default=50)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--uptime-monitors", type=int, default=200)
    parser.add_argument("--target-delay", type=float, default=50.0)
    args = parser.parse_args()

    env = {**os.environ, "LOG_LEVEL": "WARNING", "ERRORTRACK_OUTBOUND_ALLOWLIST": "127.0.0.1"}
    if not os.environ.get("REDIS_URL"):
        env["ERRORTRACK_DATA_DIR"] = tempfile.mkdtemp(prefix="errortrack-bench-")
    os.environ.update(env)
    boot = subprocess.run([sys.executable, "manage.py", "bootstrap", "--org", "bench",
                           "--project", "monitors", "--json"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    info = json.loads(boot.stdout.strip().splitlines()[-1])
    key = info["dsn"].split("//")[1].split("@")[0]

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errortrack.settings")
    django.setup()
    from errortrack.models import Project

    project = Project.objects.get(slug=info["project"], organization__slug=info["org"])
    server, port = start_server(env)
    try:
        time.sleep(0.5)
        bench_check_ins(args, server, port, project, key)
        bench_uptime(args, server, project)
    finally:
        server.terminate()
        server.wait(30)
    bench_evaluate(project)


if __name__ == "__main__":
    main()
