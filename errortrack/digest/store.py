"""Store a batch of prepared events: issues, events, counters and time buckets.

Runs inside the caller's transaction, which also deletes the batch's inbox rows. Everything is
aggregated per batch: one statement per table (issues aside), not one per event or per tag.
On PostgreSQL the batch's issues are locked (in id order) before their counters change, so
several workers can digest concurrently and still count exactly.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from errortrack.digest.grouping import Grouping
from errortrack.digest.sql import add_to_counter, quoted_column, stored_field, upsert
from errortrack.fields import EncodedJSON
from errortrack.models import (
    Activity,
    Environment,
    Event,
    InboxItem,
    Issue,
    IssueHourBucket,
    IssueTagValue,
    IssueUser,
    IssueUserHour,
    Project,
    ProjectMinuteBucket,
    Release,
)
from errortrack.signals import Facts


@dataclass(slots=True)
class PreparedEvent:
    """One inbox item, normalized, scrubbed and grouped: everything but the writes."""

    inbox_id: int
    project_id: int
    event: dict
    document: bytes  # the event's JSON, as stored
    grouping: Grouping
    timestamp: datetime
    received_at: datetime
    user_hash: str | None
    kind: str = Issue.Kind.ERROR  # monitors (health.incidents) store uptime and cron failures

    @property
    def event_id(self) -> str:
        return self.event["event_id"]

    @property
    def group_key(self) -> tuple[int, str]:
        return self.project_id, self.grouping.hash


def user_hash(user_tag: str | None) -> str | None:
    if not user_tag:
        return None
    return hashlib.md5(user_tag.encode(), usedforsecurity=False).hexdigest()


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def without_duplicates(batch: list[PreparedEvent]) -> list[PreparedEvent]:
    """Drop events stored before (an SDK retry, or an earlier attempt) and repeats in the batch."""
    stored = set(Event.objects.filter(
        project_id__in={p.project_id for p in batch}, event_id__in={p.event_id for p in batch},
    ).values_list("project_id", "event_id"))
    fresh = []
    for prepared in batch:
        key = (prepared.project_id, prepared.event_id)
        if key not in stored:
            stored.add(key)
            fresh.append(prepared)
    return fresh


# --- issues ------------------------------------------------------------------------------------

def create_missing_issues(groups: dict[tuple[int, str], list[PreparedEvent]],
                          existing: dict[tuple[int, str], Issue]) -> dict[tuple[int, str], int]:
    """Insert the issues that don't exist yet; return the short id each was given.

    A concurrent worker may win the race for a key: its row is kept, and ours is not inserted
    (`created_here` tells them apart by short id, which the project counter never hands out
    twice)."""
    missing = sorted(key for key in groups if key not in existing)
    per_project = Counter(project_id for project_id, _ in missing)
    next_short_id = {project_id: add_to_counter(Project, project_id, "issue_counter", count)
                     - count for project_id, count in per_project.items()}
    rows = []
    for project_id, grouping_hash in missing:
        first = min(groups[(project_id, grouping_hash)], key=lambda p: p.timestamp)
        next_short_id[project_id] += 1
        rows.append(Issue(
            project_id=project_id, short_id=next_short_id[project_id],
            kind=first.kind, grouping_hash=grouping_hash,
            grouping_version=first.grouping.version,
            first_seen=first.timestamp, last_seen=first.timestamp,
            first_release=first.event.get("release") or "", **issue_fields(first)))
    Issue.objects.bulk_create(rows, ignore_conflicts=True)
    return {(row.project_id, row.grouping_hash): row.short_id for row in rows}


def created_here(short_ids: dict[tuple[int, str], int],
                 issue_of: dict[tuple[int, str], Issue]) -> list[tuple[int, str]]:
    """The keys whose stored issue is the one `create_missing_issues` inserted, not a
    concurrent worker's: only those are new (counted, alerted on) for this batch."""
    return [key for key, short_id in short_ids.items()
            if key in issue_of and issue_of[key].short_id == short_id]


