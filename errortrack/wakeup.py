"""Ask for a periodic job to run now rather than at its next interval.

Scale-out: a worker runs it (the project layer plugs in the sender, a Celery task that carries
only the job's name). Embedded: nothing to send; the background runner's doorbell and intervals
do it. A lost wake-up only delays work: the database is the truth and the job runs anyway at its
interval.
"""

from collections.abc import Callable

CONSUME_JOB = "ingest.consume"  # the name queued messages carry: never rename


def _unplugged(job_name: str) -> None:
    raise RuntimeError(f"no wake-up sender plugged in for {job_name!r}")


_send: Callable[[str], None] = _unplugged


def use_sender(send: Callable[[str], None]) -> None:
    global _send
    _send = send


def wake(job_name: str) -> None:
    _send(job_name)
