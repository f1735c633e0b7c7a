"""Rate limits on ingest, answered in Sentry's `X-Sentry-Rate-Limits` format.

Two limits apply to error events: the DSN key's own (set per key; 0 is none) and the project's
(ERRORTRACK_PROJECT_RATE_LIMIT per ERRORTRACK_PROJECT_RATE_LIMIT_WINDOW_SECONDS). Counters are
fixed windows in the `limits` library: in process memory in embedded mode, in Redis in scale-out
so every web process counts together. Items are counted and dropped before anything is stored, so
a limit never touches an event that was already acknowledged.
"""

import time
from collections.abc import Sequence
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


def _retry_after(limiter: strategies.FixedWindowRateLimiter, window_key: str) -> int:
    reset = limiter.storage.get_expiry(window_key)
    return min(MAX_RETRY_AFTER_SECONDS, max(1, round(reset - time.time())))


def grant(demands: Sequence[tuple[KeyInfo, int]]) -> list[tuple[int, Limited | None]]:
    """Count many requests' error events against their limits: one counter increment per limit
    for the whole list (the inbox batcher passes a batch of requests), not one per event.

    `demands` is (key, number of error events) per request. Returns, per request, how many of
    its events may be stored (the first ones) and, if fewer than all, the Limited to answer.
    Within a window, requests earlier in the list are served first. Refused events still count
    (as with `limits`' own hit()), so a counter can over-count but never lets more through.
    """
    limiter = _limiter()
    slots: dict[str, tuple[str, RateLimitItemPerSecond]] = {}
    wanted: dict[str, int] = {}
    per_request = []
    for key, count in demands:
        found = [] if count <= 0 else _limits_for(key)
        keys_here = []
        for scope, identifier, item in found:
            window_key = item.key_for("errortrack", scope, identifier)
            slots[window_key] = (scope, item)
            wanted[window_key] = wanted.get(window_key, 0) + count
            keys_here.append(window_key)
        per_request.append(keys_here)
    left = {}
    for window_key, count in wanted.items():
        item = slots[window_key][1]
        after = limiter.storage.incr(window_key, item.get_expiry(), amount=count)
        left[window_key] = max(0, min(count, item.amount - (after - count)))
    granted: list[tuple[int, Limited | None]] = []
    for (_, count), keys_here in zip(demands, per_request, strict=True):
        allowed = min([count, *(left[k] for k in keys_here)])
        for window_key in keys_here:
            left[window_key] -= allowed
        refusal = None
        if allowed < count:
            tightest = min(keys_here, key=lambda k: left[k])
            refusal = Limited(_retry_after(limiter, tightest), "error", slots[tightest][0])
        granted.append((allowed, refusal))
    return granted


def rate_limits_header(limited: list[Limited]) -> str:
    """`60:error:key, 30:error:project`: the longest back-off per (categories, scope)."""
    longest: dict[tuple[str, str], int] = {}
    for entry in limited:
        slot = (entry.categories, entry.scope)
        longest[slot] = max(longest.get(slot, 0), entry.retry_after)
    return ", ".join(f"{after}:{cats}:{scope}" for (cats, scope), after in longest.items())
