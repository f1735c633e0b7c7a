"""Where a form may send people back to: the one check for a `next` value."""

import unicodedata

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(url: str | None, fallback: str) -> str:
    """`url` when it is a path on this site, else `fallback`: never another host or scheme,
    however the URL is spelt (`//evil`, `/\\evil`, `javascript:`, control characters that
    browsers drop)."""
    text = url or ""
    path = text.partition("?")[0]
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return fallback
    if any(unicodedata.category(char)[0] == "C" for char in text):
        return fallback
    if not url_has_allowed_host_and_scheme(text, allowed_hosts=None):
        return fallback
    return text
