"""How errortrack runs: the periodic jobs, their Celery tasks, the embedded background process,
the process topology and self-monitoring. The project layer: it may name every app."""
