"""Issue reads: the one issue-list query (projects, query, environments, sort), the issues a
query names outright, the time range of a list, per-user flags, and event counts per time slot."""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet, Sum

from errortrack import access
from errortrack.dbfunctions import EpochSeconds
from errortrack.models import (
    Activity,
    Issue,
    IssueBookmark,
    IssueHourBucket,
    IssueSeen,
    Release,
)
from errortrack.queries import search

STATS_PERIODS = {"24h": (timedelta(hours=1), 24), "14d": (timedelta(days=1), 14)}
# Sentry's other sorts, read as the nearest one we keep: "recommended" and "priority" weigh
# recency most, "trends" frequency; "inbox" is the newest activity.
SORT_ALIASES = {"recommended": "date", "priority": "date", "inbox": "date", "trends": "freq"}
EVENT_ID = re.compile(r"^[0-9a-f]{32}$")


def matching_issues(issues: QuerySet[Issue], query: str, user: User,
                    sort: str = "date", environments: Iterable[str] = ()) -> QuerySet[Issue]:
    """`issues` (never merged ones) that the search `query` and any of `environments` select,
    sorted by `sort`. Raises search.SearchError for a query or sort it cannot read."""
    issues = issues.filter(merged_into__isnull=True)
    sort = SORT_ALIASES.get(sort, sort)
    for environment in environments:
        if environment:
            issues = issues.filter(search.term_filter(search.Term("environment", environment),
                                                      user))
    return search.sort(search.apply(issues, query, user), sort)


def seen_between(issues: QuerySet[Issue], start: datetime, end: datetime) -> QuerySet[Issue]:
    """The issues seen in a time range. Sentry keeps the issues with an event in the range; we
    read that from the issue's own first and last sightings (last seen at or after `start`,
    first seen at or before `end`), so an issue quiet all through the range but seen before
    and after it counts in it too."""
    return issues.filter(last_seen__gte=start, first_seen__lte=end)


def direct_hits(issues: QuerySet[Issue], query: str, short_id_lookup: bool) -> list[Issue] | None:
    """The issues a query names outright, looked up before any search as Sentry does: an event
    id (32 hex digits, dashed or not) names the issue of that event (in each project that has
    it); with `short_id_lookup` a short id (WEB-12) names that issue. None when the query names
    nothing outright (then it is a search)."""
    text = (query or "").strip()
    wanted = text.replace("-", "").lower()
    if EVENT_ID.match(wanted):
        hits = list(issues.filter(merged_into__isnull=True, events__event_id=wanted)
                    .distinct().order_by("-last_seen", "-id"))
        return hits or None
    short = access.SHORT_ID.match(text) if short_id_lookup else None
    if short is None or len(short[2]) > access.MAX_ID_DIGITS:
        return None
    found = issues.filter(project__slug__iexact=short[1], short_id=int(short[2])).first()
    if found is not None and found.merged_into_id is not None:  # merged: its parent now
        found = issues.filter(pk=found.merged_into_id).first()
    return [found] if found is not None else None


def issue_releases(issue: Issue) -> dict[str, Release]:
    """The issue's first and last release rows by version (a version may be gone from the
    releases table: retention, or a release never recorded)."""
    versions = {issue.first_release, issue.last_release} - {""}
    return {release.version: release for release in
            Release.objects.filter(project_id=issue.project_id, version__in=versions)}


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
