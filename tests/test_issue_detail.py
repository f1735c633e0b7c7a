"""The issue page: who may see and change it, every section of a realistic event, navigation
between events, the raw JSON, each action and its bad input, monitor issues, hostile event data,
and a fixed number of queries for a big event."""

import html
import json
import re
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from errortrack import actions
from errortrack.live import catch_up
from errortrack.models import Activity, Event, Issue, IssueBookmark, IssueSeen
from errortrack.views.issue_detail import page_context
from health import actions as monitor_actions
from health import crons
from tests.factories import digest_events, error_event
from tests.monitor_factories import record_check

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
NOW = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)  # when the events are digested (`at=NOW`)
# The events' time: a whole hour, 09:00 on NOW's day (recent enough not to be clamped).
BASE_TIME = int(NOW.timestamp()) // 3600 * 3600 - 3 * 3600


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def page_url(issue: Issue, org: str = "alpha") -> str:
    return f"/organizations/{org}/issues/{issue.pk}/"


def event_url(issue: Issue, event_id: str) -> str:
    return f"{page_url(issue)}events/{event_id}/"


def action_url(issue: Issue, org: str = "alpha") -> str:
    return f"{page_url(issue, org)}actions/"


def text_of(response) -> str:
    return response.content.decode()


def frame(module: str, function: str, lineno: int, in_app: bool, **extra) -> dict:
    return {"filename": module.replace(".", "/") + ".py", "module": module,
            "function": function, "lineno": lineno, "in_app": in_app,
            "pre_context": [f"line {lineno - 2}", f"line {lineno - 1}"],
            "context_line": f"crash_here_{function}()", "post_context": [f"line {lineno + 1}"],
            **extra}


def python_event(**extra) -> dict:
    """What sentry-python sends for `ValueError` raised while handling a `KeyError` in a
    Django view, with everything a real event carries."""
    return {
        "platform": "python", "level": "error", "release": "shop@1.4.2",
        "environment": "staging", "server_name": "web-3", "logger": "django.request",
        "transaction": "/checkout/", "timestamp": BASE_TIME,
        "exception": {"values": [
            {"type": "KeyError", "value": "'sku'", "module": None,
             "mechanism": {"type": "chained", "handled": True, "exception_id": 1,
                           "parent_id": 0, "source": "__context__"},
             "stacktrace": {"frames": [
                 frame("shop.cart", "lookup", 17, True, vars={"sku": "'A-1'", "cart": "{}"})]}},
            {"type": "ValueError", "value": "cart is broken",
             "mechanism": {"type": "django", "handled": False, "exception_id": 0},
             "stacktrace": {"frames": [
                 frame("django.core.handlers.base", "_get_response", 197, False,
                       vars={"request": "<WSGIRequest: GET '/checkout/'>"}),
                 frame("shop.views", "checkout", 42, True,
                       vars={"user_id": "7", "items": ["'a'", "'b'"]})]}},
        ]},
        "breadcrumbs": {"values": [
            {"timestamp": BASE_TIME - 5, "category": "query", "message": "SELECT 1",
             "level": "info", "data": {"db": "default"}},
            {"timestamp": BASE_TIME - 1, "type": "http", "category": "httplib",
             "data": {"method": "GET", "url": "https://inventory.test/sku/A-1",
                      "status_code": 500}},
        ]},
        "request": {"url": "https://shop.test/checkout/?step=2", "method": "POST",
                    "headers": {"User-Agent": "Mozilla/5.0 TestBrowser", "Accept": "*/*"},
                    "cookies": "theme=dark", "data": {"quantity": "3"}},
        "user": {"id": "7", "email": "buyer@example.com", "ip_address": "203.0.113.9"},
        "contexts": {"os": {"name": "Linux", "version": "6.8"},
                     "runtime": {"name": "CPython", "version": "3.11.9"},
                     "browser": {"name": "Firefox", "version": "128"},
                     "device": {"family": "Desktop"},
                     "trace": {"trace_id": "a" * 32, "span_id": "b" * 16, "op": "http.server"},
                     "checkout": {"step": 2, "coupon": None}},
        "tags": {"customer": "acme", "region": "eu-1"},
        "extra": {"cart_size": 3, "sys.argv": ["manage.py", "runserver"]},
        "sdk": {"name": "sentry.python.django", "version": "2.19.0",
                "integrations": ["django", "logging"]},
        "modules": {"django": "5.2", "sentry-sdk": "2.19.0"},
        **extra,
    }