def issue_fields(prepared: PreparedEvent) -> dict:
    """What an issue shows of its latest event."""
    event = prepared.event
    return {"title": event["title"][:255], "culprit": event.get("culprit", "")[:200],
            "level": event["level"], "platform": event["platform"],
            "event_type": event["type"], "metadata": event.get("metadata") or {}}


def lock_issues(keys: Collection[tuple[int, str]], kinds: Collection[str] = (Issue.Kind.ERROR,),
                ) -> dict[tuple[int, str], Issue]:
    """The issues of `keys` (of `kinds`) that exist, locked (PostgreSQL) in id order; a merged
    issue's key maps to the issue it was merged into."""
    issues = Issue.objects.select_for_update().filter(
        kind__in=kinds, project_id__in={project_id for project_id, _ in keys},
        grouping_hash__in={grouping_hash for _, grouping_hash in keys}).order_by("id")
    found = {key: issue for issue in issues
             if (key := (issue.project_id, issue.grouping_hash)) in keys}
    parent_ids = {issue.merged_into_id for issue in found.values() if issue.merged_into_id}
    if parent_ids:
        parents = {issue.pk: issue for issue in
                   Issue.objects.select_for_update().filter(pk__in=parent_ids).order_by("id")}
        found = {key: parents.get(issue.merged_into_id, issue) if issue.merged_into_id
                 else issue for key, issue in found.items()}
        for key, issue in list(found.items()):  # one object per issue, so counts add up
            found[key] = parents.get(issue.pk, issue)
    return found


def release_first_seen(batch: list[PreparedEvent]) -> dict[tuple[int, str], datetime]:
    versions = {p.event["release"] for p in batch if p.event.get("release")}
    if not versions:
        return {}
    return {(project_id, version): first_seen for project_id, version, first_seen
            in Release.objects.filter(project_id__in={p.project_id for p in batch},
                                      version__in=versions)
            .values_list("project_id", "version", "first_seen")}


def regresses(issue: Issue, events: list[PreparedEvent],
              releases: dict[tuple[int, str], datetime]) -> bool:
    """A resolved issue reopens on a new event, unless it was resolved "in the next release"
    and every new event comes from a release first seen before that resolution."""
    if issue.status != Issue.Status.RESOLVED:
        return False
    if not issue.resolved_in_next_release or issue.resolved_at is None:
        return True
    for prepared in events:
        first_seen = releases.get((prepared.project_id, prepared.event.get("release") or ""))
        if first_seen is None or first_seen > issue.resolved_at:
            return True
    return False


def ignore_expired(issue: Issue, moment: datetime) -> bool:
    return (issue.status == Issue.Status.IGNORED and issue.ignore_until is not None
            and moment >= issue.ignore_until)


def update_issue(issue: Issue, events: list[PreparedEvent], new_users: int, created: bool,
                 releases: dict[tuple[int, str], datetime], facts: Facts) -> None:
    latest = max(events, key=lambda p: p.timestamp)
    if latest.timestamp >= issue.last_seen or created:
        for name, value in issue_fields(latest).items():
            setattr(issue, name, value)
        issue.last_seen = latest.timestamp
        if latest.event.get("release"):
            issue.last_release = latest.event["release"]
    issue.first_seen = min(issue.first_seen, min(p.timestamp for p in events))
    issue.times_seen += len(events)
    issue.user_count += new_users
    if not created and ignore_expired(issue, latest.timestamp):
        issue.status = Issue.Status.UNRESOLVED
        issue.ignore_until = None
        Activity.objects.create(issue=issue, kind=Activity.Kind.SET_UNRESOLVED,
                                data={"reason": "ignore_expired", "event_id": latest.event_id})
    if not created and regresses(issue, events, releases):
        issue.status = Issue.Status.UNRESOLVED
        issue.is_regressed = True
        issue.resolved_at = None
        issue.resolved_in_next_release = False
        facts.regressed_issues.append(issue.pk)
        Activity.objects.create(issue=issue, kind=Activity.Kind.SET_REGRESSION,
                                data={"event_id": latest.event_id,
                                      "release": latest.event.get("release") or None})


