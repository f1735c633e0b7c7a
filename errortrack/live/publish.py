"""Live updates: after each commit that changed issues (a digest batch, a triage action), the
browsers watching a project hear which of its issues changed and how
(errortrack.live.consumer.LiveConsumer renders what they show). It listens on the core's bus,
errortrack.signals (wired in ErrortrackConfig.ready).

One Channels group per project. How an announcement reaches it depends on where the change ran:
- scale-out: a Celery worker or web process sends through channels-redis, which every web
  process reads;
- embedded: the digest runs in the background child (errortrack.runtime.background), which
  cannot reach the web process's in-memory layer. It puts the announcement on a queue; a thread
  of the web process forwards it onto the event loop the websockets live on (`forward_from`);
- a change in the web process itself (a triage action; tests) goes onto that loop directly.
Announcements carry ids only, never event data. A page that was not connected catches up
(errortrack.live.catch_up).
"""

import asyncio
import logging
import queue
import threading
from typing import Any, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from errortrack.models import Issue
from errortrack.signals import Facts, IssueChange

log = logging.getLogger(__name__)


class Announcement(TypedDict, total=False):
    """What a project's pages hear (ids only); every key is optional."""

    new: list[int]  # issues the digest created or reopened: new rows
    changed: list[int]  # issues the digest added events to: new counts
    updated: list[int]  # issues a triage action changed: their row and activity again
    deleted: list[int]  # issues that are gone
    merged: list[list[int]]  # [issue, parent]: issues merged away, and where into
    user: int  # only this user's pages care (their bookmark, their seen)


Announcements = dict[int, Announcement]  # project id → its announcement

_outbox: Any = None  # embedded child: the queue to the web process
_loop: asyncio.AbstractEventLoop | None = None  # embedded web process: where websockets live


def group_name(project_id: int) -> str:
    return f"live-project-{project_id}"


def announcements(facts: Facts) -> Announcements:
    """Per project, the issues a batch created (or reopened) and those whose counts changed."""
    touched = set(facts.new_issues) | set(facts.regressed_issues) | set(facts.events_by_issue)
    if not touched:
        return {}
    fresh = set(facts.new_issues) | set(facts.regressed_issues)
    result: Announcements = {}
    for issue_id, project_id in Issue.objects.filter(pk__in=touched).values_list("pk",
                                                                                   "project_id"):
        entry = result.setdefault(project_id, {"new": [], "changed": []})
        (entry["new"] if issue_id in fresh else entry["changed"]).append(issue_id)
    return result


def on_digest_facts(facts: Facts) -> None:
    """Digest-facts listener (wired in ErrortrackConfig.ready)."""
    messages = announcements(facts)
    if messages:
        dispatch(messages)


def announcement_of(change: IssueChange) -> Announcement:
    """What pages hear of one triage action."""
    if change.kind == "deleted":
        return {"deleted": [change.issue_id]}
    if change.kind == "merged_away" and change.parent_id is not None:
        return {"merged": [[change.issue_id, change.parent_id]]}
    if change.personal and change.user_id is not None:
        return {"updated": [change.issue_id], "user": change.user_id}
    return {"updated": [change.issue_id]}


def on_issue_changed(change: IssueChange) -> None:
    """Issue-change listener: an action (a person's, or a monitor that recovered) changed an
    issue; the pages showing it update it."""
    dispatch({change.project_id: announcement_of(change)})


def dispatch(messages: Announcements) -> None:
    """To the web process's queue (embedded child), or to the groups."""
    if _outbox is not None:
        try:
            _outbox.put_nowait(messages)
        except queue.Full:
            log.warning("live updates: the web process is not reading; an update was dropped")
        return
    send(messages)


def send(messages: Announcements) -> None:
    if settings.EMBEDDED:
        loop = _loop
        if loop is None or loop.is_closed():
            return  # no websocket has connected to this process: nobody is watching
        asyncio.run_coroutine_threadsafe(_group_send_all(messages), loop)
        return
    async_to_sync(_group_send_all)(messages)


async def _group_send_all(messages: Announcements) -> None:
    layer = get_channel_layer()
    for project_id, message in messages.items():
        await layer.group_send(group_name(project_id),
                               {"type": "issues.changed", "project": project_id, **message})


def remember_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The event loop the websockets of this process run on (the consumer calls this)."""
    global _loop
    _loop = loop


def send_to(outbox: Any) -> None:
    """Embedded child: announcements go to `outbox` (a multiprocessing queue) instead."""
    global _outbox
    _outbox = outbox


def forward_from(inbox: Any) -> threading.Thread:
    """Embedded web process: forward the child's announcements (until the queue is closed)."""
    def run() -> None:
        while True:
            try:
                messages = inbox.get()
            except (EOFError, OSError, ValueError):
                return
            try:
                send(messages)
            except Exception:
                log.exception("live updates: could not forward an announcement")

    thread = threading.Thread(target=run, name="errortrack-live-forward", daemon=True)
    thread.start()
    return thread
