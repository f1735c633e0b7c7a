"""An issue's events: the one a URL names, and its neighbours in time."""

import re

from django.db.models import Q
from django.http import Http404

from errortrack.models import Event, Issue

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
