"""Events: the one a URL names, its neighbours in time, the lists of an issue's or a
project's events, and the files attached to events."""

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from errortrack.models import Event, EventAttachment, Issue, Project
from errortrack.queries import search

EVENT_ID = re.compile(r"^[0-9a-f]{32}$")


def find_event(issue: Issue, event_id: str | None) -> Event | None:
    """The event a URL names: an id, `latest` (also when none is named) or `oldest`. None
    when the issue has no stored event (retention deletes events, not issues)."""
    events = Event.objects.filter(issue=issue)
    if event_id in (None, "latest"):
        return events.order_by("-timestamp", "-pk").first()
    if event_id == "oldest":
        return events.order_by("timestamp", "pk").first()
    wanted = event_id.replace("-", "").lower()
    event = events.filter(event_id=wanted).first() if EVENT_ID.match(wanted) else None
    if event is None:
        raise Http404("No such event.")
    return event


def neighbours(event: Event) -> tuple[str | None, str | None]:
    """The previous and next event of the same issue, by time (then id)."""
    if event.issue_id is None:  # not grouped (yet): no siblings
        return None, None
    same = Event.objects.filter(issue_id=event.issue_id)
    earlier = same.filter(Q(timestamp__lt=event.timestamp)
                          | Q(timestamp=event.timestamp, pk__lt=event.pk))
    later = same.filter(Q(timestamp__gt=event.timestamp)
                        | Q(timestamp=event.timestamp, pk__gt=event.pk))
    previous = earlier.order_by("-timestamp", "-pk").values_list("event_id", flat=True).first()
    following = later.order_by("timestamp", "pk").values_list("event_id", flat=True).first()
    return previous, following


# --- event lists ---------------------------------------------------------------------------------

# The keys an event list's `query` filters on: the event's own columns (tags live in its stored
# document, which the database cannot search).
EVENT_COLUMNS = {"environment": "environment", "release": "release", "level": "level",
                 "id": "event_id", "event.id": "event_id", "event_id": "event_id"}
EVENT_SORTS = {"-timestamp": ("-timestamp", "-pk"), "timestamp": ("timestamp", "pk")}


def _term(term: search.Term) -> Q:
    if term.key == "":
        return Q(title__icontains=term.value)
    column = EVENT_COLUMNS.get(term.key)
    if column is None:
        raise search.SearchError(
            f"Events can be searched by {', '.join(sorted(EVENT_COLUMNS))} and free text; "
            f"not by {term.key[:40]!r}.")
    value = term.value.replace("-", "").lower() if column == "event_id" else term.value
    return Q(**{column: value.lower() if column == "level" else value})


def filtered_events(events: QuerySet[Event], start: datetime | None, end: datetime | None,
                    environments: Iterable[str], query: str,
                    sort: str = "-timestamp") -> QuerySet[Event]:
    """`events` in the time range (by the event's own timestamp), in any of `environments`,
    matching `query` (free text in the title and the EVENT_COLUMNS keys; `!` negates), in the
    order `sort` names. Raises search.SearchError for what it cannot read."""
    if start is not None and end is not None:
        events = events.filter(timestamp__gte=start, timestamp__lte=end)
    wanted = [environment for environment in environments if environment]
    if wanted:
        events = events.filter(environment__in=wanted)
    for term in search.parse(query):
        condition = _term(term)
        events = events.exclude(condition) if term.negated else events.filter(condition)
    if sort not in EVENT_SORTS:
        raise search.SearchError(f"sort must be one of {', '.join(EVENT_SORTS)}.")
    return events.order_by(*EVENT_SORTS[sort])


def grouped_events(project: Project) -> QuerySet[Event]:
    """A project's events that the API shows: those grouped into an issue."""
    return Event.objects.filter(project=project, issue__isnull=False).select_related("issue")


# --- attachments ---------------------------------------------------------------------------------

def event_attachments(project_id: int, event_ids: QuerySet[Any] | list[str],
                      types: Iterable[str] = ()) -> QuerySet[EventAttachment]:
    """Attachments of these events, newest first, without their bytes (attachment_bytes reads
    them one attachment at a time, so a page never holds them all)."""
    attachments = EventAttachment.objects.filter(project_id=project_id,
                                                 event_id__in=event_ids).defer("data")
    wanted = [kind for kind in types if kind]
    if wanted:
        attachments = attachments.filter(attachment_type__in=wanted)
    return attachments.order_by("-received_at", "-pk")


def issue_attachments(issue: Issue, types: Iterable[str] = ()) -> QuerySet[EventAttachment]:
    """Attachments of the issue's events."""
    return event_attachments(issue.project_id,
                             Event.objects.filter(issue=issue).values("event_id"), types)


def attachment_bytes(attachment: EventAttachment) -> bytes:
    """The stored bytes of one attachment, read on their own (lists defer them)."""
    return bytes(EventAttachment.objects.filter(pk=attachment.pk)
                 .values_list("data", flat=True).get())
