"""The digest against the database: issues, counters, buckets, regressions, idempotency,
poison items, retention and the facts it hands on."""

import threading
import uuid
from datetime import timedelta

import orjson
import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from errortrack import actions, signals
from errortrack.digest.consume import consume_batch, consume_inbox, store_halving
from errortrack.digest.retention import delete_expired
from errortrack.models import (
    Activity,
    Environment,
    Event,
    InboxItem,
    Issue,
    IssueHourBucket,
    IssueTagValue,
    ProjectMinuteBucket,
    Release,
)
from tests import factories


def error(kind: str = "KeyError", user: str | None = None, release: str = "app@1",
          **extra: object) -> dict:
    payload = {"platform": "python", "release": release, "environment": "production",
               "tags": {"customer": "acme"}, "exception": {"values": [
                   {"type": kind, "value": "'sku'", "stacktrace": {"frames": [
                       {"module": "shop.views", "function": "checkout", "in_app": True,
                        "context_line": "item = cart['sku']"}]}}]}}
    if user:
        payload["user"] = {"id": user}
    payload.update(extra)
    return payload


def enqueue(project, payload: dict | bytes, event_id: str | None = None,
            item_type: str = "event") -> InboxItem:
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return InboxItem.objects.create(project=project, item_type=item_type,
                                    event_id=event_id or uuid.uuid4().hex, headers={},
                                    payload=body, client_ip="192.0.2.1")


def digest() -> int:
    return consume_inbox(timezone.now())


@pytest.mark.django_db
def test_the_same_error_twice_is_one_issue_with_its_counters(web_project):
    at = timezone.now().replace(second=0, microsecond=0).timestamp()  # one minute, one hour
    enqueue(web_project, error(user="1", timestamp=at))
    enqueue(web_project, error(user="2", timestamp=at))
    enqueue(web_project, error(user="1", timestamp=at))
    assert digest() == 3
    [issue] = Issue.objects.all()
    assert (issue.times_seen, issue.user_count, issue.short_id) == (3, 2, 1)
    assert issue.title == "KeyError: 'sku'" and issue.culprit == "shop.views in checkout"
    assert issue.grouping_version == "v1" and issue.status == "unresolved"
    assert (issue.first_release, issue.last_release) == ("app@1", "app@1")
    assert issue.events.count() == 3 and InboxItem.objects.count() == 0
    [bucket] = IssueHourBucket.objects.filter(issue=issue)
    assert (bucket.events, bucket.users) == (3, 2)
    assert ProjectMinuteBucket.objects.get(project=web_project).events == 3
    assert IssueTagValue.objects.get(issue=issue, key="customer").times_seen == 3
    assert IssueTagValue.objects.get(issue=issue, key="user", value="id:1").times_seen == 2
    assert Release.objects.get(project=web_project).version == "app@1"
    assert Environment.objects.get(project=web_project).name == "production"


@pytest.mark.django_db
def test_counters_add_up_across_batches_and_new_issues_get_the_next_short_id(web_project):
    enqueue(web_project, error(user="1"))
    digest()
    enqueue(web_project, error(user="1"))
    enqueue(web_project, error(user="3"))
    enqueue(web_project, error(kind="TypeError"))
    digest()
    first, second = Issue.objects.order_by("short_id")
    assert (first.times_seen, first.user_count, second.short_id) == (3, 2, 2)
    assert IssueHourBucket.objects.get(issue=first).users == 2
    assert IssueTagValue.objects.get(issue=first, key="customer").times_seen == 3
    assert second.short_id_display == "WEB-2"


@pytest.mark.django_db
def test_a_stored_event_keeps_its_normalized_scrubbed_document(web_project):
    item = enqueue(web_project, error(extra={"password": "hunter2"},
                                      breadcrumbs=[{"message": "clicked"}]))
    digest()
    event = Event.objects.get(event_id=item.event_id)
    assert event.data["extra"] == {"password": "[Filtered]"}
    assert event.data["breadcrumbs"]["values"][0]["message"] == "clicked"
    assert event.data["title"] == event.title == "KeyError: 'sku'"
    assert (event.level, event.release, event.environment) == ("error", "app@1", "production")


@pytest.mark.django_db
def test_a_resolved_issue_reopens_as_a_regression(web_project, alice):
    enqueue(web_project, error())
    digest()
    issue = actions.set_issue_status(Issue.objects.get(), "resolved", alice)
    enqueue(web_project, error())
    digest()
    issue.refresh_from_db()
    assert (issue.status, issue.is_regressed, issue.times_seen) == ("unresolved", True, 2)
    assert list(Activity.objects.values_list("kind", flat=True)) == [
        "set_regression", "set_resolved"]


