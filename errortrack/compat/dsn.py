"""Build DSNs the way Sentry SDKs parse them.

`{scheme}://{public_key}@{host}[:{port}]{path}/{project_id}`: the SDK posts to
`{scheme}://{host}[:{port}]{path}/api/{project_id}/envelope/`, so a BASE_URL path prefix survives.
The secret part is deprecated and left out.
"""

from urllib.parse import urlsplit


def build_dsn(base_url: str, public_key: str, project_id: int) -> str:
    """Return the DSN for a key of project `project_id` served at `base_url`."""
    parts = urlsplit(base_url)
    netloc = parts.hostname or ""
    if ":" in netloc:  # IPv6 literal
        netloc = f"[{netloc}]"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{public_key}@{netloc}{path}/{project_id}"


def envelope_url(base_url: str, project_id: int) -> str:
    """The ingest URL an SDK derives from the DSN of `project_id`."""
    return f"{base_url.rstrip('/')}/api/{project_id}/envelope/"
