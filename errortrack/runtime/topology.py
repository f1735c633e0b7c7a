"""The processes of scale-out mode, named once.

`manage.py serve` starts these as child processes; docker-compose.yml runs the same commands as
services (a test checks that), and the README documents them for starting by hand.
"""

PROCESSES: dict[str, list[str]] = {
    # No per-request access log: a line for every ingest request cost ~6% of web CPU (py-spy).
    "web": ["uvicorn", "errortrack.asgi:application", "--lifespan", "off", "--no-access-log"],
    "worker": ["celery", "-A", "errortrack", "worker"],
    "beat": ["celery", "-A", "errortrack", "beat"],
}


def command(name: str, host: str = "127.0.0.1", port: int = 8000, workers: int = 2,
            loglevel: str = "INFO", beat_schedule: str | None = None) -> list[str]:
    """Return the argv (program first) that runs process `name` with the given options."""
    argv = list(PROCESSES[name])
    if name == "web":
        argv += ["--host", host, "--port", str(port), "--workers", str(workers)]
    else:
        argv += ["--loglevel", loglevel]
    if name == "beat" and beat_schedule:
        argv += ["--schedule", beat_schedule]
    return argv