@pytest.fixture
def issue(web_project) -> Issue:
    digest_events(web_project, python_event(), at=NOW)
    return Issue.objects.get()


@pytest.fixture
def three_events(web_project) -> tuple[Issue, list[Event]]:
    digest_events(web_project, *[error_event(timestamp=BASE_TIME + n * 60,
                                             tags={"customer": "acme" if n else "globex"})
                                 for n in range(3)], at=NOW)
    issue = Issue.objects.get()
    return issue, list(issue.events.order_by("timestamp"))


# --- who may see and change it -------------------------------------------------------------------

@pytest.mark.django_db
def test_the_owner_sees_the_issue_page(client, alice, issue):
    client.force_login(alice)
    response = client.get(page_url(issue))
    assert response.status_code == 200
    assert "ValueError: cart is broken" in text_of(response)
    assert f"Delete {issue.short_id_display}" in text_of(response)


@pytest.mark.django_db
def test_the_page_answers_to_the_short_id_too(client, alice, issue):
    client.force_login(alice)
    assert client.get("/organizations/alpha/issues/WEB-1/").status_code == 200


@pytest.mark.django_db
def test_a_member_sees_and_triages_but_does_not_delete(client, bob, issue):
    client.force_login(bob)
    response = client.get(page_url(issue))
    assert response.status_code == 200 and "Delete " not in text_of(response)
    assert client.post(action_url(issue), {"action": "resolve"}).status_code == 302
    assert Issue.objects.get().status == "resolved"
    assert client.post(action_url(issue), {"action": "delete"}).status_code == 403
    assert Issue.objects.filter(pk=issue.pk).exists()


@pytest.mark.django_db
def test_an_outsider_gets_404_on_every_route(client, charlie, issue):
    client.force_login(charlie)
    event_id = issue.events.get().event_id
    for org in ("alpha", "beta"):  # beta is charlie's own organization: still not his issue
        base = page_url(issue, org)
        for url in (base, f"{base}events/{event_id}/", f"{base}events/{event_id}/json/",
                    f"{base}events/latest/"):
            assert client.get(url).status_code == 404, url
        for action in ("resolve", "comment", "delete", "assign"):
            assert client.post(f"{base}actions/", {"action": action, "text": "x"}
                               ).status_code == 404
    assert Issue.objects.get().status == "unresolved" and not Activity.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, issue):
    response = client.get(page_url(issue))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_ids_that_name_nothing_are_404(client, alice, issue):
    client.force_login(alice)
    for url in (page_url(issue).replace(str(issue.pk), "abc"), "/organizations/alpha/issues/²/",
                "/organizations/alpha/issues/99999999999999999999999/",
                event_url(issue, "f" * 32), event_url(issue, "not-an-id"),
                event_url(issue, "f" * 32) + "json/"):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_viewing_the_page_marks_the_issue_seen(client, alice, issue):
    client.force_login(alice)
    client.get(page_url(issue))
    assert IssueSeen.objects.filter(issue=issue, user=alice).exists()


# --- the sections of the event -------------------------------------------------------------------

@pytest.mark.django_db
def test_the_header_shows_what_the_issue_is(client, alice, issue):
    client.force_login(alice)
    before = timezone.now()
    page = text_of(client.get(page_url(issue)))
    after = timezone.now()
    assert "WEB-1" in page and '<p class="culprit"><code>/checkout/</code></p>' in page
    assert '<dd class="issue-count">1</dd>' in page and '<dd class="issue-users">1</dd>' in page
    assert f'<time class="issue-last-seen" datetime="{iso(BASE_TIME)}">' in page
    assert "shop@1.4.2" in page and "Unresolved" in page and ">Error<" in page
    assert f'data-live-issue="{issue.pk}" data-live-projects="{issue.project_id}"' in page
    [since] = re.findall(r'data-live-since="([^"]+)"', page)
    assert before <= catch_up.parse_since(since) <= after  # read during the request


@pytest.mark.django_db
def test_the_exception_chain_shows_newest_first_with_mechanisms(client, alice, issue):
    client.force_login(alice)
    page = text_of(client.get(page_url(issue)))
    assert page.index("ValueError</span>") < page.index("KeyError</span>")
    assert "cart is broken" in page and "&#x27;sku&#x27;" in page
    assert '<span class="badge unhandled">unhandled</span>' in page
    assert '<span class="badge handled">handled</span>' in page
    assert "mechanism: django" in page and "mechanism: chained" in page


