"""Merging issues: the children's events, counters and buckets move into one parent.

The children stay as rows pointing at their parent (`merged_into`), so new events with their
fingerprints land in the parent (errortrack.digest.store.lock_issues follows the pointer).
Runs inside the caller's transaction (errortrack.actions.merge_issues).
"""

from django.db.models import Count, Max, Min, Sum

from errortrack.digest.sql import upsert
from errortrack.models import (
    Event,
    Issue,
    IssueHourBucket,
    IssueTagValue,
    IssueUser,
    IssueUserHour,
)


def _move_counters(children: list[int], parent: Issue) -> None:
    upsert(IssueTagValue, ["issue", "key", "value"], [
        (parent.pk, key, value, n, last, first) for key, value, n, last, first in
        IssueTagValue.objects.filter(issue_id__in=children).values("key", "value").annotate(
            n=Sum("times_seen"), last=Max("last_seen"), first=Min("first_seen"))
        .values_list("key", "value", "n", "last", "first")],
        add=["times_seen"], greatest=["last_seen"], least=["first_seen"])
    upsert(IssueHourBucket, ["issue", "hour"], [
        (parent.pk, hour, n, 0) for hour, n in
        IssueHourBucket.objects.filter(issue_id__in=children).values("hour")
        .annotate(n=Sum("events")).values_list("hour", "n")], add=["events", "users"])
    upsert(IssueUser, ["issue", "user_hash", "first_seen"], [
        (parent.pk, user_hash, first) for user_hash, first in
        IssueUser.objects.filter(issue_id__in=children).values_list("user_hash", "first_seen")])
    upsert(IssueUserHour, ["issue", "hour", "user_hash"], [
        (parent.pk, hour, user_hash) for hour, user_hash in
        IssueUserHour.objects.filter(issue_id__in=children).values_list("hour", "user_hash")])
    for model in (IssueTagValue, IssueHourBucket, IssueUser, IssueUserHour):
        model.objects.filter(issue_id__in=children).delete()


def _recount(parent: Issue) -> None:
    """Distinct users (all time and per hour) from the merged user rows."""
    parent.user_count = IssueUser.objects.filter(issue=parent).count()
    per_hour = dict(IssueUserHour.objects.filter(issue=parent).values("hour")
                    .annotate(n=Count("id")).values_list("hour", "n"))
    for bucket in IssueHourBucket.objects.filter(issue=parent):
        if bucket.users != per_hour.get(bucket.hour, 0):
            bucket.users = per_hour.get(bucket.hour, 0)
            bucket.save(update_fields=["users"])


def merge_into(parent: Issue, children: list[Issue]) -> None:
    child_ids = [child.pk for child in children]
    Event.objects.filter(issue_id__in=child_ids).update(issue=parent)
    _move_counters(child_ids, parent)
    for child in children:
        parent.times_seen += child.times_seen
        parent.first_seen = min(parent.first_seen, child.first_seen)
        if child.last_seen > parent.last_seen:
            parent.last_seen = child.last_seen
            parent.last_release = child.last_release or parent.last_release
    _recount(parent)
    parent.save(update_fields=["times_seen", "first_seen", "last_seen", "last_release",
                               "user_count"])
    Issue.objects.filter(merged_into_id__in=child_ids).update(merged_into=parent)
    Issue.objects.filter(pk__in=child_ids).update(merged_into=parent, times_seen=0,
                                                  user_count=0)
