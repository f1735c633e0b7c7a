"""The shape every notifier has, and HTTP delivery with Sentry-like failure classes.

A NotifyError says whether a failure is permanent (the channel is misconfigured: mark it
failing, do not retry) or transient (retry later, honouring Retry-After when given).
"""

import re

import orjson
from django.core.exceptions import ValidationError

from errortrack import outbound

CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def one_line(text: object) -> str:
    """`text` on one line without control characters: an email subject or a PagerDuty summary
    must not carry a newline (header injection, a second line nobody expects)."""
    return " ".join(CONTROL.sub(" ", str(text)).split())


class NotifyError(Exception):
    def __init__(self, message: str, permanent: bool = False, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent, self.status, self.retry_after = permanent, status, retry_after


class Notifier:
    """Subclasses validate their channel's config and send one delivery; `send` returns the
    response status (or None) or raises NotifyError."""

    def __init__(self, config: dict) -> None:
        self.config = config

    @classmethod
    def clean_config(cls, config: dict) -> dict:
        raise NotImplementedError

    def send(self, action: str, message: dict, recipients: list[str]) -> int | None:
        raise NotImplementedError


def retry_after_seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def post_json(url: str, payload: object, headers: dict[str, str] | None = None,
              body: bytes | None = None) -> int:
    """POST JSON; 2xx is success, 429 and 5xx and network errors are transient, any other
    answer is permanent, and so is a URL outbound.py refuses."""
    data = body if body is not None else orjson.dumps(payload)
    try:
        response = outbound.post(url, data, {"Content-Type": "application/json",
                                             **(headers or {})})
    except outbound.OutboundRefused as exc:
        raise NotifyError(str(exc), permanent=True) from exc
    except OSError as exc:
        raise NotifyError(f"network error: {exc}"[:500]) from exc
    if 200 <= response.status < 300:
        return response.status
    text = response.body[:300].decode(errors="replace")
    if response.status == 429 or response.status >= 500:
        raise NotifyError(f"HTTP {response.status}: {text}", status=response.status,
                          retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    raise NotifyError(f"HTTP {response.status}: {text}", permanent=True, status=response.status)


def require_url(config: dict, key: str = "url") -> str:
    url = config.get(key)
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValidationError(f"{key} must be an http(s) URL.")
    return url