@pytest.mark.django_db
def test_frames_show_source_and_variables_in_app_ones_open(client, alice, issue):
    client.force_login(alice)
    page = text_of(client.get(page_url(issue)))
    in_app = re.search(r'<details class="frame in-app" open>\s*<summary><span class="loc">'
                       r'shop/views.py</span> in <span class="fn">checkout</span> at line 42', page)
    system = re.search(r'<details class="frame system">\s*<summary><span class="loc">'
                       r'django/core/handlers/base.py</span>', page)
    assert in_app and system
    assert '<td class="ln">40</td><td><code>line 40</code>' in page
    assert '<tr class="crash"><td class="ln">42</td><td><code>crash_here_checkout()</code>' in page
    assert '<td class="ln">43</td><td><code>line 43</code>' in page
    assert '<th scope="row">user_id</th><td class="val">7' in page
    assert "&#x27;A-1&#x27;" in page  # the chained exception's frame vars
    # Most recent call first: the crash frame before the frame that called it.
    assert page.index("shop/views.py</span>") < page.index("django/core/handlers/base.py")


@pytest.mark.django_db
def test_runs_of_system_frames_fold_into_one_line(client, alice, web_project):
    frames = [frame(f"lib.mod{n}", f"f{n}", n + 10, False) for n in range(4)]
    frames.append(frame("shop.views", "checkout", 42, True))
    digest_events(web_project, {"platform": "python", "exception": {"values": [
        {"type": "E", "value": "v", "stacktrace": {"frames": frames}}]}})
    client.force_login(alice)
    page = text_of(client.get(page_url(Issue.objects.get())))
    assert '<details class="frame-run"><summary>4 system frames</summary>' in page
    assert page.count('<details class="frame system">') == 4


@pytest.mark.django_db
def test_the_crash_frame_opens_when_no_frame_is_in_app(client, alice, web_project):
    frames = [frame(f"lib.mod{n}", f"f{n}", n + 10, False) for n in range(3)]
    digest_events(web_project, {"platform": "node", "exception": {"values": [
        {"type": "E", "value": "v", "stacktrace": {"frames": frames}}]}})
    client.force_login(alice)
    page = text_of(client.get(page_url(Issue.objects.get())))
    assert re.search(r'<details class="frame system" open>\s*<summary><span class="loc">'
                     r'lib/mod2.py', page)
    assert '<details class="frame-run"><summary>2 system frames</summary>' in page


@pytest.mark.django_db
def test_breadcrumbs_request_user_contexts_tags_extra_and_sdk(client, alice, issue):
    client.force_login(alice)
    page = text_of(client.get(page_url(issue)))
    crumbs = page[page.index("<h2>Breadcrumbs</h2>"):page.index("<h2>Request</h2>")]
    assert crumbs.index("SELECT 1") < crumbs.index("inventory.test")  # newest last
    crumb_time = datetime.fromtimestamp(BASE_TIME - 5, UTC)
    assert f'<time datetime="{crumb_time.isoformat()}"' in crumbs
    assert f">{crumb_time:%H:%M:%S}</time>" in crumbs
    assert '<th scope="row">status_code</th><td class="val">500' in crumbs
    assert "httplib <span class=\"muted\">(http)</span>" in crumbs
    request = page[page.index("<h2>Request</h2>"):]
    assert '<strong>POST</strong> <a href="https://shop.test/checkout/"' in request
    assert '<th scope="row">step</th><td class="val">2' in request  # query
    assert "Mozilla/5.0 TestBrowser" in request and '<th scope="row">theme</th>' in request
    assert "&quot;quantity&quot;: &quot;3&quot;" in request  # the body, as JSON
    assert "buyer@example.com" in page and "203.0.113.9" in page
    for title in ("Trace", "Operating System", "Runtime", "Browser", "Device", "Checkout"):
        assert f"<h3>{title}</h3>" in page, title
    assert page.index("<h3>Trace</h3>") < page.index("<h3>Operating System</h3>")
    assert "CPython" in page and "a" * 32 in page
    assert '<th scope="row">customer</th><td class="val">acme' in page
    assert '<th scope="row">cart_size</th><td class="val">3' in page
    assert "sentry.python.django" in page and "2.19.0" in page
    assert '<th scope="row">Environment</th><td class="val">staging' in page
    assert '<th scope="row">Release</th><td class="val">shop@1.4.2' in page
    assert "Packages (2)" in page


@pytest.mark.django_db
def test_a_message_event_shows_its_message(client, alice, web_project):
    digest_events(web_project, {"platform": "python", "logentry": {
        "message": "payment %s failed", "params": ["p-9"]}, "level": "warning"})
    client.force_login(alice)
    page = text_of(client.get(page_url(Issue.objects.get())))
    assert '<p class="message-text">payment p-9 failed</p>' in page
    assert "payment %s failed" in page and "Exception" not in page


