"""What every grouping algorithm returns."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Grouping:
    hash: str  # 32 hex characters
    version: str
    components: tuple[str, ...]  # what went into the hash, to explain a grouping decision
