"""The issue stream pages (a project's, an organization's) and their bulk changes: owner, member
and outsider; search, sort, pages and environments; hostile event data and hostile requests;
the row contract the live updates rely on; a constant number of queries per page."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from errortrack import actions
from errortrack.live import catch_up
from errortrack.models import Activity, Issue
from errortrack.presenters import issue_stream
from errortrack.queries import search
from errortrack.views import bulk
from tests.factories import (
    PINNED_NOW,
    digest_events,
    digest_on_the_chart_edges,
    error_event,
    make_project,
)

PROJECT_STREAM = "/organizations/alpha/projects/web/issues/"
ORG_STREAM = "/organizations/alpha/issues/"
BULK = "/organizations/alpha/issues/bulk/"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
NOW = PINNED_NOW
BAR = re.compile(r'<rect [^>]*height="(\d+)" class="\w+"><title>([^<]+)</title></rect>')


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


def row_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="issue-(\d+)" data-issue-id="\1"',
                                         response.content.decode())]


def titles(response) -> list[str]:
    by_id = {issue.pk: issue.title.split(":")[0] for issue in Issue.objects.all()}
    return [by_id[pk] for pk in row_ids(response)]


def many_issues(project, count: int) -> None:
    digest_events(project, *[{"message": f"distinct message {n}", "fingerprint": [str(n)]}
                             for n in range(count)])


# --- what a page shows ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_project_stream_shows_each_issue_as_a_row(as_alice, issues):
    response = as_alice.get(PROJECT_STREAM)
    assert response.status_code == 200
    html = response.content.decode()
    key_error = issues["KeyError"]
    assert row_ids(response)[0] in {i.pk for i in issues.values()} and len(row_ids(response)) == 3
    row = re.search(rf'<tr id="issue-{key_error.pk}".*?</tr>', html, re.S)[0]
    assert f'href="{reverse("issue-detail", args=["alpha", key_error.pk])}"' in row
    assert "KeyError: &#x27;sku&#x27;" in row and "shop.views in checkout" in row
    assert key_error.short_id_display in row and 'class="badge level-error"' in row
    assert re.search(r'class="num issue-count">2<', row)
    assert re.search(r'class="num issue-users">0<', row)
    last_seen = re.search(r'<time class="issue-last-seen" datetime="([^"]+)">([^<]+)</time>', row)
    assert last_seen[1] == key_error.last_seen.isoformat() and last_seen[2].endswith(" ago")
    assert '<time class="issue-first-seen"' in row
    assert len(re.findall(r"<rect ", row)) == 24
    assert f'name="id" value="{key_error.pk}" form="issue-bulk-form"' in row
    assert "/static/errortrack/ui.css" in html and "<script>" not in html


@pytest.mark.django_db
def test_the_tbody_carries_the_live_update_contract(as_alice, issues, alpha, web_project):
    other = make_project(alpha, "api")
    body = re.compile(r'<tbody id="issue-rows" data-live-projects="([\d,]*)"')
    assert body.search(as_alice.get(PROJECT_STREAM).content.decode())[1] == str(web_project.pk)
    org_page = as_alice.get(ORG_STREAM).content.decode()
    assert set(body.search(org_page)[1].split(",")) == {str(web_project.pk), str(other.pk)}
    one = as_alice.get(ORG_STREAM, {"project": other.pk}).content.decode()
    assert body.search(one)[1] == str(other.pk)


@pytest.mark.django_db
def test_the_tbody_tells_the_live_updates_which_rows_belong(as_alice, issues):
    before = timezone.now()
    html = as_alice.get(PROJECT_STREAM, {"environment": 'prod "eu"'}).content.decode()
    after = timezone.now()
    assert 'data-live-query="is:unresolved environment:&quot;prod \\&quot;eu\\&quot;&quot;"' in html
    assert 'data-live-insert="true"' in html
    later = as_alice.get(PROJECT_STREAM, {"sort": "freq"}).content.decode()
    assert 'data-live-insert="false"' in later and 'data-stats-period="24h"' in later
    # Live updates resume from when the page was read (the server's time), and catch up.
    [since] = re.findall(r'data-live-since="([^"]+)"', html)
    assert catch_up.parse_since(since) is not None
    assert before <= catch_up.parse_since(since) <= after  # read during the request


def test_the_live_query_reads_back_as_the_same_filter():
    params = issue_stream.StreamParams(query="level:error", environment='a "b" \\ c')
    live = issue_stream.live_filter(params)
    assert search.parse(live["query"]) == [search.Term("level", "error"),
                                           search.Term("environment", 'a "b" \\ c')]
    assert issue_stream.live_filter(issue_stream.StreamParams(page=2))["insert"] == "false"


@pytest.mark.django_db
def test_rows_for_renders_a_row_alone_as_the_live_updates_do(issues, alice, alpha):
    issue = issues["TypeError"]
    actions.assign_issue(issue, actions.create_team(alpha, "backend"), alice)
    actions.set_issue_bookmark(issue, alice, True)
    issue = Issue.objects.get(pk=issue.pk)  # as a consumer fetches it, nothing joined
    now = issue.last_seen + timedelta(minutes=5)
    html = render_to_string("errortrack/issues/_row.html",
                            {"row": issue_stream.rows_for([issue], alice, now)[0]})
    assert html.strip().startswith(f'<tr id="issue-{issue.pk}" data-issue-id="{issue.pk}"')
    assert 'class="num issue-count">1<' in html and 'class="num issue-users">0<' in html
    assert "#backend" in html and "issue-bookmark" in html and "level-warning" in html
    assert ">5\xa0minutes ago</time>" in html
    assert issue_stream.rows_for([], alice, now) == []
    with pytest.raises(ValueError, match="stats_period"):
        issue_stream.rows_for([issue], alice, now, "3y")


@pytest.mark.django_db
def test_a_rows_chart_counts_each_slot_up_to_now(alice, web_project):
    digest_on_the_chart_edges(web_project)
    issue = Issue.objects.select_related(*issue_stream.ROW_RELATIONS).get()
    [hourly] = issue_stream.rows_for([issue], alice, NOW, "24h")
    bars = hourly["chart"]["bars"]
    assert [bar["count"] for bar in bars] == [1] + [0] * 21 + [1, 2]
    assert (bars[0]["label"], bars[-1]["label"]) == ("1 event, 13:00 UTC", "2 events, 12:00 UTC")
    assert [bar["height"] for bar in bars] == [12] + [1] * 21 + [12, 24]
    assert hourly["chart"]["total"] == "4 events"
    assert hourly["last_seen_text"] == "10\xa0minutes ago"
    assert hourly["first_seen_text"] == "1\xa0week, 6\xa0days ago"
    [daily] = issue_stream.rows_for([issue], alice, NOW, "14d")
    days = daily["chart"]["bars"]
    assert [bar["count"] for bar in days] == [1] + [0] * 11 + [2, 3]
    assert (days[0]["label"], days[-1]["label"]) == ("1 event, Feb 19", "3 events, Mar 04")


@pytest.mark.django_db
def test_monitor_issues_bookmarks_and_assignees_are_marked(as_alice, issues, alice, bob, alpha,
                                                           web_project, client):
    from health.crons import record_check_in

    record_check_in(web_project.pk, {
        "check_in_id": "a" * 32, "monitor_slug": "nightly", "status": "error",
        "monitor_config": {"schedule": {"type": "crontab", "value": "0 3 * * *"}}}, NOW, NOW)
    actions.set_issue_bookmark(issues["KeyError"], alice, True)
    actions.assign_issue(issues["TypeError"], bob, alice)
    html = as_alice.get(PROJECT_STREAM).content.decode()
    cron = Issue.objects.get(kind="cron")
    assert re.search(rf'id="issue-{cron.pk}".*?class="badge kind kind-cron">Cron<', html, re.S)
    assert re.search(rf'id="issue-{issues["KeyError"].pk}".*?issue-bookmark', html, re.S)
    assert re.search(rf'id="issue-{issues["TypeError"].pk}".*?issue-assignee">bob<', html, re.S)
    client.force_login(bob)  # bookmarks are personal
    assert "issue-bookmark" not in client.get(PROJECT_STREAM).content.decode()


@pytest.mark.django_db
def test_the_chart_has_14_daily_bars_with_stats_14d(as_alice, issues):
    html = as_alice.get(PROJECT_STREAM, {"stats": "14d"}).content.decode()
    row = re.search(rf'<tr id="issue-{issues["KeyError"].pk}".*?</tr>', html, re.S)[0]
    bars = [(int(height), label) for height, label in BAR.findall(row)]
    # Both events are on the day they were digested: its bar is the full height, and every
    # other day an empty baseline, whichever of the last two days that is by now.
    day = f"2 events, {issues['KeyError'].last_seen:%b %d}"
    assert len(bars) == 14
    assert [label for height, label in bars if height == issue_stream.CHART_HEIGHT] == [day]
    assert all(height == 1 and label.startswith("0 events, ")
               for height, label in bars if label != day)
    assert "2 events in the last 14 days" in row


def test_sparkline_geometry_is_whole_numbers_scaled_to_the_busiest_slot():
    chart = issue_stream.sparkline([[0, 0], [3600, 5], [7200, 10]], "24h")
    assert [bar["height"] for bar in chart["bars"]] == [1, 12, 24]
    assert [bar["y"] for bar in chart["bars"]] == [23, 12, 0]
    assert [bar["x"] for bar in chart["bars"]] == [0, 5, 10] and chart["width"] == 14
    assert chart["total"] == "15 events" and chart["bars"][2]["label"] == "10 events, 02:00 UTC"
    assert all(isinstance(v, int) for bar in chart["bars"] for k, v in bar.items()
               if k != "label")
    assert issue_stream.sparkline([[0, 0]], "14d")["bars"][0]["height"] == 1


def test_the_sort_menu_offers_exactly_the_apis_sorts():
    assert list(issue_stream.SORT_LABELS) == list(search.SORTS)


# --- who may see and change what -----------------------------------------------------------------

@pytest.mark.django_db
def test_a_member_sees_both_streams_and_triages(client, bob, issues):
    client.force_login(bob)
    assert client.get(PROJECT_STREAM).status_code == 200
    assert client.get(ORG_STREAM).status_code == 200
    response = client.post(BULK, {"action": "resolve", "id": [issues["KeyError"].pk]})
    assert response.status_code == 302
    assert Issue.objects.get(pk=issues["KeyError"].pk).status == "resolved"
    response = client.post(BULK, {"action": "merge",
                                  "id": [issues["TypeError"].pk, issues["disk almost full"].pk]})
    assert Issue.objects.filter(merged_into__isnull=False).count() == 1


@pytest.mark.django_db
def test_an_outsider_gets_404_on_every_route(client, charlie, issues):
    client.force_login(charlie)
    assert client.get(PROJECT_STREAM).status_code == 404
    assert client.get(ORG_STREAM).status_code == 404
    response = client.post(BULK, {"action": "resolve", "id": [issues["KeyError"].pk]})
    assert response.status_code == 404
    assert Issue.objects.get(pk=issues["KeyError"].pk).status == "unresolved"


@pytest.mark.django_db
def test_another_organizations_issue_ids_in_a_bulk_post_are_404(as_alice, issues, charlie):
    beta_project = charlie.memberships.get().organization.projects.get()
    digest_events(beta_project, error_event("ValueError"))
    theirs = Issue.objects.get(project=beta_project)
    for ids in ([theirs.pk], [issues["KeyError"].pk, theirs.pk]):
        assert as_alice.post(BULK, {"action": "resolve", "id": ids}).status_code == 404
    assert as_alice.post("/organizations/beta/issues/bulk/",
                         {"action": "resolve", "id": [theirs.pk]}).status_code == 404
    assert set(Issue.objects.values_list("status", flat=True)) == {"unresolved"}


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, issues):
    for url in (PROJECT_STREAM, ORG_STREAM):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(BULK, {"action": "resolve"}).status_code == 302


@pytest.mark.django_db
def test_bulk_posts_need_the_csrf_token(alice, issues):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post(BULK, {"action": "resolve", "id": [issues["KeyError"].pk]})
    assert response.status_code == 403
    page = browser.get(PROJECT_STREAM).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = browser.post(BULK, {"action": "resolve", "id": [issues["KeyError"].pk],
                                   "csrfmiddlewaretoken": token})
    assert response.status_code == 302


# --- search, sort, environments, pages ---------------------------------------------------------

@pytest.mark.django_db
def test_default_query_is_unresolved_and_an_empty_query_is_everything(as_alice, issues):
    actions.set_issue_status(issues["TypeError"], "resolved")
    page = as_alice.get(PROJECT_STREAM)
    assert sorted(titles(page)) == ["KeyError", "disk almost full"]
    assert 'value="is:unresolved"' in page.content.decode()
    assert len(row_ids(as_alice.get(PROJECT_STREAM, {"query": ""}))) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("query, expected", [
    ("level:warning", ["TypeError"]),
    ("customer:acme", ["KeyError"]),
    ("!level:error", ["TypeError", "disk almost full"]),
    ('"almost full" level:info', ["disk almost full"]),
    ("is:unresolved is:unassigned", ["KeyError", "TypeError", "disk almost full"]),
    ("is:resolved", []),
])
def test_search_uses_the_apis_syntax(as_alice, issues, query, expected):
    response = as_alice.get(ORG_STREAM, {"query": query})
    assert response.status_code == 200 and sorted(titles(response)) == expected


@pytest.mark.django_db
def test_sorts_order_the_rows(as_alice, issues):
    by_events = titles(as_alice.get(PROJECT_STREAM, {"sort": "freq"}))
    assert by_events[0] == "KeyError"
    newest_first = titles(as_alice.get(PROJECT_STREAM, {"sort": "new"}))
    oldest = Issue.objects.order_by("first_seen", "id").first()
    assert newest_first[-1] == oldest.title.split(":")[0]
    by_freq_page = as_alice.get(PROJECT_STREAM, {"sort": "freq"}).content.decode()
    assert 'value="freq" selected' in by_freq_page


@pytest.mark.django_db
def test_the_environment_filter_narrows_and_lists_environments(as_alice, issues):
    response = as_alice.get(PROJECT_STREAM, {"environment": "staging"})
    assert titles(response) == ["TypeError"]
    html = response.content.decode()
    assert '<option value="staging" selected>' in html and '<option value="prod">' in html


@pytest.mark.django_db
def test_the_organization_stream_filters_by_project(as_alice, issues, alpha):
    api_project = make_project(alpha, "api")
    digest_events(api_project, error_event("ZeroDivisionError"))
    assert len(row_ids(as_alice.get(ORG_STREAM))) == 4
    only_api = as_alice.get(ORG_STREAM, {"project": api_project.pk})
    assert titles(only_api) == ["ZeroDivisionError"]
    assert len(row_ids(as_alice.get(ORG_STREAM, {"project": "-1"}))) == 4
    assert row_ids(as_alice.get(ORG_STREAM, {"project": "999999"})) == []


@pytest.mark.django_db
def test_pages_of_25_with_links_that_keep_the_query(as_alice, web_project):
    many_issues(web_project, 30)
    first = as_alice.get(PROJECT_STREAM, {"query": "distinct", "sort": "new", "stats": "14d"})
    assert len(row_ids(first)) == 25
    html = first.content.decode()
    assert 'rel="prev"' not in html
    next_href = re.search(r'<a href="\?([^"]+)" rel="next">', html)[1].replace("&amp;", "&")
    assert parse_qs(next_href) == {"query": ["distinct"], "sort": ["new"], "stats": ["14d"],
                                   "page": ["2"]}
    second = as_alice.get(PROJECT_STREAM + "?" + next_href)
    assert len(row_ids(second)) == 5 and not set(row_ids(second)) & set(row_ids(first))
    previous = re.search(r'<a href="\?([^"]*)" rel="prev">', second.content.decode())[1]
    assert parse_qs(previous.replace("&amp;", "&")) == {
        "query": ["distinct"], "sort": ["new"], "stats": ["14d"]}
    assert 'rel="next"' not in second.content.decode()
    assert row_ids(as_alice.get(PROJECT_STREAM, {"page": "9"})) == []


@pytest.mark.django_db
def test_a_page_costs_the_same_queries_for_3_rows_as_for_25(client, alice, web_project,
                                                              django_assert_max_num_queries):
    client.force_login(alice)
    many_issues(web_project, 3)
    with CaptureQueriesContext(connection) as few:
        assert len(row_ids(client.get(ORG_STREAM))) == 3
    many_issues(web_project, 40)
    Issue.objects.update(assigned_user=alice)
    with CaptureQueriesContext(connection) as full:
        assert len(row_ids(client.get(ORG_STREAM, {"stats": "14d"}))) == 25
    assert len(full) == len(few)
    with django_assert_max_num_queries(14):
        client.get(PROJECT_STREAM)


# --- bulk changes --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_bulk_resolve_ignore_and_unresolve(as_alice, issues, alice):
    ids = [issues["KeyError"].pk, issues["TypeError"].pk]
    for action, status in (("resolve", "resolved"), ("ignore", "ignored"),
                           ("unresolve", "unresolved")):
        response = as_alice.post(BULK, {"action": action, "id": ids, "next": PROJECT_STREAM})
        assert response.status_code == 302 and response["Location"] == PROJECT_STREAM
        assert set(Issue.objects.filter(pk__in=ids).values_list("status", flat=True)) == {status}
    assert Issue.objects.get(pk=issues["disk almost full"].pk).status == "unresolved"
    kinds = Activity.objects.filter(issue_id__in=ids, user=alice).values_list("kind", flat=True)
    assert sorted(kinds) == sorted(["set_resolved", "set_ignored", "set_unresolved"] * 2)
    page = as_alice.get(PROJECT_STREAM + "?query=is:unresolved")
    assert len(row_ids(page)) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/",
                                    "/\\evil.example/", "javascript:alert(1)", "/\t/evil.example"])
def test_a_bulk_change_never_sends_people_to_another_site(as_alice, issues, target):
    response = as_alice.post(BULK, {"action": "resolve", "id": [issues["KeyError"].pk],
                                    "next": target})
    assert response.status_code == 302 and response["Location"] == "/organizations/alpha/issues/"


@pytest.mark.django_db
def test_the_result_of_a_bulk_change_is_shown_after_the_redirect(as_alice, issues):
    response = as_alice.post(BULK, {"action": "resolve", "id": [issues["KeyError"].pk],
                                    "next": PROJECT_STREAM}, follow=True)
    assert "Resolved: 1 issue." in response.content.decode()


@pytest.mark.django_db
def test_bulk_assign_to_a_member_a_team_and_nobody(as_alice, issues, alpha, bob):
    team = actions.create_team(alpha, "backend")
    ids = [issues["KeyError"].pk, issues["TypeError"].pk]
    page = as_alice.get(PROJECT_STREAM).content.decode()
    assert f'<option value="user:{bob.pk}">bob</option>' in page
    assert f'<option value="team:{team.pk}">#backend</option>' in page
    as_alice.post(BULK, {"action": "assign", "id": ids, "assignee": f"user:{bob.pk}"})
    assert set(Issue.objects.filter(pk__in=ids).values_list("assigned_user", flat=True)) == {
        bob.pk}
    as_alice.post(BULK, {"action": "assign", "id": ids, "assignee": f"team:{team.pk}"})
    assert set(Issue.objects.filter(pk__in=ids).values_list("assigned_team", flat=True)) == {
        team.pk}
    as_alice.post(BULK, {"action": "assign", "id": ids, "assignee": ""})
    assert not Issue.objects.filter(pk__in=ids, assigned_team__isnull=False).exists()
    assert Activity.objects.filter(kind="unassigned").count() == 2


@pytest.mark.django_db
def test_assigning_to_someone_outside_the_organization_changes_nothing(as_alice, issues,
                                                                       charlie):
    response = as_alice.post(BULK, {"action": "assign", "id": [issues["KeyError"].pk],
                                    "assignee": f"user:{charlie.pk}"}, follow=True)
    assert "No member" in response.content.decode()
    assert Issue.objects.get(pk=issues["KeyError"].pk).assigned_user is None


@pytest.mark.django_db
def test_bulk_merge_needs_two_issues_of_one_project(as_alice, issues, alpha):
    key_error, type_error = issues["KeyError"], issues["TypeError"]
    response = as_alice.post(BULK, {"action": "merge", "id": [key_error.pk]}, follow=True)
    assert "at least two" in response.content.decode()
    api_project = make_project(alpha, "api")
    digest_events(api_project, error_event("ZeroDivisionError"))
    elsewhere = Issue.objects.get(project=api_project)
    response = as_alice.post(BULK, {"action": "merge", "id": [key_error.pk, elsewhere.pk]},
                             follow=True)
    assert "one project" in response.content.decode()
    assert not Issue.objects.filter(merged_into__isnull=False).exists()
    as_alice.post(BULK, {"action": "merge", "id": [key_error.pk, type_error.pk]})
    assert Issue.objects.get(pk=type_error.pk).merged_into_id == key_error.pk
    assert type_error.pk not in row_ids(as_alice.get(PROJECT_STREAM))
    key_error.refresh_from_db()
    assert key_error.times_seen == 3


@pytest.mark.django_db
def test_an_issue_merged_away_since_the_page_loaded_is_skipped(as_alice, issues):
    key_error, type_error = issues["KeyError"], issues["TypeError"]
    actions.merge_issues([key_error, type_error])
    response = as_alice.post(BULK, {"action": "resolve", "id": [key_error.pk, type_error.pk]})
    assert response.status_code == 302
    assert Issue.objects.get(pk=key_error.pk).status == "resolved"


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/",
                                      "/\\evil.example/", "javascript:alert(1)",
                                      "http://testserver/organizations/alpha/issues/",
                                      "relative/path", ""])
def test_next_never_leaves_the_site(as_alice, issues, next_url):
    response = as_alice.post(BULK, {"action": "resolve", "id": [issues["KeyError"].pk],
                                    "next": next_url})
    assert response.status_code == 302 and response["Location"] == ORG_STREAM


@pytest.mark.django_db
def test_next_keeps_the_stream_with_its_query(as_alice, issues):
    back = PROJECT_STREAM + "?query=is%3Aresolved&page=1"
    response = as_alice.post(BULK, {"action": "resolve", "id": [issues["KeyError"].pk],
                                    "next": back})
    assert response["Location"] == back


# --- hostile data and requests -------------------------------------------------------------------

@pytest.mark.django_db
def test_hostile_event_data_is_escaped(as_alice, web_project):
    digest_events(web_project, {"message": SCRIPT, "culprit": IMG, "level": "error",
                                "environment": IMG, "tags": {"customer": IMG}})
    for params in ({}, {"query": f'customer:"{IMG}"'}, {"environment": IMG}):
        response = as_alice.get(PROJECT_STREAM, params)
        html = response.content.decode()
        assert response.status_code == 200 and len(row_ids(response)) == 1, params
        assert SCRIPT not in html and IMG not in html and "<img" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.django_db
def test_a_query_it_cannot_read_is_a_400_with_the_message(as_alice, issues):
    response = as_alice.get(PROJECT_STREAM, {"query": f"is:bogus {SCRIPT}"})
    html = response.content.decode()
    assert response.status_code == 400 and "Unknown is:bogus" in html
    assert 'role="alert"' in html and SCRIPT not in html
    assert "&lt;script&gt;" in html  # the query as typed, to fix it
    assert row_ids(response) == [] and "data-live-projects" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("params", [
    {"query": "level:loud"}, {"query": "issue.category:perf"},
    {"query": " ".join(f"w{n}" for n in range(30))}, {"query": "x" * 5000},
    {"sort": "chaos"}, {"stats": "3y"}, {"page": "abc"}, {"page": "0"}, {"page": "-1"},
    {"page": "99999999999999999999"}, {"page": "²"}, {"project": "x"},
    {"project": ["1"] * 60},
])
def test_bad_parameters_are_a_400_never_a_500(as_alice, issues, params):
    url = ORG_STREAM if "project" in params else PROJECT_STREAM
    response = as_alice.get(url, params)
    assert response.status_code == 400
    assert 'class="card error" role="alert"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"environment": "e" * 5000}, {"query": 'customer:"'},
                                    {"query": '"'}, {"query": "!"}, {"unknown": "x"},
                                    {"query": "id:abc"}, {"query": "issue.id:" + "9" * 30}])
def test_odd_but_harmless_parameters_are_answered(as_alice, issues, params):
    assert as_alice.get(PROJECT_STREAM, params).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("data", [
    {"action": "resolve", "id": ["abc"]},
    {"action": "resolve", "id": ["-1"]},
    {"action": "resolve", "id": ["1" * 30]},
    {"action": "resolve", "id": [str(n) for n in range(1, bulk.MAX_BULK + 2)]},
    {"action": "explode", "id": ["1"]},
    {"id": ["1"]},
])
def test_bad_bulk_posts_are_a_400(as_alice, issues, data):
    if data["id"] == ["1"]:
        data = {**data, "id": [str(issues["KeyError"].pk)]}
    response = as_alice.post(BULK, data)
    assert response.status_code == 400 and response.content
    assert set(Issue.objects.values_list("status", flat=True)) == {"unresolved"}


@pytest.mark.django_db
def test_ten_thousand_ids_are_refused_before_any_work(as_alice, issues):
    response = as_alice.post(BULK, {"action": "resolve",
                                    "id": [str(n) for n in range(1, 10_001)]})
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_bulk_post_without_a_selection_says_so(as_alice, issues):
    response = as_alice.post(BULK, {"action": "resolve", "next": PROJECT_STREAM}, follow=True)
    assert response.status_code == 200 and "Select at least one issue." in (
        response.content.decode())


@pytest.mark.django_db
def test_the_bulk_route_takes_only_post_and_the_streams_only_get(as_alice, issues):
    assert as_alice.get(BULK).status_code == 405
    assert as_alice.post(PROJECT_STREAM).status_code == 405


@pytest.mark.django_db
def test_the_old_issue_of_a_long_list_is_found_on_a_later_page(as_alice, web_project):
    many_issues(web_project, 26)
    oldest = Issue.objects.order_by("last_seen", "id").first()
    Issue.objects.filter(pk=oldest.pk).update(last_seen=timezone.now() - timedelta(days=3))
    assert oldest.pk not in row_ids(as_alice.get(PROJECT_STREAM))
    assert row_ids(as_alice.get(PROJECT_STREAM, {"page": "2"})) == [oldest.pk]


def test_links_built_from_the_page_stay_relative():
    from django.http import QueryDict

    query = issue_stream.page_query(QueryDict("query=a%26b&page=3&next=x"), 4)
    assert parse_qs(query) == {"query": ["a&b"], "next": ["x"], "page": ["4"]}
    assert urlsplit("?" + query).netloc == ""