@pytest.mark.django_db
def test_threads_show_when_there_is_no_exception(client, alice, web_project):
    digest_events(web_project, {"platform": "python", "message": "slow request", "threads": {
        "values": [{"id": 1, "name": "worker", "stacktrace": {"frames": [
                        frame("queue.worker", "run", 5, False)]}},
                   {"id": 2, "name": "MainThread", "current": True, "stacktrace": {"frames": [
                       frame("shop.views", "checkout", 42, True)]}}]}})
    client.force_login(alice)
    page = text_of(client.get(page_url(Issue.objects.get())))
    threads = page[page.index("<h2>Threads</h2>"):]
    assert threads.index("MainThread") < threads.index("worker")  # the current one first
    assert re.search(r'<details class="thread" open>\s*<summary>MainThread', threads)


@pytest.mark.django_db
def test_only_the_last_100_breadcrumbs_show_newest_last(client, alice, web_project):
    crumbs = [{"timestamp": BASE_TIME - 200 + n, "message": f"crumb-{n:03}"} for n in range(150)]
    digest_events(web_project, error_event(timestamp=BASE_TIME, breadcrumbs=crumbs), at=NOW)
    client.force_login(alice)
    page = text_of(client.get(page_url(Issue.objects.get())))
    assert "crumb-049" not in page and "crumb-050" in page
    assert page.index("crumb-050") < page.index("crumb-149")


@pytest.mark.django_db
def test_long_values_are_cut_for_display_and_whole_in_the_json(client, alice, web_project):
    long = "x" * 8000
    digest_events(web_project, error_event(extra={"blob": long}))
    issue = Issue.objects.get()
    client.force_login(alice)
    page = text_of(client.get(page_url(issue)))
    assert long not in page and "6976 more characters in the raw JSON" in page
    raw = client.get(f"{event_url(issue, issue.events.get().event_id)}json/")
    assert raw.json()["extra"]["blob"] == long


@pytest.mark.django_db
def test_the_tag_distribution_shows_shares(client, alice, three_events):
    issue, _ = three_events
    client.force_login(alice)
    page = text_of(client.get(page_url(issue)))
    side = page[page.index('class="card tag-distribution"'):]
    assert re.search(r'<span class="tag-value">acme</span><span class="pct">67%</span>', side)
    assert re.search(r'<span class="tag-value">globex</span><span class="pct">33%</span>', side)
    assert "?query=customer%3A%22acme%22" in side


@pytest.mark.django_db
def test_the_charts_have_a_bar_per_hour_and_per_day(client, alice, issue):
    client.force_login(alice)
    page = text_of(client.get(page_url(issue)))
    charts = page[page.index('class="card charts"'):page.index('class="card tag-distribution"')]
    assert charts.count("<rect ") == 24 + 14
    assert "<script" not in charts


@pytest.mark.django_db
def test_the_charts_count_each_hour_and_day_up_to_now(alice, three_events):
    issue, events = three_events  # at 09:00, 09:01 and 09:02 on NOW's day
    request = RequestFactory().get(page_url(issue))
    request.user = alice
    context = page_context(request, issue, events[-1], page_url(issue), NOW)
    hourly, daily = context["charts"]
    assert [bar.empty for bar in hourly.bars] == [True] * 20 + [False] + [True] * 3
    assert hourly.bars[20].label == "2026-03-04 09:00 UTC: 3 events"
    assert hourly.bars[0].label == "2026-03-03 13:00 UTC: 0 events"
    assert (hourly.start, hourly.end, hourly.total) == (
        datetime(2026, 3, 3, 13, tzinfo=UTC), datetime(2026, 3, 4, 13, tzinfo=UTC), 3)
    assert [bar.label for bar in daily.bars if not bar.empty] == ["2026-03-04: 3 events"]
    assert (daily.start, daily.end) == (datetime(2026, 2, 19, tzinfo=UTC),
                                        datetime(2026, 3, 5, tzinfo=UTC))
    assert (context["substatus"], context["live_since"]) == ("new", NOW.isoformat())
    assert page_context(request, issue, events[-1], page_url(issue),
                        NOW + timedelta(days=14))["charts"][0].total == 0


@pytest.mark.django_db
def test_an_issue_whose_events_are_gone_still_shows(client, alice, issue):
    issue.events.all().delete()
    client.force_login(alice)
    response = client.get(page_url(issue))
    assert response.status_code == 200 and "No event of this issue is stored" in text_of(response)
    assert client.get(event_url(issue, "latest") + "json/").status_code == 404


