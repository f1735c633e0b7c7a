"""The core's one event bus: what errortrack announces, after the change committed, to the apps
beside it (live updates, alerts, metrics) without importing them.

Three topics: `digest_facts` (what a digest batch did), `issue_changed` (a triage action: its
one helper errortrack.actions.announce.announce_issue_change) and `project_created`. Apps
subscribe in their AppConfig.ready(). Messages carry ids, never rows: a listener reads what it
needs (the issue may be gone). A listener that raises is logged and skipped: the change has
committed already, and the other listeners still hear of it.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from django.db import transaction

log = logging.getLogger(__name__)
Message = TypeVar("Message")


class Topic(Generic[Message]):
    """One kind of announcement and the listeners it goes to."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Callable[[Message], None]] = []

    def subscribe(self, listener: Callable[[Message], None]) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Message], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def publish_on_commit(self, message: Message) -> None:
        """Hand `message` to the listeners once the surrounding transaction commits (never if
        it rolls back, so a retried change is announced once); outside one, at once."""
        transaction.on_commit(lambda: self.deliver(message))

    def deliver(self, message: Message) -> None:
        """Every listener, in order; one that raises is logged and never stops the rest."""
        for listener in list(self._listeners):
            try:
                listener(message)
            except Exception:
                log.exception("%s listener %r failed", self.name, listener)


@dataclass
class Facts:
    """What one committed digest batch did (errortrack.digest.store fills it in)."""

    new_issues: list[int] = field(default_factory=list)
    regressed_issues: list[int] = field(default_factory=list)
    events_by_issue: dict[int, int] = field(default_factory=dict)  # issue id → events stored
    event_ids: list[tuple[int, str]] = field(default_factory=list)  # (issue id, event id)

    @property
    def stored(self) -> int:
        return len(self.event_ids)


# What a triage action did to an issue. "bookmark" and "seen" are the acting user's own state;
# "merged" is a parent that took other issues in, "merged_away" one of those (now `parent_id`).
IssueChangeKind = Literal["status", "assignee", "bookmark", "seen", "comment", "merged",
                          "merged_away", "deleted"]
PERSONAL_CHANGES: frozenset[str] = frozenset({"bookmark", "seen"})


@dataclass(frozen=True)
class IssueChange:
    issue_id: int
    project_id: int
    kind: IssueChangeKind
    user_id: int | None = None  # who changed it; None: errortrack itself (a monitor recovered)
    status: str = ""  # for "status": the new status
    parent_id: int | None = None  # for "merged_away": the issue it is part of now

    @property
    def personal(self) -> bool:
        """Only `user_id`'s own view of the issue changed (their bookmark, their seen)."""
        return self.kind in PERSONAL_CHANGES


@dataclass(frozen=True)
class ProjectCreated:
    project_id: int
    organization_id: int
    default_rules: bool = True  # False: the creator asked for no default alert rules


digest_facts: Topic[Facts] = Topic("digest facts")
issue_changed: Topic[IssueChange] = Topic("issue changed")
project_created: Topic[ProjectCreated] = Topic("project created")
