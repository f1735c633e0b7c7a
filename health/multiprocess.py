"""Where the processes of one errortrack share their Prometheus metrics.

prometheus-client decides at import time whether values live in memory (one process) or in
files under PROMETHEUS_MULTIPROC_DIR (many processes, summed at scrape time), so the directory
must be chosen before anything imports it: `manage.py` calls `prepare_for_command` before
Django starts. `serve` (all its processes, or embedded mode with its background child) gets a
fresh directory: an empty private one, or the configured one wiped. `serve --only NAME` shares
the configured directory with the other processes and wipes nothing (docker-compose's one-shot
`migrate` service wipes it before the others start). This module imports nothing heavy.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "errortrack-metrics-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_orphans() -> None:
    """Private directories of `serve` processes that are gone (killed before cleaning up)."""
    for path in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        pid = path.name[len(PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _empty(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for entry in path.iterdir():
        if entry.is_file() and entry.suffix == ".db":
            entry.unlink(missing_ok=True)


def prepare_for_command(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] != "serve":
        return
    configured = os.environ.get(ENV)
    if configured:
        if "--only" not in argv:
            _empty(Path(configured))
        else:
            Path(configured).mkdir(parents=True, exist_ok=True)
        return
    _remove_orphans()
    private = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")
    os.environ[ENV] = private
    creator = os.getpid()  # children inherit the directory, only serve removes it

    def remove() -> None:
        if os.getpid() == creator:
            shutil.rmtree(private, ignore_errors=True)

    atexit.register(remove)