# --- navigation and the raw JSON ------------------------------------------------------------------

def pager(page: str) -> tuple[str | None, str | None]:
    older = re.search(r'rel="prev" class="older" href="[^"]*/events/([0-9a-f]{32})/"', page)
    newer = re.search(r'rel="next" class="newer" href="[^"]*/events/([0-9a-f]{32})/"', page)
    return older and older[1], newer and newer[1]


@pytest.mark.django_db
def test_older_and_newer_links_walk_the_issues_events(client, alice, three_events):
    issue, (first, second, third) = three_events
    client.force_login(alice)
    latest = text_of(client.get(page_url(issue)))
    assert third.event_id in latest and pager(latest) == (second.event_id, None)
    assert pager(text_of(client.get(event_url(issue, second.event_id)))) == (
        first.event_id, third.event_id)
    oldest = text_of(client.get(event_url(issue, "oldest")))
    assert f"Event <code>{first.event_id}</code>" in oldest
    assert pager(oldest) == (None, second.event_id)
    dashed = "-".join((second.event_id[:8], second.event_id[8:12], second.event_id[12:16],
                       second.event_id[16:20], second.event_id[20:])).upper()
    assert client.get(event_url(issue, dashed)).status_code == 200


@pytest.mark.django_db
def test_an_event_of_another_issue_is_404(client, alice, web_project, three_events):
    issue, _ = three_events
    digest_events(web_project, error_event("TypeError", "other"))
    other = Issue.objects.exclude(pk=issue.pk).get().events.get()
    client.force_login(alice)
    assert client.get(event_url(issue, other.event_id)).status_code == 404


