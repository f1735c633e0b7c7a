"""Helpers the benchmarks share: the server they measure, what its processes use, and the
event documents they store."""

import http.client
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent

# Local services whose CPU counts as the server's too (they share the machine's cores).
SERVICE_NAMES = {"postgres": "postgres", "redis-server": "redis"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict, *options: str) -> tuple[subprocess.Popen, int]:
    """`manage.py serve` with `options` on a free port, once it answers /health/live."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(port),
                               *options], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(300):
        if server.poll() is not None:
            sys.exit("the server exited while starting")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health/live")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    sys.exit("the server did not start")


def server_family(pid: int) -> list[psutil.Process]:
    """The server process and every process it started (web workers, Celery, beat)."""
    proc = psutil.Process(pid)
    return [proc, *proc.children(recursive=True)]


def cpu_seconds(pid: int) -> float:
    return sum(p.cpu_times().user + p.cpu_times().system for p in server_family(pid))


def rss_mb(pid: int) -> float:
    return sum(p.memory_info().rss for p in server_family(pid)) / 1e6


def _role(proc: psutil.Process, server_pid: int, generator_pid: int) -> str | None:
    """web, worker, beat or serve for the server's processes; postgres/redis for services;
    generator for the load generator's own processes."""
    name = proc.name()
    if name in SERVICE_NAMES:
        return SERVICE_NAMES[name]
    family = [proc, *proc.parents()]
    if all(p.pid != server_pid for p in family):
        return "generator" if any(p.pid == generator_pid for p in family) else None
    for member in family:  # the nearest ancestor that says what it is
        cmdline = " ".join(member.cmdline())
        for role in ("uvicorn", "worker", "beat"):
            if role in cmdline:
                return "web" if role == "uvicorn" else role
        if member.pid == server_pid:
            return "web" if "uvicorn" in cmdline else "serve"
    return "serve"


class CpuByRole:
    """CPU seconds used between start() and stop(), per role, sampled so that processes that
    come and go in between are counted too."""

    def __init__(self, server_pid: int, generator_pid: int, interval: float = 0.25) -> None:
        self.server_pid, self.generator_pid, self.interval = server_pid, generator_pid, interval
        self._started = False
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._roles: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for proc in psutil.process_iter():
            try:
                if proc.pid not in self._roles:
                    role = _role(proc, self.server_pid, self.generator_pid)
                    if role is None:
                        continue
                    self._roles[proc.pid] = role
                times = proc.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            used = times.user + times.system
            # A process born after start() is counted from zero.
            self._first.setdefault(proc.pid, used if not self._started else 0.0)
            self._last[proc.pid] = used

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> None:
        self._sample()
        self._started = True
        self._thread.start()

    def stop(self) -> Counter:
        self._stop.set()
        self._thread.join()
        self._sample()
        totals: Counter = Counter()
        for pid, last in self._last.items():
            totals[self._roles[pid]] += last - self._first[pid]
        return totals


def stored_error_document(kind: str, value: str, **fields: object) -> dict:
    """An event document as the digest stores it (normalized and derived by its own code): a
    Python `kind` error with six in-app frames and five breadcrumbs, plus `fields` (level,
    release, environment, user, tags). Django must be set up."""
    from datetime import UTC, datetime

    from errortrack.digest.derive import derive
    from errortrack.digest.normalize import Received, normalize
    payload = {
        "platform": "python", **fields,
        "breadcrumbs": {"values": [{"category": "http", "message": f"GET /cart/{i}",
                                    "timestamp": 1.7e9 + i} for i in range(5)]},
        "exception": {"values": [{"type": kind, "value": value, "stacktrace": {"frames": [
            {"module": "shop.views", "function": f"step_{i}", "lineno": 10 + i, "in_app": True,
             "context_line": f"step_{i + 1}()", "vars": {"i": str(i)}} for i in range(6)]}}]}}
    return derive(normalize(payload, Received(event_id="0" * 32,
                                              received_at=datetime.now(UTC))))
