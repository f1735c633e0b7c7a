"""Where an issue of another kind than error came from (a monitor's page), as the app that
owns the kind says: apps register a link for their issue kinds in AppConfig.ready()."""

from collections.abc import Callable

from errortrack.models import Issue

LinkFor = Callable[[Issue], str]
_links: dict[str, LinkFor] = {}


def register(kind: str, link_for: LinkFor) -> None:
    _links[kind] = link_for


def source_url(issue: Issue) -> str:
    """The page of the issue's source, or "" when no app links its kind."""
    link_for = _links.get(issue.kind)
    return link_for(issue) if link_for is not None else ""
