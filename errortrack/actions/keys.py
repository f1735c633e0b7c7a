"""Project keys (DSNs): create, enable, rename, rate-limit, delete."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError

from errortrack.models import (
    Project,
    ProjectKey,
)


def create_project_key(project: Project, label: str = "Default",
                       rate_limit_count: int | None = None,
                       rate_limit_window_seconds: int = 60) -> ProjectKey:
    if rate_limit_count is None:
        rate_limit_count = settings.ERRORTRACK_DEFAULT_KEY_RATE_LIMIT
    _check_rate_limit(rate_limit_count, rate_limit_window_seconds)
    return ProjectKey.objects.create(project=project, label=label or "Default",
                                     rate_limit_count=rate_limit_count,
                                     rate_limit_window_seconds=rate_limit_window_seconds)


MAX_RATE_LIMIT_COUNT = 1_000_000_000  # well inside a 32-bit column on every database


def _check_rate_limit(count: int, window_seconds: int) -> None:
    if count < 0:
        raise ValidationError("Rate limit count must be 0 (unlimited) or more.")
    if count > MAX_RATE_LIMIT_COUNT:
        raise ValidationError(f"Rate limit count must be at most {MAX_RATE_LIMIT_COUNT:,}.")
    if not 1 <= window_seconds <= 86400:
        raise ValidationError("Rate limit window must be between 1 second and 1 day.")


def set_project_key_active(key: ProjectKey, active: bool) -> ProjectKey:
    """Enable or disable a DSN key; SDKs using a disabled key get 403."""
    key.is_active = active
    key.save(update_fields=["is_active"])
    return key


def rename_project_key(key: ProjectKey, label: str) -> ProjectKey:
    key.label = label.strip()[:64] or "Default"
    key.save(update_fields=["label"])
    return key


def set_project_key_rate_limit(key: ProjectKey, count: int, window_seconds: int) -> ProjectKey:
    _check_rate_limit(count, window_seconds)
    key.rate_limit_count = count
    key.rate_limit_window_seconds = window_seconds
    key.save(update_fields=["rate_limit_count", "rate_limit_window_seconds"])
    return key


def delete_project_key(key: ProjectKey) -> None:
    """Delete a DSN key; SDKs using it are refused once the ingest key cache expires
    (errortrack.ingest.keys)."""
    key.delete()


BROWSER_SDK_VERSION = re.compile(r"^(latest|\d{1,2}\.x)$")


def set_project_key_loader(key: ProjectKey, browser_sdk_version: str | None = None,
                           has_replay: bool | None = None, has_performance: bool | None = None,
                           has_debug: bool | None = None) -> ProjectKey:
    """Sentry's Loader Script settings of a key (`latest` or a major such as `8.x`); kept for
    API clients to read back, since errortrack serves no loader script."""
    if browser_sdk_version is not None:
        if not isinstance(browser_sdk_version, str) or not BROWSER_SDK_VERSION.match(
                browser_sdk_version):
            raise ValidationError("Browser SDK version is latest or a major version such as 8.x.")
        key.browser_sdk_version = browser_sdk_version
    for field, value in (("loader_has_replay", has_replay),
                         ("loader_has_performance", has_performance),
                         ("loader_has_debug", has_debug)):
        if value is not None:
            setattr(key, field, value)
    key.save(update_fields=["browser_sdk_version", "loader_has_replay",
                            "loader_has_performance", "loader_has_debug"])
    return key
