"""Live updates: after each digest commit, the browsers watching a project hear which of its
issues are new and which changed (errortrack.live.consumer.LiveConsumer renders what they
show).

One Channels group per project. How an announcement reaches it depends on where the digest ran:
- scale-out: the Celery worker sends through channels-redis, which every web process reads;
- embedded: the digest runs in the background child (errortrack.runtime.background), which
  cannot reach the web process's in-memory layer. It puts the announcement on a queue; a thread
  of the web process forwards it onto the event loop the websockets live on (`forward_from`);
- a digest in the web process itself (tests) sends onto that event loop directly.
Announcements carry ids only, never event data. A page that was not connected catches up
(errortrack.live.catch_up).
"""

import asyncio
import logging
import queue
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from errortrack.digest.facts import Facts
from errortrack.models import Issue

log = logging.getLogger(__name__)
Announcements = dict[int, dict[str, list[int]]]  # project id → {"new": [...], "changed": [...]}

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
        entry["new" if issue_id in fresh else "changed"].append(issue_id)
    return result


def on_digest_facts(facts: Facts) -> None:
    """Digest-facts listener (wired in ErrortrackConfig.ready)."""
    messages = announcements(facts)
    if messages:
        dispatch(messages)


def on_issue_status_changed(sender: object, issue: Issue, status: str,
                            **kwargs: object) -> None:
    """An issue was resolved, ignored or reopened (a person, or a monitor that recovered):
    pages showing it update its status."""
    dispatch({issue.project_id: {"new": [], "changed": [issue.pk]}})


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
        await layer.group_send(group_name(project_id), {"type": "issues.changed", **message})


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