@pytest.mark.django_db
def test_an_ignored_issue_stays_ignored(web_project):
    enqueue(web_project, error())
    digest()
    actions.set_issue_status(Issue.objects.get(), "ignored")
    enqueue(web_project, error())
    digest()
    assert Issue.objects.get().status == "ignored"


@pytest.mark.django_db
def test_resolved_in_next_release_waits_for_a_newer_release(web_project):
    enqueue(web_project, error(release="app@1"))
    digest()
    issue = actions.set_issue_status(Issue.objects.get(), "resolved", in_next_release=True)
    enqueue(web_project, error(release="app@1"))  # the old release still runs somewhere
    digest()
    issue.refresh_from_db()
    assert (issue.status, issue.times_seen) == ("resolved", 2)
    enqueue(web_project, error(release="app@2"))
    digest()
    issue.refresh_from_db()
    assert (issue.status, issue.is_regressed, issue.last_release) == (
        "unresolved", True, "app@2")


@pytest.mark.django_db
def test_digesting_is_idempotent_by_event_id(web_project):
    event_id = uuid.uuid4().hex
    enqueue(web_project, error(), event_id=event_id)
    enqueue(web_project, error(), event_id=event_id)  # an SDK retry in the same batch
    digest()
    enqueue(web_project, error(), event_id=event_id)  # and a later one
    digest()
    assert Event.objects.count() == 1 and Issue.objects.get().times_seen == 1
    assert InboxItem.objects.count() == 0


@pytest.mark.django_db
def test_the_same_event_id_in_two_projects_is_two_events(web_project, alpha):
    other = factories.make_project(alpha, "api")
    event_id = uuid.uuid4().hex
    enqueue(web_project, error(), event_id=event_id)
    enqueue(other, error(), event_id=event_id)
    digest()
    assert Event.objects.count() == 2 and Issue.objects.count() == 2


@pytest.mark.django_db
def test_poison_items_are_quarantined_and_the_rest_is_digested(settings, web_project):
    settings.ERRORTRACK_INBOX_MAX_ATTEMPTS = 2
    enqueue(web_project, error())
    bad_json = enqueue(web_project, b'{"broken": ')
    not_object = enqueue(web_project, b"[1, 2]")
    enqueue(web_project, error(kind="TypeError"))
    assert consume_batch(timezone.now()) == (2, 2)
    assert Issue.objects.count() == 2
    consume_inbox(timezone.now())
    for item in (bad_json, not_object):
        item.refresh_from_db()
        assert item.quarantined and item.attempts == 2 and item.last_error
    enqueue(web_project, error())
    assert consume_inbox(timezone.now()) == 1  # quarantined items never block the rest


@pytest.mark.django_db
def test_halving_isolates_the_item_that_fails_its_batch(web_project):
    """A batch's store fails when one item does; halving finds that item, every other item is
    stored, and each failed attempt's writes are rolled back."""
    stored, successful_calls = [], []

    def store(batch: list[int]) -> None:
        enqueue(web_project, error())  # a write that must vanish if this call fails
        if 13 in batch:
            raise ValueError("poison")
        stored.extend(batch)
        successful_calls.append(batch)

    done, failures = store_halving(store, list(range(40)), lambda n: n)
    assert done == 39 and [(n, str(exc)) for n, exc in failures] == [(13, "poison")]
    assert sorted(stored) == [n for n in range(40) if n != 13]
    assert InboxItem.objects.count() == len(successful_calls)


@pytest.mark.django_db
def test_nul_and_lone_surrogates_are_stored(web_project):
    enqueue(web_project, b'{"message": "a\\u0000b", "extra": {"s": "\\ud800", "k\\u0000": 1},'
                         b' "tags": {"t": "x\\udfffy"}}')
    assert digest() == 1
    event = Event.objects.get()
    assert event.data["message"] == "a\ufffdb"
    assert event.data["extra"] == {"s": "\ufffd", "k\ufffd": 1}
    assert IssueTagValue.objects.get(key="t").value == "x\ufffdy"


