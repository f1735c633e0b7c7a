"""Live updates in process: the websocket consumer with Channels' in-memory layer, fed by the
core's bus exactly as the digest and the triage actions publish on it (after their commit)."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from errortrack import actions
from errortrack.live import catch_up, publish
from errortrack.live.consumer import LiveConsumer
from errortrack.models import Activity, Issue
from errortrack.signals import Facts
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
    facts = Facts(new_issues=[], events_by_issue={issue.pk: 2}, event_ids=[(issue.pk, "x")])
    assert await database_sync_to_async(publish.announcements)(facts) == {
        web_project.pk: {"new": [], "changed": [issue.pk]}}


async def test_nothing_is_sent_before_a_websocket_connected(web_project, monkeypatch):
    monkeypatch.setattr(publish, "_loop", None)
    await database_sync_to_async(digest_and_announce)(web_project, error_event("KeyError"))
    await asyncio.sleep(0.1)  # no loop to send on: dropped quietly, the digest went on
    assert await database_sync_to_async(Issue.objects.count)() == 1


async def test_a_status_change_reaches_the_pages_showing_the_issue(alice, web_project):
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
    assert missed == {"new": [], "changed": [], "updated": [issue.pk], "merged": []}


# --- triage: every issue action reaches the open pages, as each page shows it -----------------

async def two_issues(project) -> dict[str, Issue]:
    """KeyError (two events) and TypeError (one), by title."""
    await database_sync_to_async(digest_events)(project, error_event("KeyError"),
                                                error_event("KeyError"), error_event("TypeError"))
    return {i.title.split(":")[0]: i async for i in Issue.objects.all()}


async def stream_page(user, project) -> WebsocketCommunicator:
    communicator, connected, _ = await connect(user, f"projects={project.pk}")
    assert connected
    return communicator


async def issue_page(user, issue) -> WebsocketCommunicator:
    communicator, connected, _ = await connect(user,
                                               f"projects={issue.project_id}&issue={issue.pk}")
    assert connected
    return communicator


async def heard(communicator) -> list[dict]:
    """Every update a page was sent for one change (a merge announces each issue)."""
    updates = [await communicator.receive_json_from(timeout=5)]
    while not await communicator.receive_nothing(timeout=0.3):
        updates.append(await communicator.receive_json_from(timeout=5))
    return updates


def row_html(updates: list[dict], issue: Issue) -> str:
    [html] = [row["html"] for update in updates for row in update["rowUpdates"]
              if row["id"] == str(issue.pk)]
    return html


def activity_html(updates: list[dict]) -> str:
    [detail] = [update["detail"] for update in updates if update["detail"]]
    return detail["activityHtml"]


async def test_a_status_change_redraws_the_row_and_the_issue_pages_activity(alice, web_project):
    issue = (await two_issues(web_project))["KeyError"]
    stream, page = await stream_page(alice, web_project), await issue_page(alice, issue)
    await database_sync_to_async(actions.set_issue_status)(issue, "resolved", alice)
    [update] = await heard(stream)
    assert 'class="badge status status-resolved">Resolved<' in row_html([update], issue)
    assert update["rows"] == [] and update["removed"] == []
    [update] = await heard(page)
    assert [(c["id"], c["status"]) for c in update["counts"]] == [(str(issue.pk), "resolved")]
    assert "resolved the issue" in activity_html([update])
    assert update["rowUpdates"] == []  # an issue page has no rows
    await stream.disconnect()
    await page.disconnect()


async def test_an_assignment_redraws_the_row_and_shows_on_the_issue_page(alice, bob,
                                                                         web_project):
    issue = (await two_issues(web_project))["KeyError"]
    stream, page = await stream_page(alice, web_project), await issue_page(alice, issue)
    await database_sync_to_async(actions.assign_issue)(issue, bob, alice)
    assert '<td class="issue-assignee">bob</td>' in row_html(await heard(stream), issue)
    [update] = await heard(page)
    assert update["detail"]["assignee"] == "bob"
    assert "assigned the issue to bob" in activity_html([update])
    await database_sync_to_async(actions.assign_issue)(issue, None, alice)
    assert '<span class="muted">—</span>' in row_html(await heard(stream), issue)
    [update] = await heard(page)
    assert update["detail"]["assignee"] == ""
    assert "unassigned the issue" in activity_html([update])
    await stream.disconnect()
    await page.disconnect()


async def test_a_bookmark_is_redrawn_for_its_user_only(alice, bob, web_project):
    issue = (await two_issues(web_project))["KeyError"]
    alices, bobs = await stream_page(alice, web_project), await stream_page(bob, web_project)
    page = await issue_page(alice, issue)
    await database_sync_to_async(actions.set_issue_bookmark)(issue, alice, True)
    assert 'class="issue-bookmark"' in row_html(await heard(alices), issue)
    [update] = await heard(page)
    assert update["detail"]["bookmarked"] is True
    assert await bobs.receive_nothing(timeout=0.3)  # bob's star did not change
    await database_sync_to_async(actions.set_issue_bookmark)(issue, bob, True)
    assert 'class="issue-bookmark"' in row_html(await heard(bobs), issue)
    await database_sync_to_async(actions.set_issue_bookmark)(issue, alice, False)
    assert 'class="issue-bookmark"' not in row_html(await heard(alices), issue)
    [update] = await heard(page)
    assert update["detail"]["bookmarked"] is False
    for communicator in (alices, bobs, page):
        await communicator.disconnect()


async def test_seen_reaches_only_the_users_own_pages(alice, bob, web_project):
    issue = (await two_issues(web_project))["KeyError"]
    alices, bobs = await stream_page(alice, web_project), await stream_page(bob, web_project)
    await database_sync_to_async(actions.set_issue_seen)(issue, bob, True)
    assert f'<tr id="issue-{issue.pk}"' in row_html(await heard(bobs), issue)
    assert await alices.receive_nothing(timeout=0.3)
    await alices.disconnect()
    await bobs.disconnect()


async def test_comments_added_edited_and_deleted_show_escaped_on_the_issue_page(alice, bob,
                                                                               web_project):
    issue = (await two_issues(web_project))["KeyError"]
    page, stream = await issue_page(bob, issue), await stream_page(bob, web_project)
    comment = await database_sync_to_async(actions.add_comment)(
        issue, alice, '<script>alert(1)</script> & <img src=x onerror="alert(2)">')
    html = activity_html(await heard(page))
    assert f'<li id="activity-{comment.pk}" class="activity-note"' in html
    assert "<script>" not in html and "<img" not in html
    assert ("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x "
            "onerror=&quot;alert(2)&quot;&gt;") in html
    assert [u["rowUpdates"][0]["id"] for u in await heard(stream)] == [str(issue.pk)]
    await database_sync_to_async(actions.edit_comment)(comment, "fixed in <b>2.0</b>")
    html = activity_html(await heard(page))
    assert f'id="activity-{comment.pk}"' in html and "fixed in &lt;b&gt;2.0&lt;/b&gt;" in html
    assert "alert(1)" not in html
    await database_sync_to_async(actions.delete_comment)(comment)
    html = activity_html(await heard(page))
    assert f'id="activity-{comment.pk}"' not in html and 'id="activity-log"' in html
    await page.disconnect()
    await stream.disconnect()


async def test_a_deleted_issue_leaves_the_stream_and_its_page_says_so(alice, web_project):
    issues = await two_issues(web_project)
    issue = issues["KeyError"]
    stream, page = await stream_page(alice, web_project), await issue_page(alice, issue)
    other = await issue_page(alice, issues["TypeError"])
    gone = [{"id": str(issue.pk), "reason": "deleted", "parent": None}]
    await database_sync_to_async(actions.delete_issue)(issue)
    [update] = await heard(stream)
    assert update["removed"] == gone and update["rowUpdates"] == []
    [update] = await heard(page)
    assert update["removed"] == gone
    assert await other.receive_nothing(timeout=0.3)  # another issue's page is not told
    for communicator in (stream, page, other):
        await communicator.disconnect()


async def test_merged_issues_leave_the_stream_and_their_pages_link_to_the_parent(alice,
                                                                                 web_project):
    issues = await two_issues(web_project)
    parent, child = issues["KeyError"], issues["TypeError"]
    stream, child_page = await stream_page(alice, web_project), await issue_page(alice, child)
    parent_page = await issue_page(alice, parent)
    await database_sync_to_async(actions.merge_issues)([parent, child], alice)
    updates = await heard(stream)
    assert [gone for u in updates for gone in u["removed"]] == [
        {"id": str(child.pk), "reason": "merged",
         "parent": {"id": str(parent.pk), "shortId": f"WEB-{parent.short_id}",
                    "url": f"/organizations/alpha/issues/{parent.pk}/"}}]
    assert '<td class="num issue-count">3</td>' in row_html(updates, parent)
    [update] = [u for u in await heard(child_page) if u["removed"]]
    assert update["removed"][0]["parent"]["id"] == str(parent.pk)
    assert update["detail"] is None and update["counts"] == []
    assert "merged 1 issue into this one" in activity_html(await heard(parent_page))
    for communicator in (stream, child_page, parent_page):
        await communicator.disconnect()


async def test_a_member_removed_after_connecting_hears_nothing_more(alice, bob, alpha,
                                                                    web_project):
    issue = (await two_issues(web_project))["KeyError"]
    stream, page = await stream_page(bob, web_project), await issue_page(bob, issue)
    await database_sync_to_async(lambda: actions.remove_member(alpha.members.get(user=bob)))()
    await database_sync_to_async(actions.add_comment)(issue, alice, "secret plans")
    await database_sync_to_async(actions.delete_issue)(issue)
    assert await stream.receive_nothing(timeout=0.3) and await page.receive_nothing(timeout=0.1)
    await stream.disconnect()
    await page.disconnect()


async def test_a_page_away_during_a_merge_and_a_comment_catches_up_on_both(alice, web_project):
    from django.utils import timezone

    issues = await two_issues(web_project)
    parent, child = issues["KeyError"], issues["TypeError"]
    await asyncio.sleep(CATCH_UP_SLACK_SECONDS)
    away = timezone.now()
    await database_sync_to_async(actions.merge_issues)([parent, child], alice)
    await database_sync_to_async(actions.add_comment)(parent, alice, "<i>merged</i>")
    stream, _, _ = await connect(alice, f"projects={web_project.pk}&since={iso(away)}")
    [update] = await heard(stream)
    assert [(gone["id"], gone["parent"]["id"]) for gone in update["removed"]] == [
        (str(child.pk), str(parent.pk))]
    assert [row["id"] for row in update["rowUpdates"]] == [str(parent.pk)]
    page, _, _ = await connect(
        alice, f"projects={web_project.pk}&issue={parent.pk}&since={iso(away)}")
    html = activity_html(await heard(page))
    assert "&lt;i&gt;merged&lt;/i&gt;" in html and "merged 1 issue into this one" in html
    await stream.disconnect()
    await page.disconnect()


async def test_a_failing_listener_on_the_bus_never_stops_the_pages_hearing(alice, web_project):
    from errortrack import signals

    def broken(change) -> None:
        raise RuntimeError("a broken listener")

    issue = (await two_issues(web_project))["KeyError"]
    page = await issue_page(alice, issue)
    signals.issue_changed._listeners.insert(0, broken)  # before the live listener
    try:
        await database_sync_to_async(actions.set_issue_status)(issue, "ignored", alice)
    finally:
        signals.issue_changed.unsubscribe(broken)
    [update] = await heard(page)
    assert update["counts"][0]["status"] == "ignored"
    assert await Activity.objects.filter(issue=issue, kind="set_ignored").aexists()
    await page.disconnect()
