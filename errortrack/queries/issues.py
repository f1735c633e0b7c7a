"""Issue reads: the one issue-list query (projects, query, environments, sort), per-user flags,
and event counts per time slot."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet, Sum

from errortrack.dbfunctions import EpochSeconds
from errortrack.models import Activity, Issue, IssueBookmark, IssueHourBucket, IssueSeen
from errortrack.queries import search

STATS_PERIODS = {"24h": (timedelta(hours=1), 24), "14d": (timedelta(days=1), 14)}


def matching_issues(issues: QuerySet[Issue], query: str, user: User,
                    sort: str = "date", environments: Iterable[str] = ()) -> QuerySet[Issue]:
    """`issues` (never merged ones) that the search `query` and any of `environments` select,
    sorted by `sort`. Raises search.SearchError for a query or sort it cannot read."""
    issues = issues.filter(merged_into__isnull=True)
    for environment in environments:
        if environment:
            issues = issues.filter(search.term_filter(search.Term("environment", environment),
                                                      user))
    return search.sort(search.apply(issues, query, user), sort)


def substatus(issue: Issue, now: datetime) -> str | None:
    """Sentry's substatus: regressed, new (first seen within a week), ongoing, or archived."""
    if issue.status == Issue.Status.RESOLVED:
        return None
    if issue.status == Issue.Status.IGNORED:
        return "archived_forever"
    if issue.is_regressed:
        return "regressed"
    return "new" if issue.first_seen > now - timedelta(days=7) else "ongoing"


def bookmarked_ids(issue_ids: list[int], user: User) -> set[int]:
    return set(IssueBookmark.objects.filter(issue_id__in=issue_ids, user=user.pk)
               .values_list("issue_id", flat=True))


@dataclass(frozen=True)
class UserFlags:
    bookmarked: set[int]
    seen: set[int]
    comments: dict[int, int]  # issue id → comments on it


def user_flags(issue_ids: list[int], user: User) -> UserFlags:
    """What `user` marked of these issues, and their comment counts: three queries."""
    seen = set(IssueSeen.objects.filter(issue_id__in=issue_ids, user=user.pk)
               .values_list("issue_id", flat=True))
    comments = dict(Activity.objects.filter(issue_id__in=issue_ids, kind=Activity.Kind.NOTE)
                    .order_by().values("issue_id").annotate(n=Count("id"))
                    .values_list("issue_id", "n"))
    return UserFlags(bookmarked_ids(issue_ids, user), seen, comments)


def slot_counts(issue_ids: list[int], period: str, now: datetime) -> dict[int, list]:
    """Sentry's `[[slot start (Unix seconds), events], …]` per issue, summed per slot by the
    database from the hourly buckets (daily slots are UTC days)."""
    step, points = STATS_PERIODS[period]
    size = int(step.total_seconds())
    last = int(now.timestamp()) // size
    first = last - points + 1
    rows = (IssueHourBucket.objects
            .filter(issue_id__in=issue_ids,
                    hour__gte=datetime.fromtimestamp(first * size, UTC))
            .annotate(slot=EpochSeconds("hour") / size).order_by()
            .values_list("issue_id", "slot").annotate(events=Sum("events")))
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    for issue_id, slot, events in rows:
        counts[issue_id][slot] = events
    slots = range(first, last + 1)
    return {issue_id: [[slot * size, by_slot.get(slot, 0)] for slot in slots]
            for issue_id, by_slot in ((i, counts.get(i, {})) for i in issue_ids)}