@pytest.mark.django_db
def test_feedback_is_its_own_issue(web_project):
    feedback = {"contexts": {"feedback": {"message": "The button does nothing",
                                          "contact_email": "u@example.com"}}}
    enqueue(web_project, feedback, item_type="feedback")
    enqueue(web_project, feedback, item_type="feedback")
    digest()
    assert Issue.objects.count() == 2
    issue = Issue.objects.first()
    assert issue.title == "User Feedback" and issue.event_type == "feedback"
    assert issue.metadata["message"] == "The button does nothing"


@pytest.mark.django_db
def test_retention_deletes_old_events_and_keeps_issues_and_counters(settings, web_project):
    settings.ERRORTRACK_EVENT_RETENTION_DAYS = 30
    enqueue(web_project, error())
    enqueue(web_project, error())
    digest()
    old = Event.objects.first()
    Event.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=31))
    assert delete_expired(timezone.now()) == 1
    assert list(Event.objects.all()) != [old] and Event.objects.count() == 1
    assert Issue.objects.get().times_seen == 2
    assert IssueHourBucket.objects.get().events == 2


@pytest.mark.django_db(transaction=True)
def test_facts_are_handed_on_after_the_commit(web_project):
    received = []

    def listener(facts: signals.Facts) -> None:
        assert not connection.in_atomic_block  # after the commit
        received.append(facts)

    def broken(facts: signals.Facts) -> None:
        raise RuntimeError("a broken listener")

    signals.digest_facts.subscribe(broken)
    signals.digest_facts.subscribe(listener)
    try:
        enqueue(web_project, error())
        enqueue(web_project, error())
        digest()
        issue = Issue.objects.get()
        actions.set_issue_status(issue, "resolved")
        enqueue(web_project, error())
        digest()
    finally:
        signals.digest_facts.unsubscribe(broken)
        signals.digest_facts.unsubscribe(listener)
    first, second = received
    assert (first.new_issues, first.events_by_issue, first.stored) == ([issue.pk],
                                                                      {issue.pk: 2}, 2)
    assert (second.new_issues, second.regressed_issues) == ([], [issue.pk])


@pytest.mark.scaleout
@pytest.mark.django_db(transaction=True)
def test_two_workers_digesting_one_backlog_count_exactly(settings, web_project):
    settings.ERRORTRACK_CONSUME_BATCH_SIZE = 25
    kinds = [f"Error{n}" for n in range(8)]
    InboxItem.objects.bulk_create([
        InboxItem(project=web_project, item_type="event", event_id=uuid.uuid4().hex,
                  headers={}, payload=orjson.dumps(error(kind=kinds[n % 8], user=str(n % 5))))
        for n in range(400)])
    totals, errors, start = [], [], threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait(10)
            totals.append(consume_inbox(timezone.now()))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors and sum(totals) == 400 and all(totals)  # both took a share
    assert Event.objects.count() == 400 and InboxItem.objects.count() == 0
    issues = list(Issue.objects.all())
    assert len(issues) == 8 and all(issue.times_seen == 50 for issue in issues)
    assert sorted(issue.short_id for issue in issues) == list(range(1, 9))
    assert all(issue.user_count == len({n % 5 for n in range(400) if n % 8 == i})
               for i, issue in enumerate(sorted(issues, key=lambda x: x.title)))
    assert sum(IssueHourBucket.objects.values_list("events", flat=True)) == 400
    assert sum(IssueTagValue.objects.filter(key="customer")
               .values_list("times_seen", flat=True)) == 400
    with transaction.atomic():
        assert ProjectMinuteBucket.objects.filter(project=web_project).count() >= 1


@pytest.mark.django_db
def test_a_worker_that_loses_the_race_for_a_new_issue_does_not_call_it_new(web_project):
    """Two workers digest the same new error at once; both looked before either inserted.
    The loser's insert is ignored, and it must not report (count, alert on) the winner's issue
    as one it created."""
    from errortrack.digest.pipeline import prepare_batch
    from errortrack.digest.store import create_missing_issues, created_here, lock_issues

    def groups_of(item: InboxItem) -> dict:
        [prepared], failed = prepare_batch([item])
        assert failed == []
        return {prepared.group_key: [prepared]}

    winner = groups_of(enqueue(web_project, error()))
    loser = groups_of(enqueue(web_project, error()))
    assert winner.keys() == loser.keys()
    winner_ids = create_missing_issues(winner, {})
    loser_ids = create_missing_issues(loser, {})  # it saw no issue either
    stored = lock_issues(list(winner), [Issue.Kind.ERROR])
    assert created_here(winner_ids, stored) == list(winner)
    assert created_here(loser_ids, stored) == []
    assert Issue.objects.filter(project=web_project).count() == 1
