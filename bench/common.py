"""Helpers the benchmarks share: a free port and what the server's processes use."""

import socket

import psutil


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_family(pid: int) -> list[psutil.Process]:
    """The server process and every process it started (web workers, Celery, beat)."""
    proc = psutil.Process(pid)
    return [proc, *proc.children(recursive=True)]


def cpu_seconds(pid: int) -> float:
    return sum(p.cpu_times().user + p.cpu_times().system for p in server_family(pid))


def rss_mb(pid: int) -> float:
    return sum(p.memory_info().rss for p in server_family(pid)) / 1e6
