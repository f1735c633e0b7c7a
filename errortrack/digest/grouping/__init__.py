"""Grouping: which issue an event belongs to, by a named and versioned algorithm.

Each project records the version it groups with (Project.grouping_version) and each issue the
version that made its hash, so changing an algorithm never silently splits or merges existing
issues: a new algorithm is a new module (v2, …) with its own frozen helpers, and a project moves
to it deliberately. docs/grouping.md explains v1 with examples.
"""

from errortrack.digest.grouping import v1
from errortrack.digest.grouping.base import Grouping

ALGORITHMS = {v1.VERSION: v1.group}
CURRENT = v1.VERSION


def group(event: dict, version: str = CURRENT) -> Grouping:
    """The grouping hash of a normalized, scrubbed event under algorithm `version`."""
    return ALGORITHMS[version](event)


__all__ = ["ALGORITHMS", "CURRENT", "Grouping", "group"]
