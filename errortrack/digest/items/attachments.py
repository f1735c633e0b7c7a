"""Attachments: stored as sent, beside the event they belong to."""

from datetime import datetime

from errortrack.compat.json import text_field
from errortrack.models import EventAttachment, InboxItem


def store_attachment(item: InboxItem, now: datetime) -> None:
    headers = item.headers.get("item", {})
    EventAttachment.objects.create(
        project_id=item.project_id, event_id=item.event_id,
        filename=text_field(headers.get("filename"), 255) or "attachment",
        content_type=text_field(headers.get("content_type"), 100),
        attachment_type=text_field(headers.get("attachment_type"), 64) or "event.attachment",
        data=bytes(item.payload), size=len(item.payload))
