"""The real sentry-sdk as a client of a running server: each send a fresh client, flushed and
closed, with no scope state (sessions, spans) carried over from an earlier send."""

from collections.abc import Callable
from typing import Any

import sentry_sdk


def send_with_sdk(dsn: str, action: Callable[[], object], **options: Any) -> None:
    """Run `action` (which captures something) with a client for `dsn`; flush before return."""
    sentry_sdk.init(dsn=dsn, default_integrations=False, auto_enabling_integrations=False,
                    **options)
    try:
        with sentry_sdk.isolation_scope():
            action()
        sentry_sdk.flush(timeout=10)
    finally:
        sentry_sdk.get_client().close()


def capture(message: str, level: str = "error", times: int = 1) -> Callable[[], None]:
    """An action for `send_with_sdk`: capture `message` `times` times."""
    def action() -> None:
        for _ in range(times):
            sentry_sdk.capture_message(message, level=level)  # type: ignore[arg-type]
    return action


def raise_and_capture() -> None:
    """An action for `send_with_sdk`: a real KeyError, captured with its stack."""
    try:
        {}["missing"]
    except KeyError:
        sentry_sdk.capture_exception()
