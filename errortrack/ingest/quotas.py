"""Rate limits on ingest, answered in Sentry's `X-Sentry-Rate-Limits` format.

Two limits apply to error events: the DSN key's own (set per key; 0 is none) and the project's
(ERRORTRACK_PROJECT_RATE_LIMIT per ERRORTRACK_PROJECT_RATE_LIMIT_WINDOW_SECONDS). Counters are
fixed windows in the `limits` library: in process memory in embedded mode, in Redis in scale-out
so every web process counts together. Items are counted and dropped before anything is stored, so
a limit never touches an event that was already acknowledged.
"""

import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from limits import RateLimitItemPerSecond, storage, strategies

from errortrack.ingest.keys import KeyInfo

MAX_RETRY_AFTER_SECONDS = 300  # Relay never tells an SDK to back off longer


@dataclass(frozen=True, slots=True)
class Limited:
    retry_after: int
    categories: str
    scope: str  # "key" or "project", as Sentry names quota scopes

    def header_entry(self) -> str:
        return f"{self.retry_after}:{self.categories}:{self.scope}"


@cache
def _limiter() -> strategies.FixedWindowRateLimiter:
    url = "memory://" if settings.EMBEDDED else settings.REDIS_URL
    return strategies.FixedWindowRateLimiter(storage.storage_from_string(url))


def _limits_for(key: KeyInfo) -> list[tuple[str, str, RateLimitItemPerSecond]]:
    found = []
    if key.rate_limit_count:
        found.append(("key", key.public_key,
                      RateLimitItemPerSecond(key.rate_limit_count, key.rate_limit_window_seconds)))
    if settings.ERRORTRACK_PROJECT_RATE_LIMIT:
        found.append(("project", str(key.project_id),
                      RateLimitItemPerSecond(settings.ERRORTRACK_PROJECT_RATE_LIMIT,
                                             settings.ERRORTRACK_PROJECT_RATE_LIMIT_WINDOW_SECONDS)))
    return found


def take_event(key: KeyInfo) -> Limited | None:
    """Count one error event against its limits; a Limited when it must be dropped."""
    limiter = _limiter()
    for scope, identifier, item in _limits_for(key):
        if not limiter.hit(item, "errortrack", scope, identifier):
            reset = limiter.get_window_stats(item, "errortrack", scope, identifier).reset_time
            retry_after = min(MAX_RETRY_AFTER_SECONDS, max(1, round(reset - time.time())))
            return Limited(retry_after, "error", scope)
    return None


def rate_limits_header(limited: list[Limited]) -> str:
    """`60:error:key, 30:error:project`: the longest back-off per (categories, scope)."""
    longest: dict[tuple[str, str], int] = {}
    for entry in limited:
        slot = (entry.categories, entry.scope)
        longest[slot] = max(longest.get(slot, 0), entry.retry_after)
    return ", ".join(f"{after}:{cats}:{scope}" for (cats, scope), after in longest.items())
