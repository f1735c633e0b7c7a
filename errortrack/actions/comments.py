"""Comments on issues."""


from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from errortrack.actions.announce import announce_issue_change
from errortrack.models import (
    Activity,
    Issue,
)

MAX_COMMENT_LENGTH = 10_000


def _comment_text(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("A comment needs some text.")
    if len(text) > MAX_COMMENT_LENGTH:
        raise ValidationError(f"A comment is at most {MAX_COMMENT_LENGTH:,} characters.")
    return text.strip()


@transaction.atomic
def add_comment(issue: Issue, user: User, text: str) -> Activity:
    """A comment (Sentry's "note") in the issue's activity."""
    comment = Activity.objects.create(issue=issue, user=user, kind=Activity.Kind.NOTE,
                                      data={"text": _comment_text(text)})
    announce_issue_change(issue, "comment", user)
    return comment


@transaction.atomic
def edit_comment(comment: Activity, text: str) -> Activity:
    comment.data = {**comment.data, "text": _comment_text(text)}
    comment.save(update_fields=["data"])
    announce_issue_change(comment.issue, "comment", comment.user)
    return comment


@transaction.atomic
def delete_comment(comment: Activity) -> None:
    announce_issue_change(comment.issue, "comment", comment.user)
    comment.delete()