@pytest.mark.django_db
def test_the_raw_json_is_the_stored_document(client, alice, issue):
    client.force_login(alice)
    event = issue.events.get()
    response = client.get(f"{event_url(issue, event.event_id)}json/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == "inline"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert json.loads(response.content) == event.data
    assert b'\n  "' in response.content  # indented for reading
    assert f'href="{page_url(issue)}events/{event.event_id}/json/"' in text_of(
        client.get(page_url(issue)))


# --- actions -------------------------------------------------------------------------------------

def act(client, issue: Issue, **data):
    return client.post(action_url(issue), data)


@pytest.mark.django_db
def test_status_actions_change_the_issue_and_come_back(client, alice, issue):
    client.force_login(alice)
    response = act(client, issue, action="resolve")
    assert response.status_code == 302 and response["Location"] == page_url(issue)
    assert Issue.objects.get().status == "resolved"
    act(client, issue, action="unresolve")
    assert Issue.objects.get().status == "unresolved"
    act(client, issue, action="resolve_next_release")
    resolved = Issue.objects.get()
    assert resolved.status == "resolved" and resolved.resolved_in_next_release
    page = text_of(client.get(page_url(issue)))
    assert "in the next release" in page and 'value="unresolve"' in page
    act(client, issue, action="ignore", minutes="")
    ignored = Issue.objects.get()
    assert ignored.status == "ignored" and ignored.ignore_until is None


@pytest.mark.django_db
def test_ignoring_for_some_minutes_sets_when_it_reopens(client, alice, issue):
    client.force_login(alice)
    before = timezone.now()
    act(client, issue, action="ignore", minutes="30")
    after = timezone.now()
    ignored = Issue.objects.get()
    assert ignored.status == "ignored"  # until 30 minutes after the request's clock reading
    assert before + timedelta(minutes=30) <= ignored.ignore_until <= after + timedelta(minutes=30)
    page = text_of(client.get(page_url(issue)))
    assert "ignored the issue for 30 minutes" in page and "until <time" in page


@pytest.mark.django_db
def test_assigning_to_a_person_a_team_and_nobody(client, alice, bob, alpha, issue):
    team = actions.create_team(alpha, "payments")
    client.force_login(alice)
    act(client, issue, action="assign", assignee=f"user:{bob.pk}")
    assert Issue.objects.get().assigned_user == bob
    page = text_of(client.get(page_url(issue)))
    assert f'<option value="user:{bob.pk}" selected>bob</option>' in page
    assert "assigned the issue to bob" in page
    act(client, issue, action="assign", assignee=f"team:{team.pk}")
    assigned = Issue.objects.get()
    assert assigned.assigned_team == team and assigned.assigned_user is None
    assert "assigned the issue to #payments" in text_of(client.get(page_url(issue)))
    act(client, issue, action="assign", assignee="")
    assert Issue.objects.get().assigned_team is None
    assert "unassigned the issue" in text_of(client.get(page_url(issue)))


@pytest.mark.django_db
def test_bookmarking_and_unbookmarking(client, alice, issue):
    client.force_login(alice)
    act(client, issue, action="bookmark", bookmarked="1")
    assert IssueBookmark.objects.filter(issue=issue, user=alice).exists()
    assert "★ Remove bookmark" in text_of(client.get(page_url(issue)))
    act(client, issue, action="bookmark", bookmarked="0")
    assert not IssueBookmark.objects.exists()


@pytest.mark.django_db
def test_a_comment_shows_in_the_activity_with_its_author(client, bob, issue):
    client.force_login(bob)
    response = act(client, issue, action="comment", text="Looking into it\nsecond line",
                   next=f"{page_url(issue)}#activity")
    assert response["Location"] == f"{page_url(issue)}#activity"
    page = text_of(client.get(page_url(issue)))
    assert "<strong>bob</strong> commented" in page
    assert '<div class="comment">Looking into it\nsecond line</div>' in page


@pytest.mark.django_db
def test_the_owner_deletes_the_issue(client, alice, issue):
    client.force_login(alice)
    response = act(client, issue, action="delete")
    assert response.status_code == 302
    assert response["Location"] == "/organizations/alpha/projects/web/issues/"
    assert not Issue.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message"), [
    ({"action": "explode"}, "Unknown action &#x27;explode&#x27;."),
    ({}, "Unknown action &#x27;&#x27;."),
    ({"action": "ignore", "minutes": "abc"}, "Enter the ignore duration as whole minutes."),
    ({"action": "ignore", "minutes": "0"}, "An ignore duration is 1 to 525,600 minutes"),
    ({"action": "ignore", "minutes": "9" * 30}, "Enter the ignore duration as whole minutes."),
    ({"action": "assign", "assignee": "user:abc"}, "No member &#x27;user:abc&#x27;"),
    ({"action": "assign", "assignee": "user:999999"}, "No member &#x27;user:999999&#x27;"),
    ({"action": "assign", "assignee": "team:abc"}, "No member &#x27;team:abc&#x27;"),
    ({"action": "assign", "assignee": "team:999999"}, "No team team:999999"),
    ({"action": "bookmark", "bookmarked": "maybe"}, "bookmarked must be 1 or 0."),
    ({"action": "comment", "text": "x" * 10_001}, "A comment is at most 10,000 characters."),
    ({"action": "comment", "text": "   "}, "A comment needs some text."),
])
def test_bad_input_gets_the_page_with_a_400_and_why(client, alice, issue, data, message):
    client.force_login(alice)
    response = client.post(action_url(issue), data)
    assert response.status_code == 400
    assert f'<p class="card error" role="alert">{message}' in text_of(response)
    unchanged = Issue.objects.get()
    assert unchanged.status == "unresolved" and unchanged.assigned_user_id is None
    assert not Activity.objects.exists() and not IssueBookmark.objects.exists()


@pytest.mark.django_db
def test_the_refusal_pages_forms_come_back_to_the_page_not_the_action(client, alice, issue):
    client.force_login(alice)
    page = text_of(client.post(action_url(issue), {"action": "explode",
                                                   "next": f"{page_url(issue)}#activity"}))
    assert f'name="next" value="{page_url(issue)}"' in page
    assert f'name="next" value="{action_url(issue)}' not in page


@pytest.mark.django_db
def test_a_refused_comment_is_kept_in_the_form(client, alice, issue):
    client.force_login(alice)
    text = "<b>too long</b>" + "x" * 10_000
    page = text_of(client.post(action_url(issue), {"action": "comment", "text": text}))
    assert f">{html.escape(text)}</textarea>" in page


@pytest.mark.django_db
def test_a_comment_of_exactly_the_limit_is_taken(client, alice, issue):
    client.force_login(alice)
    assert act(client, issue, action="comment", text="y" * 10_000).status_code == 302
    assert Activity.objects.get().data["text"] == "y" * 10_000


@pytest.mark.django_db
def test_nul_characters_are_refused(client, alice, issue):
    client.force_login(alice)
    assert act(client, issue, action="comment", text="a\x00b").status_code == 400
    assert act(client, issue, action="resolve\x00").status_code == 400
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_a_head_request_answers_like_get(client, alice, issue):
    client.force_login(alice)
    assert client.head(page_url(issue)).status_code == 200


