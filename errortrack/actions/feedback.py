"""User feedback: a report about an event, as Sentry's API takes one."""

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from errortrack.models import Project, UserReport

MAX_REPORT_NAME = MAX_REPORT_EMAIL = 128  # the columns' sizes
MAX_REPORT_COMMENTS = 4096  # what the envelope's user_report item keeps
EVENT_ID = re.compile(r"^[0-9a-f]{32}$")


def _event_id(value: str) -> str:
    event_id = value.replace("-", "").lower()
    if not EVENT_ID.match(event_id):
        raise ValidationError("event_id must be an event id: 32 hexadecimal digits.")
    return event_id


def _text(value: str, name: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise ValidationError(f"{name} must not be empty.")
    if len(text) > limit:
        raise ValidationError(f"{name} is at most {limit:,} characters.")
    return text


@transaction.atomic
def create_user_report(project: Project, event_id: str, name: str, email: str,
                       comments: str, now: datetime) -> UserReport:
    """A user's report about an event of `project`, received `now`. The event need not be
    stored (yet): SDKs send the report beside the event, and the report finds its issue
    through the event id once the event is digested."""
    email = _text(email, "email", MAX_REPORT_EMAIL)
    validate_email(email)
    return UserReport.objects.create(
        project=project, event_id=_event_id(event_id),
        name=_text(name, "name", MAX_REPORT_NAME), email=email,
        comments=_text(comments, "comments", MAX_REPORT_COMMENTS), received_at=now)
