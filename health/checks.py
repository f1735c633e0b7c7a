"""Readiness checks: each returns None when healthy or a short reason when not."""

from collections.abc import Callable

from django.conf import settings
from django.db import connection


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()[:200]
    return None


def check_redis() -> str | None:
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2,
                                      socket_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()[:200]
    return None


def readiness_checks() -> dict[str, Callable[[], str | None]]:
    """The components this deployment depends on (Redis only in scale-out mode)."""
    checks = {"database": check_database}
    if not settings.EMBEDDED:
        checks["redis"] = check_redis
    return checks
