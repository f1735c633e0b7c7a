"""An issue's tags: the one tag distribution (top keys, each with its top values), and one
key's values; and the tag keys of many issues (an organization's, for its tags list)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from errortrack.models import Issue, IssueTagValue


@dataclass(frozen=True)
class TagDistribution:
    key: str
    total: int  # events carrying the key
    top_values: list[IssueTagValue]  # most frequent first


def tag_values(issue: Issue, key: str) -> QuerySet[IssueTagValue]:
    """Every value of one key, most frequent first."""
    return IssueTagValue.objects.filter(issue=issue, key=key).order_by("-times_seen", "value")


def tag_total(issue: Issue, key: str) -> int | None:
    """Events carrying `key`; None when no event did."""
    return IssueTagValue.objects.filter(issue=issue, key=key).aggregate(
        total=Sum("times_seen"))["total"]


def tag_distribution(issue: Issue, keys: int, values: int) -> list[TagDistribution]:
    """The `keys` most frequent keys, each with its `values` most frequent values: two queries
    however many keys."""
    totals = list(IssueTagValue.objects.filter(issue=issue).values("key")
                  .annotate(total=Sum("times_seen"))
                  .order_by("-total", "key")[:keys])
    if not totals:
        return []
    rank = Window(RowNumber(), partition_by=[F("key")],
                  order_by=[F("times_seen").desc(), F("value").asc()])
    top = (IssueTagValue.objects.filter(issue=issue, key__in=[row["key"] for row in totals])
           .annotate(rank=rank).filter(rank__lte=values).order_by("key", "rank"))
    by_key: dict[str, list[IssueTagValue]] = {row["key"]: [] for row in totals}
    for value in top:
        by_key[value.key].append(value)
    return [TagDistribution(row["key"], row["total"], by_key[row["key"]]) for row in totals]


@dataclass(frozen=True)
class TagKeySummary:
    key: str
    distinct_values: int
    times_seen: int


def tag_keys_of(issues: QuerySet[Issue], seen_since: datetime | None,
                limit: int) -> list[TagKeySummary]:
    """The tag keys on `issues` (those seen since `seen_since`, if given), most used first,
    each with how many distinct values it took."""
    values = IssueTagValue.objects.filter(issue__in=issues)
    if seen_since is not None:
        values = values.filter(last_seen__gte=seen_since)
    rows = (values.values("key")
            .annotate(distinct_values=Count("value", distinct=True), seen=Sum("times_seen"))
            .order_by("-seen", "key")[:limit])
    return [TagKeySummary(row["key"], row["distinct_values"], row["seen"]) for row in rows]