@pytest.mark.django_db
def test_actions_need_a_post(client, alice, issue):
    client.force_login(alice)
    assert client.get(action_url(issue), {"action": "resolve"}).status_code == 405
    assert client.post(page_url(issue), {"action": "resolve"}).status_code == 405
    assert Issue.objects.get().status == "unresolved"


@pytest.mark.django_db
def test_actions_need_the_csrf_token(alice, issue):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(action_url(issue), {"action": "resolve"}).status_code == 403
    page = text_of(strict.get(page_url(issue)))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = strict.post(action_url(issue), {"action": "resolve", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and Issue.objects.get().status == "resolved"


@pytest.mark.django_db
@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "http:/evil.example",
    "javascript:alert(1)", "evil.example", "https://testserver.evil.example/",
])
def test_next_must_stay_on_this_site(client, alice, issue, target):
    client.force_login(alice)
    response = act(client, issue, action="bookmark", bookmarked="1", next=target)
    assert response.status_code == 302 and response["Location"] == page_url(issue)


@pytest.mark.django_db
def test_next_may_name_a_page_of_this_site(client, alice, three_events):
    issue, events = three_events
    client.force_login(alice)
    target = event_url(issue, events[0].event_id)
    assert act(client, issue, action="resolve", next=target)["Location"] == target


# --- monitor issues ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_cron_failure_issue_shows_its_monitor(client, bob, web_project):
    crons.record_check_in(web_project.pk, {
        "check_in_id": "a" * 32, "monitor_slug": "nightly", "status": "error",
        "monitor_config": {"schedule": {"type": "crontab", "value": "0 3 * * *"}}}, NOW, NOW)
    issue = Issue.objects.get()
    assert issue.kind == "cron"
    client.force_login(bob)
    page = text_of(client.get(page_url(issue)))
    assert "Cron failure: nightly" in page and ">Cron<" in page
    monitor = page[page.index("<h2>Monitor</h2>"):page.index("<h2>Message</h2>")]
    assert 'href="/organizations/alpha/projects/web/monitors/cron/nightly/"' in monitor
    assert 'href="/organizations/alpha/projects/web/monitors/"' in monitor
    assert '<th scope="row">slug</th><td class="val">nightly' in monitor
    assert "0 3 * * * (UTC)" in monitor and '<th scope="row">status</th>' in monitor
    assert "<h2>Exception" not in page and '<p class="message-text">' in page
    assert 'class="badge" href="/organizations/alpha/projects/web/monitors/cron/nightly/"' in page


@pytest.mark.django_db
def test_an_uptime_failure_issue_shows_its_monitor(client, alice, web_project):
    site = monitor_actions.create_uptime_monitor(web_project, {
        "name": "shop", "url": "https://shop.example/health", "failure_threshold": 1},
        timezone.now())  # record_check records its checks by the clock too
    record_check(site, 0, ok=False, error="HTTP 503")
    issue = Issue.objects.get()
    assert issue.kind == "uptime"
    client.force_login(alice)
    page = text_of(client.get(page_url(issue)))
    assert "Downtime detected for https://shop.example/health" in page and ">Uptime<" in page
    monitor = page[page.index("<h2>Monitor</h2>"):page.index("<h2>Message</h2>")]
    assert f'href="/organizations/alpha/projects/web/monitors/uptime/{site.pk}/"' in monitor
    assert '<th scope="row">url</th><td class="val">https://shop.example/health' in monitor
    assert "HTTP 503" in monitor


@pytest.mark.django_db
def test_a_monitor_issue_whose_monitor_is_gone_links_the_monitor_list(client, alice, web_project):
    from health.models import CronMonitor

    crons.record_check_in(web_project.pk, {
        "check_in_id": "b" * 32, "monitor_slug": "weekly", "status": "error",
        "monitor_config": {"schedule": {"type": "crontab", "value": "0 3 * * 1"}}}, NOW, NOW)
    CronMonitor.objects.all().delete()
    client.force_login(alice)
    page = text_of(client.get(page_url(Issue.objects.get())))
    assert 'class="badge" href="/organizations/alpha/projects/web/monitors/">Monitor</a>' in page


# --- hostile event data --------------------------------------------------------------------------

