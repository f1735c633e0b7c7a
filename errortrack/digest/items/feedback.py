"""User reports (the older user feedback item); `feedback` items are digested as events."""

from datetime import datetime

from errortrack.compat.json import text_field
from errortrack.digest.items.payload import json_object
from errortrack.models import InboxItem, UserReport


def store_user_report(item: InboxItem, now: datetime) -> None:
    data = json_object(item)
    UserReport.objects.create(project_id=item.project_id, event_id=item.event_id,
                              name=text_field(data.get("name"), 128),
                              email=text_field(data.get("email"), 128),
                              comments=text_field(data.get("comments"), 4096))
