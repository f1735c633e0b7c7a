"""DSN keys for the ingest path, cached in the process so most requests need no query.

An entry lives ERRORTRACK_KEY_CACHE_SECONDS (default 30), so a deactivated key stops working
within that time in every process, with no invalidation messages to lose.
"""

import time
from dataclasses import dataclass

from django.conf import settings

from errortrack.models import ProjectKey


@dataclass(frozen=True, slots=True)
class KeyInfo:
    public_key: str
    project_id: int
    is_active: bool
    rate_limit_count: int
    rate_limit_window_seconds: int


_cache: dict[str, tuple[float, KeyInfo | None]] = {}


def load_key(public_key: str) -> KeyInfo | None:
    """Database lookup (sync); None for an unknown key."""
    row = (ProjectKey.objects.filter(public_key=public_key)
           .values_list("project_id", "is_active", "rate_limit_count",
                        "rate_limit_window_seconds").first())
    return KeyInfo(public_key, *row) if row else None


def cached_key(public_key: str) -> tuple[bool, KeyInfo | None]:
    """(hit, info) from the cache; a miss must be filled with remember()."""
    entry = _cache.get(public_key)
    if entry is not None and entry[0] > time.monotonic():
        return True, entry[1]
    return False, None


def remember(public_key: str, info: KeyInfo | None) -> None:
    if len(_cache) > 100_000:  # unknown keys are cached too; don't let junk grow without bound
        _cache.clear()
    _cache[public_key] = (time.monotonic() + settings.ERRORTRACK_KEY_CACHE_SECONDS, info)