@pytest.mark.django_db
def test_hostile_event_data_is_escaped_everywhere(client, alice, web_project):
    evil = f"{SCRIPT}{IMG}"
    digest_events(web_project, {
        "platform": "python", "message": evil, "culprit": evil, "transaction": evil,
        "exception": {"values": [{"type": evil, "value": evil,
                                  "mechanism": {"type": "x", "description": evil,
                                                "help_link": "javascript:alert(1)",
                                                "data": {evil: evil}},
                                  "stacktrace": {"frames": [{
                                      "filename": evil, "function": evil, "module": evil,
                                      "lineno": 1, "in_app": True, "context_line": evil,
                                      "pre_context": [evil], "post_context": [evil],
                                      "vars": {evil: evil, "nested": {"deep": [evil]}}}]}}]},
        "tags": {"evil": "<script>alert(1)</script>", "img": "<img src=x onerror=alert(1)>"},
        "breadcrumbs": [{"message": evil, "category": evil, "type": evil, "level": evil,
                         "data": {evil: evil}}],
        "request": {"url": "javascript:alert(1)//" + evil, "method": "GET",
                    "headers": {"X-Evil": evil, evil: "v"}, "cookies": {"c": evil},
                    "data": evil, "query_string": {"q": evil}},
        "user": {"id": evil, "username": evil, "data": {"x": evil}},
        "contexts": {evil: {"type": evil, "v": evil}, "os": {"name": evil}},
        "extra": {evil: evil, "list": [evil]},
        "sdk": {"name": evil, "version": evil}, "modules": {evil: evil},
        "release": "r1", "environment": "production", "fingerprint": [evil],
    })
    issue = Issue.objects.get()
    client.force_login(alice)
    actions.add_comment(issue, alice, evil)
    page = text_of(client.get(page_url(issue)))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'href="javascript:' not in page
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)
    assert all(body == "" for body in scripts)  # no inline script, only script files
    assert page.count("<script") == len(re.findall(r'<script src="/static/[^"]+"', page))
    assert not re.search(r"\son[a-z]+=", page.replace("onerror=alert(1)&gt;", ""))


@pytest.mark.django_db
def test_the_raw_json_of_a_hostile_event_is_not_html(client, alice, web_project):
    digest_events(web_project, error_event(value=SCRIPT, extra={"x": IMG}))
    issue = Issue.objects.get()
    client.force_login(alice)
    response = client.get(f"{event_url(issue, issue.events.get().event_id)}json/")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert orjson.loads(response.content)["extra"]["x"] == IMG


# --- a big event: a fixed number of queries ----------------------------------------------------

def big_event(n: int, **extra) -> dict:
    frames = [frame(f"app.mod{i}", f"func{i}", 10 + i, i % 3 == 0,
                    vars={f"v{k}": f"'value {k}'" for k in range(8)}) for i in range(n)]
    crumbs = [{"timestamp": BASE_TIME - n + i, "category": "http", "message": f"crumb {i}",
               "data": {"url": f"https://api.test/{i}", "status_code": 200}} for i in range(n)]
    return python_event(exception={"values": [
        {"type": "RuntimeError", "value": "deep", "stacktrace": {"frames": frames}}]},
        breadcrumbs=crumbs, **extra)


def queries_for_page(client, issue: Issue, django_assert_max_num_queries, limit: int) -> int:
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(page_url(issue))
    assert response.status_code == 200
    return len(captured.captured_queries)


PAGE_QUERY_LIMIT = 25  # 22 today: session, user, issue, event, seen, stats, tags, activity …


@pytest.mark.django_db
def test_a_big_event_renders_in_a_fixed_number_of_queries(client, alice, bob, alpha, web_project,
                                                          django_assert_max_num_queries):
    digest_events(web_project, big_event(100, tags={"k": "small"}), at=NOW)
    small = Issue.objects.get()
    digest_events(web_project, *[big_event(100, timestamp=BASE_TIME + n,
                                           tags={f"t{k}": str(n) for k in range(12)},
                                           fingerprint=["big"]) for n in range(3)], at=NOW)
    big = Issue.objects.exclude(pk=small.pk).get()
    for n in range(30):  # more activity, people and teams cost no more queries
        actions.add_comment(big, alice, f"note {n}")
        actions.create_team(alpha, f"team-{n}")
    actions.assign_issue(big, bob, alice)
    actions.set_issue_bookmark(big, alice, True)
    client.force_login(alice)
    page = text_of(client.get(page_url(big)))
    assert page.count('<details class="frame ') == 100 and "crumb 99" in page
    assert page.count('<tr class="crumb crumb-') == 100
    few = queries_for_page(client, small, django_assert_max_num_queries, PAGE_QUERY_LIMIT)
    many = queries_for_page(client, big, django_assert_max_num_queries, PAGE_QUERY_LIMIT)
    assert many <= few + 3  # the assignee, previous and next event, nothing per row