ISSUE_UPDATE_FIELDS = ["title", "culprit", "level", "platform", "event_type", "metadata",
                       "last_seen", "first_seen", "last_release", "times_seen", "user_count",
                       "status", "is_regressed", "resolved_at", "resolved_in_next_release",
                       "ignore_until"]


def save_issues(issues: list[Issue]) -> None:
    """One UPDATE statement, executed for every issue of the batch (Django's bulk_update builds
    a CASE expression per field and row, which cost more than the rest of the batch)."""
    fields = [stored_field(Issue, name) for name in ISSUE_UPDATE_FIELDS]
    assignments = ", ".join(f"{quoted_column(Issue, f.name)} = %s" for f in fields)
    table = connection.ops.quote_name(Issue._meta.db_table)
    rows = [[f.get_db_prep_save(getattr(issue, f.attname), connection) for f in fields]
            + [issue.pk] for issue in issues]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)  # noqa: S608


# --- counters and buckets -----------------------------------------------------------------------

def count_new_users(batch: list[PreparedEvent], issue_of: dict) -> Counter:
    """Record each (issue, user) and (issue, hour, user); return new users per issue and count
    new users per (issue, hour) into the hour buckets' rows."""
    seen: dict[tuple[int, str], datetime] = {}
    for prepared in batch:
        if prepared.user_hash:
            key = (issue_of[prepared.group_key].pk, prepared.user_hash)
            seen[key] = min(seen.get(key, prepared.timestamp), prepared.timestamp)
    inserted = upsert(IssueUser, ["issue", "user_hash", "first_seen"],
                      [(issue_id, user, first) for (issue_id, user), first in seen.items()],
                      returning=["issue"])
    return Counter(issue_id for (issue_id,) in inserted)


def count_new_hourly_users(batch: list[PreparedEvent], issue_of: dict) -> Counter:
    by_hour: dict[datetime, set[tuple[int, str]]] = defaultdict(set)
    for prepared in batch:
        if prepared.user_hash:
            by_hour[hour_of(prepared.timestamp)].add(
                (issue_of[prepared.group_key].pk, prepared.user_hash))
    new_users: Counter = Counter()
    for hour, pairs in by_hour.items():
        inserted = upsert(IssueUserHour, ["issue", "hour", "user_hash"],
                          [(issue_id, hour, user) for issue_id, user in pairs],
                          returning=["issue"])
        new_users.update((issue_id, hour) for (issue_id,) in inserted)
    return new_users


def write_buckets(batch: list[PreparedEvent], issue_of: dict, hourly_users: Counter) -> None:
    hours: Counter = Counter()
    minutes: Counter = Counter()
    tags: dict[tuple[int, str, str], list] = {}
    for prepared in batch:
        issue_id = issue_of[prepared.group_key].pk
        event = prepared.event
        hours[(issue_id, hour_of(prepared.timestamp))] += 1
        minutes[(prepared.project_id, minute_of(prepared.timestamp), event.get("release", ""),
                 event.get("environment", ""))] += 1
        for key, value in event.get("tags") or []:
            slot = (issue_id, key[:32], value[:200])
            entry = tags.get(slot)
            if entry is None:
                tags[slot] = [1, prepared.timestamp, prepared.timestamp]
            else:
                entry[0] += 1
                entry[1] = max(entry[1], prepared.timestamp)
                entry[2] = min(entry[2], prepared.timestamp)
    upsert(IssueHourBucket, ["issue", "hour"],
           [(issue_id, hour, n, hourly_users.get((issue_id, hour), 0))
            for (issue_id, hour), n in hours.items()], add=["events", "users"])
    upsert(ProjectMinuteBucket, ["project", "minute", "release", "environment"],
           [(*slot, n) for slot, n in minutes.items()], add=["events"])
    upsert(IssueTagValue, ["issue", "key", "value"],
           [(*slot, n, last, first) for slot, (n, last, first) in tags.items()],
           add=["times_seen"], greatest=["last_seen"], least=["first_seen"])


