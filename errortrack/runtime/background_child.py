"""Entry point of embedded mode's background process
(errortrack.runtime.background.BackgroundProcess).

Its own module, importing nothing of Django at the top: a spawned child unpickles its target
before Django is set up.
"""

import os
import signal
from typing import Any


def main(doorbell: Any, stop: Any, parent_pid: int, live_queue: Any = None) -> None:
    """Set Django up afresh, then run the periodic jobs until told to stop (or orphaned)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: serve decides
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errortrack.settings")
    import django

    django.setup()
    from errortrack.live import publish
    from errortrack.runtime.background import BackgroundRunner
    from errortrack.runtime.jobs import periodic_jobs

    if live_queue is not None:
        publish.send_to(live_queue)

    BackgroundRunner(periodic_jobs(), doorbell).run(stop, parent_pid)
