"""What errortrack's core announces to the apps beside it (alerts, live updates) without
importing them. Sent after the change has committed."""

from django.dispatch import Signal

# An issue's status changed through errortrack.actions: sender=Issue, issue=, status=, user=.
issue_status_changed = Signal()
