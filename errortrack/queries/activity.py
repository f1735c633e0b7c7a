"""An issue's activity log, newest first, as far as pages and the API show it."""

from django.db.models import QuerySet

from errortrack.models import Activity

ACTIVITY_SHOWN = 100  # the issue page's log; older entries stay in the database


def recent_activity(issue_id: int) -> QuerySet[Activity]:
    return Activity.objects.filter(issue_id=issue_id).select_related("user")[:ACTIVITY_SHOWN]