def write_releases_and_environments(batch: list[PreparedEvent]) -> None:
    releases: dict[tuple[int, str], list[datetime]] = {}
    environments: dict[tuple[int, str], datetime] = {}
    for prepared in batch:
        release, environment = prepared.event.get("release"), prepared.event.get("environment")
        if release:
            span = releases.setdefault((prepared.project_id, release),
                                       [prepared.timestamp, prepared.timestamp])
            span[0], span[1] = max(span[0], prepared.timestamp), min(span[1], prepared.timestamp)
        if environment:
            key = (prepared.project_id, environment)
            environments[key] = min(environments.get(key, prepared.timestamp),
                                    prepared.timestamp)
    upsert(Release, ["project", "version"],
           [(*key, last, first) for key, (last, first) in releases.items()],
           greatest=["last_seen"], least=["first_seen"])
    upsert(Environment, ["project", "name", "first_seen"],
           [(*key, first) for key, first in environments.items()])


# --- the batch ----------------------------------------------------------------------------------

def store_batch(batch: list[PreparedEvent]) -> Facts:
    """Store `batch` and delete its inbox rows, in the caller's transaction."""
    facts = Facts()
    inbox_ids = [prepared.inbox_id for prepared in batch]
    batch = without_duplicates(batch)
    if batch:
        groups: dict[tuple[int, str], list[PreparedEvent]] = defaultdict(list)
        for prepared in batch:
            groups[prepared.group_key].append(prepared)
        releases = release_first_seen(batch)
        kinds = {prepared.kind for prepared in batch}
        existing = lock_issues(groups, kinds)
        short_ids = create_missing_issues(groups, existing)
        issue_of = {**existing, **lock_issues(list(short_ids), kinds)} if short_ids else existing
        facts.new_issues = [issue_of[key].pk for key in created_here(short_ids, issue_of)]
        new_users = count_new_users(batch, issue_of)
        hourly_users = count_new_hourly_users(batch, issue_of)
        by_issue: dict[int, list[PreparedEvent]] = defaultdict(list)  # merged keys share one
        for key, events in groups.items():
            by_issue[issue_of[key].pk].extend(events)
        issues = {issue.pk: issue for issue in issue_of.values()}
        for pk, events in by_issue.items():
            update_issue(issues[pk], events, new_users.get(pk, 0), pk in facts.new_issues,
                         releases, facts)
            facts.events_by_issue[pk] = len(events)
        save_issues(list(issues.values()))
        insert_events(batch, issue_of)
        write_buckets(batch, issue_of, hourly_users)
        write_releases_and_environments(batch)
        facts.event_ids = [(issue_of[p.group_key].pk, p.event_id) for p in batch]
    InboxItem.objects.filter(pk__in=inbox_ids).delete()
    return facts


EVENT_COLUMNS = ["project", "issue", "event_id", "timestamp", "received_at", "level",
                 "release", "environment", "title", "data"]


def insert_events(batch: list[PreparedEvent], issue_of: dict) -> None:
    """One INSERT for the batch; a conflict is an event another worker stored meanwhile."""
    data_field = Event._meta.get_field("data")
    upsert(Event, EVENT_COLUMNS, [
        (p.project_id, issue_of[p.group_key].pk, p.event_id, p.timestamp, p.received_at,
         p.event["level"], p.event.get("release", ""), p.event.get("environment", ""),
         p.event["title"][:255], data_field.get_db_prep_save(EncodedJSON(p.document), connection))
        for p in batch])
