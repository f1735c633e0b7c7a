"""Throughput and server CPU per request of the real server (uvicorn via `manage.py serve`).

Starts errortrack in embedded mode on a fresh data directory (or scale-out web with DATABASE_URL
and REDIS_URL set), then drives a few endpoints from keep-alive connections and prints, per
endpoint: requests/s, p50/p99 latency and the server's CPU milliseconds per request (the figure the
product's "ten times faster per core" goal is about). Usage:

    .venv/bin/python bench/health_throughput.py [--requests N] [--connections C]
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
from pathlib import Path

from common import cpu_seconds, start_server

ROOT = Path(__file__).resolve().parent.parent


def drive(port: int, path: str, headers: dict, count: int, connections: int) -> list[float]:
    latencies: list[float] = []
    errors: list[Exception] = []
    lock = threading.Lock()
    per_conn = count // connections

    def worker() -> None:
        mine = []
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            for _ in range(per_conn):
                start = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status}")
                mine.append(time.perf_counter() - start)
            conn.close()
        except Exception as exc:
            errors.append(exc)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="errortrack-bench-")
    env = {**os.environ, "ERRORTRACK_DATA_DIR": data_dir, "LOG_LEVEL": "WARNING"}
    boot = subprocess.run([sys.executable, "manage.py", "bootstrap", "--org", "bench",
                           "--project", "bench", "--json"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    token = json.loads(boot.stdout.strip().splitlines()[-1])["token"]
    server, port = start_server(env, *(["--only", "web", "--workers", "1"]
                                        if env.get("REDIS_URL") else []))
    try:
        mode = "scale-out web" if env.get("REDIS_URL") else "embedded"
        print(f"errortrack bench ({mode}, {args.requests} requests, "
              f"{args.connections} connections, {os.cpu_count()} cores)")
        for label, path, headers in [
            ("GET /health/live", "/health/live", {}),
            ("GET /health/ready (DB query)", "/health/ready", {}),
            ("GET /api/0/ (bearer token)", "/api/0/", {"Authorization": f"Bearer {token}"}),
        ]:
            drive(port, path, headers, 100, 1)  # warm up
            cpu_before, wall_before = cpu_seconds(server.pid), time.perf_counter()
            latencies = drive(port, path, headers, args.requests, args.connections)
            wall = time.perf_counter() - wall_before
            cpu = cpu_seconds(server.pid) - cpu_before
            latencies.sort()
            print(f"  {label:32s} {len(latencies) / wall:8.0f} req/s   "
                  f"p50 {statistics.median(latencies) * 1000:6.2f} ms   "
                  f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:6.2f} ms   "
                  f"server CPU {cpu * 1000 / len(latencies):5.2f} ms/req")
    finally:
        server.terminate()
        server.wait(15)


if __name__ == "__main__":
    main()
