"""Live updates in process: the websocket consumer with Channels' in-memory layer, fed by the
digest's facts exactly as the digest publishes them."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from errortrack.live import catch_up, publish
from errortrack.live.consumer import LiveConsumer
from errortrack.models import Issue
from tests.factories import digest_events, error_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
CATCH_UP_SLACK_SECONDS = catch_up.CATCH_UP_SLACK.total_seconds() + 0.05


def digest_and_announce(project, *payloads):
    """Digest as the consumer does; the facts go to the listeners once committed."""
    digest_events(project, *payloads)


async def connect(user, query: str) -> tuple[WebsocketCommunicator, bool, object]:
    communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), f"/ws/live/?{query}")
    communicator.scope["user"] = user
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_anonymous_and_outsiders_are_refused(alice, charlie, web_project):
    _, connected, code = await connect(AnonymousUser(), f"projects={web_project.pk}")
    assert (connected, code) == (False, 4401)
    _, connected, code = await connect(charlie, f"projects={web_project.pk}")
    assert (connected, code) == (False, 4404)
    _, connected, code = await connect(alice, "projects=abc,,-1")
    assert (connected, code) == (False, 4404)


async def test_a_new_issue_arrives_as_an_escaped_row(alice, web_project):
    communicator, connected, _ = await connect(alice, f"projects={web_project.pk}")
    assert connected
    await database_sync_to_async(digest_and_announce)(
        web_project, error_event("KeyError", "<script>alert(1)</script>"))
    update = await communicator.receive_json_from(timeout=5)
    [row] = update["rows"]
    issue = await database_sync_to_async(Issue.objects.get)()
    assert row["id"] == str(issue.pk)
    assert f'id="issue-{issue.pk}"' in row["html"]
    assert "<script>alert(1)</script>" not in row["html"]
    assert "&lt;script&gt;" in row["html"]
    assert update["counts"][0]["count"] == 1
    await communicator.disconnect()


async def test_the_stream_query_filters_new_rows(alice, web_project):
    communicator, connected, _ = await connect(
        alice, f"projects={web_project.pk}&query=level:fatal")
    assert connected
    await database_sync_to_async(digest_and_announce)(web_project, error_event("KeyError"))
    update = await communicator.receive_json_from(timeout=5)
    assert update["rows"] == []  # not what the page searched for; its counts still come
    await communicator.disconnect()


async def test_an_issue_page_hears_only_its_issue(alice, web_project):
    await database_sync_to_async(digest_events)(web_project, error_event("KeyError"),
                                                error_event("TypeError"))
    key_error = await database_sync_to_async(Issue.objects.get)(title__startswith="KeyError")
    communicator, connected, _ = await connect(
        alice, f"projects={web_project.pk}&issue={key_error.pk}")
    assert connected
    await database_sync_to_async(digest_and_announce)(web_project, error_event("TypeError"))
    assert await communicator.receive_nothing(timeout=0.5)
    await database_sync_to_async(digest_and_announce)(web_project, error_event("KeyError"),
                                                      error_event("KeyError"))
    update = await communicator.receive_json_from(timeout=5)
    assert update["rows"] == []
    assert [(c["id"], c["count"]) for c in update["counts"]] == [(str(key_error.pk), 3)]
    await communicator.disconnect()


async def test_announcements_name_new_and_changed_issues_per_project(web_project):
    await database_sync_to_async(digest_events)(web_project, error_event("KeyError"))
    issue = await database_sync_to_async(Issue.objects.get)()
    from errortrack.digest.facts import Facts

    facts = Facts(new_issues=[], events_by_issue={issue.pk: 2}, event_ids=[(issue.pk, "x")])
    assert await database_sync_to_async(publish.announcements)(facts) == {
        web_project.pk: {"new": [], "changed": [issue.pk]}}


async def test_nothing_is_sent_before_a_websocket_connected(web_project, monkeypatch):
    monkeypatch.setattr(publish, "_loop", None)
    await database_sync_to_async(digest_and_announce)(web_project, error_event("KeyError"))
    await asyncio.sleep(0.1)  # no loop to send on: dropped quietly, the digest went on
    assert await database_sync_to_async(Issue.objects.count)() == 1


async def test_a_status_change_reaches_the_pages_showing_the_issue(alice, web_project):
    from errortrack import actions

    await database_sync_to_async(digest_events)(web_project, error_event("KeyError"))
    issue = await database_sync_to_async(Issue.objects.get)()
    communicator, connected, _ = await connect(
        alice, f"projects={web_project.pk}&issue={issue.pk}")
    assert connected
    await database_sync_to_async(actions.set_issue_status)(issue, "resolved", alice)
    update = await communicator.receive_json_from(timeout=5)
    assert [(c["id"], c["status"]) for c in update["counts"]] == [(str(issue.pk), "resolved")]
    await communicator.disconnect()


# --- catching up: what a page missed before its websocket connected, or while it reconnected --

def iso(moment) -> str:
    from urllib.parse import quote

    return quote(moment.isoformat())


async def test_a_page_hears_on_connecting_what_changed_since_it_was_rendered(alice, web_project):
    from django.utils import timezone

    await database_sync_to_async(digest_events)(web_project, error_event("KeyError"))
    await asyncio.sleep(CATCH_UP_SLACK_SECONDS)
    rendered = timezone.now()
    await database_sync_to_async(digest_events)(web_project, error_event("TypeError"),
                                                error_event("KeyError"))
    communicator, connected, _ = await connect(
        alice, f"projects={web_project.pk}&since={iso(rendered)}")
    assert connected
    update = await communicator.receive_json_from(timeout=5)
    by_title = {i.title.split(":")[0]: i async for i in Issue.objects.all()}
    # The new issue comes as a row; the one seen again, which the page shows, as a count.
    assert [row["id"] for row in update["rows"]] == [str(by_title["TypeError"].pk)]
    assert sorted((c["id"], c["count"]) for c in update["counts"]) == sorted(
        [(str(by_title["TypeError"].pk), 1), (str(by_title["KeyError"].pk), 2)])
    assert timezone.datetime.fromisoformat(update["at"]) >= rendered
    assert await communicator.receive_nothing(timeout=0.3)  # once
    await communicator.disconnect()


async def test_nothing_is_replayed_from_before_since(alice, web_project):
    from django.utils import timezone

    await database_sync_to_async(digest_events)(web_project, error_event("KeyError"))
    await asyncio.sleep(CATCH_UP_SLACK_SECONDS)
    communicator, connected, _ = await connect(
        alice, f"projects={web_project.pk}&since={iso(timezone.now())}")
    assert connected and await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_a_status_change_while_away_is_caught_up_on_the_issue_page(alice, web_project):
    from django.utils import timezone

    from errortrack import actions

    await database_sync_to_async(digest_events)(web_project, error_event("KeyError"),
                                                error_event("TypeError"))
    await asyncio.sleep(CATCH_UP_SLACK_SECONDS)
    away = timezone.now()
    issues = {i.title.split(":")[0]: i async for i in Issue.objects.all()}
    for issue in issues.values():
        await database_sync_to_async(actions.set_issue_status)(issue, "resolved", alice)
    communicator, connected, _ = await connect(
        alice, f"projects={web_project.pk}&issue={issues['KeyError'].pk}&since={iso(away)}")
    assert connected
    update = await communicator.receive_json_from(timeout=5)
    assert update["rows"] == []  # an issue page gets no rows, and only its own issue
    assert [(c["id"], c["status"]) for c in update["counts"]] == [
        (str(issues["KeyError"].pk), "resolved")]
    await communicator.disconnect()


async def test_catching_up_never_crosses_tenants(alice, charlie, web_project):
    from django.utils import timezone

    rendered = timezone.now()
    beta_project = await database_sync_to_async(
        lambda: charlie.memberships.get().organization.projects.get())()
    await database_sync_to_async(digest_events)(beta_project, error_event("KeyError"))
    communicator, connected, _ = await connect(
        alice, f"projects={web_project.pk},{beta_project.pk}&since={iso(rendered)}")
    assert connected and await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


@pytest.mark.parametrize("since", ["garbage", "9" * 10_000, "2026-13-45T99:00:00Z",
                                   "2026-11-23T10:00:00", "%00", "2099-01-01T00:00:00%2B00:00"])
async def test_a_since_it_cannot_use_replays_nothing(alice, web_project, since):
    await database_sync_to_async(digest_events)(web_project, error_event("KeyError"))
    communicator, connected, _ = await connect(alice, f"projects={web_project.pk}&since={since}")
    assert connected and await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_other_projects_activity_never_hides_what_a_page_missed(alice, charlie,
                                                                      web_project):
    """Catch-up reads the newest CATCH_UP_LIMIT activity rows of the page's projects: a busy
    project elsewhere on the server must not push this one's status change out of them."""
    from django.utils import timezone

    from errortrack import actions
    from errortrack.models import Activity

    def busy_elsewhere() -> None:
        beta_project = charlie.memberships.get().organization.projects.get()
        digest_events(beta_project, error_event("KeyError"))
        beta_issue = beta_project.issues.get()
        Activity.objects.bulk_create(Activity(issue=beta_issue, kind=Activity.Kind.NOTE)
                                     for _ in range(catch_up.CATCH_UP_LIMIT + 1))

    await database_sync_to_async(digest_events)(web_project, error_event("KeyError"))
    await asyncio.sleep(CATCH_UP_SLACK_SECONDS)
    away = timezone.now()
    issue = await Issue.objects.aget(project=web_project)
    await database_sync_to_async(actions.set_issue_status)(issue, "resolved", alice)
    await database_sync_to_async(busy_elsewhere)()
    missed = await database_sync_to_async(catch_up.changed_since)([web_project.pk], away)
    assert missed == {"new": [], "changed": [issue.pk]}
