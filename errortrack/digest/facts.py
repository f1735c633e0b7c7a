"""Facts out of the digest: what a batch did, handed to listeners after its commit.

Alert rules and live updates subscribe here; the digest never imports them. A listener that
raises is logged and never undoes or blocks the digest (its batch is already committed).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from errortrack import metrics

log = logging.getLogger(__name__)


@dataclass
class Facts:
    new_issues: list[int] = field(default_factory=list)
    regressed_issues: list[int] = field(default_factory=list)
    events_by_issue: dict[int, int] = field(default_factory=dict)  # issue id → events stored
    event_ids: list[tuple[int, str]] = field(default_factory=list)  # (issue id, event id)

    @property
    def stored(self) -> int:
        return len(self.event_ids)


Listener = Callable[[Facts], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def publish(facts: Facts) -> None:
    for listener in list(_listeners):
        try:
            listener(facts)
        except Exception:
            log.exception("digest facts listener %r failed", listener)


def publish_on_commit(facts: Facts) -> None:
    """Hand `facts` to the listeners once the surrounding transaction commits (never if it
    rolls back: a retried batch reports its facts once)."""
    if facts.stored:
        transaction.on_commit(lambda: publish(facts))


def count_digest_facts(facts: Facts) -> None:
    """Digest listener: what a committed batch did."""
    metrics.issues_created.inc(len(facts.new_issues))
    metrics.issues_regressed.inc(len(facts.regressed_issues))
    metrics.events_stored.inc(facts.stored)
