"""Serve errortrack: one command for both modes.

Embedded (no REDIS_URL): uvicorn in this process, the periodic jobs (the digest among them) in a
child process beside it.
Scale-out (REDIS_URL): the web server, a Celery worker and Celery beat as child processes
(errortrack.runtime.topology); Ctrl-C or SIGTERM stops them all. `--only NAME` runs one of
them in the foreground (what docker-compose and the tests' server fixture do).
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from errortrack.management.options import number, optional_text, text
from errortrack.runtime import topology

STOP_GRACE_SECONDS = 15


class Command(BaseCommand):
    help = "Serve errortrack (embedded: web + background jobs; scale-out: web, worker, beat)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=settings.ERRORTRACK_WEB_WORKERS,
                            help="web worker processes (scale-out mode only)")
        parser.add_argument("--only", choices=sorted(topology.PROCESSES),
                            help="scale-out: run just this process, in the foreground")

    def handle(self, *args: object, **opts: object) -> None:
        host, port, only = text(opts, "host"), number(opts, "port"), optional_text(opts, "only")
        if settings.EMBEDDED:
            if only:
                raise CommandError("--only is for scale-out mode (set REDIS_URL).")
            self._serve_embedded(host, port)
            return
        names = [only] if only else list(topology.PROCESSES)
        self._supervise(names, host, port, number(opts, "workers"))

    def _serve_embedded(self, host: str, port: int) -> None:
        import uvicorn

        from errortrack.runtime.background import BackgroundProcess

        # uvicorn re-raises SIGTERM once it has shut down; with Python's default handler that
        # would kill this process before the finally below stops the child and removes the
        # metrics directory. SystemExit unwinds instead.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        runner = BackgroundProcess()
        runner.start()
        self.stdout.write(f"errortrack (embedded) serving on http://{host}:{port}")
        try:
            uvicorn.run("errortrack.asgi:application", host=host, port=port, lifespan="off",
                        log_level=settings.LOGGING["root"]["level"].lower(), access_log=False)
        finally:
            runner.stop()

    def _supervise(self, names: list[str], host: str, port: int, workers: int) -> None:
        beat_schedule = str(settings.DATA_DIR / "celerybeat-schedule")
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        children = {}
        for name in names:
            argv = topology.command(name, host=host, port=port, workers=workers,
                                    beat_schedule=beat_schedule)
            argv = [sys.executable, "-m", *argv]
            self.stdout.write(f"starting {name}: {' '.join(argv[2:])}")
            children[name] = subprocess.Popen(argv)
        stopping = False

        def request_stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        exited = None
        while not stopping and exited is None:
            time.sleep(0.2)
            exited = next((n for n, p in children.items() if p.poll() is not None), None)
        self._stop_children(children)
        if exited is not None and not stopping:
            raise CommandError(f"{exited} exited with status {children[exited].returncode}; "
                               "stopped the others.")

    def _stop_children(self, children: dict[str, subprocess.Popen]) -> None:
        for proc in children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in children.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
