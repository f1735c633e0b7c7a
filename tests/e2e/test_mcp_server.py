"""The official Sentry MCP server (`@sentry/mcp-server` from npm, pinned in package-lock.json)
driven over stdio by the Python MCP client against a real errortrack, with data sent by the real
@sentry/node. Only tools that need no LLM provider: without one, searches pass Sentry's query
syntax through ("direct mode").

The server (0.39.0) exposes a few tools at the top level and the rest through
`execute_sentry_tool` (found with `search_sentry_tools`); `call` hides that difference. It runs
on our Node 20 although it declares Node >= 22.13.
"""

import asyncio
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from mcp import ClientSession, StdioServerParameters, stdio_client
from sentry_sdk.crons import capture_checkin

from alerts.models import Rule
from errortrack import actions, tokens
from errortrack.compat.dsn import build_dsn
from errortrack.models import Activity, EventAttachment, Issue, Project, ProjectKey, Team
from health import actions as health_actions
from health.models import CheckIn
from tests.factories import digest_events
from tests.sdk import send_with_sdk
from tests.servers import ROOT
from tests.waiting import eventually, wait_for_events

MCP_SERVER = ROOT / "node_modules" / "@sentry" / "mcp-server" / "dist" / "index.js"
SENDER = ROOT / "tests" / "js" / "send_node_checkout.mjs"
# The tools 0.39.0 lists itself; every other one is called through execute_sentry_tool.
TOP_LEVEL_TOOLS = {"find_organizations", "find_projects", "update_issue", "search_events",
                   "search_issues", "get_sentry_resource"}
SKILLS = "inspect,triage,project-management"  # seer needs Sentry's own AI; docs needs sentry.io
TOOL_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class ToolAnswer:
    name: str
    is_error: bool
    text: str

    def json(self) -> dict:
        return json.loads(self.text)


async def _call_tools(host: str, token: str, calls: list[tuple[str, dict]],
                      errlog: Path) -> list[ToolAnswer]:
    params = StdioServerParameters(
        command="node", cwd=str(ROOT), env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        args=[str(MCP_SERVER), f"--access-token={token}", f"--host={host}", "--insecure-http",
              f"--skills={SKILLS}"])
    answers = []
    with errlog.open("a") as stderr:
        async with stdio_client(params, errlog=stderr) as (read, write), \
                ClientSession(read, write) as session:
            await session.initialize()
            for name, arguments in calls:
                if name in TOP_LEVEL_TOOLS:
                    request = session.call_tool(name, arguments)
                else:
                    request = session.call_tool("execute_sentry_tool",
                                                {"name": name, "arguments": arguments})
                result = await asyncio.wait_for(request, TOOL_TIMEOUT_SECONDS)
                text = "\n".join(getattr(part, "text", "") for part in result.content)
                answers.append(ToolAnswer(name, bool(result.is_error), text))
    return answers


@pytest.fixture
def call(errortrack_server, transactional_db, alice, tmp_path) -> Callable[..., list]:
    """`call(("tool", {args}), …)` runs them in one MCP session; every answer must be a
    success (the MCP server turns our API's errors into error answers)."""
    if shutil.which("node") is None or not MCP_SERVER.exists():
        pytest.fail("node and the npm test clients are needed: run `make test`")
    token = actions.create_api_token(alice, "mcp", tokens.SCOPES)[1]
    host = urlsplit(errortrack_server.url).netloc
    errlog = tmp_path / "mcp-server.log"

    def run(*calls: tuple[str, dict]) -> list[ToolAnswer]:
        answers = asyncio.run(_call_tools(host, token, list(calls), errlog))
        for answer in answers:
            assert not answer.is_error, (f"{answer.name}: {answer.text}\n"
                                         f"{errlog.read_text()[-2000:]}\n"
                                         f"{errortrack_server.log_tail()}")
        return answers
    return run


@pytest.fixture
def checkout_failure(errortrack_server, web_project) -> Issue:
    """The TypeError that tests/js/send_node_checkout.mjs sends, stored with its attachment."""
    dsn = build_dsn(errortrack_server.url, web_project.keys.get().public_key, web_project.pk)
    proc = subprocess.run(["node", str(SENDER), dsn], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    [event] = wait_for_events(1, project=web_project)
    eventually(lambda: EventAttachment.objects.filter(event_id=event.event_id).exists(),
               "the attachment stored")
    assert event.issue is not None
    return event.issue


def test_whoami_and_finding_what_the_token_sees(call, alice, alpha, web_project, charlie):
    team = actions.create_team(alpha, "backend", "Backend")
    actions.add_team_project(team, web_project)
    whoami, orgs, teams, projects, dsns = call(
        ("whoami", {}), ("find_organizations", {}),
        ("find_teams", {"organizationSlug": "alpha"}),
        ("find_projects", {"organizationSlug": "alpha"}),
        ("find_dsns", {"organizationSlug": "alpha", "projectSlug": "web"}))
    assert alice.email in whoami.text
    assert [org["slug"] for org in orgs.json()["organizations"]] == ["alpha"]  # not charlie's
    assert "backend" in teams.text
    assert [project["slug"] for project in projects.json()["projects"]] == ["web"]
    assert f"//{web_project.keys.get().public_key}@" in dsns.text


def test_issue_details_by_short_id_and_by_url_with_stack_trace_tags_events_and_crumbs(
        call, errortrack_server, checkout_failure):
    issue = checkout_failure
    short_id = issue.short_id_display
    event_id = issue.events.get().event_id
    by_id, by_url, tags, events, breadcrumbs = call(
        ("get_issue_details", {"organizationSlug": "alpha", "issueId": short_id}),
        # The issue's page, as a person pastes it from the browser.
        ("get_issue_details", {"issueUrl": f"{errortrack_server.url}/organizations/alpha/"
                                           f"issues/{issue.pk}/"}),
        ("get_issue_tag_values", {"organizationSlug": "alpha", "issueId": short_id,
                                  "tagKey": "customer"}),
        ("search_issue_events", {"organizationSlug": "alpha", "issueId": short_id,
                                 "query": "", "period": "14d"}),
        ("get_issue_breadcrumbs", {"organizationSlug": "alpha", "issueId": short_id}))
    for details in (by_id, by_url):
        assert f"Issue {short_id}" in details.text and "TypeError" in details.text
        assert "applyDiscount" in details.text  # the stack trace of the latest event
        assert event_id in details.text
    assert "acme" in tags.text
    assert event_id in events.text
    assert "coupon applied" in breadcrumbs.text


def test_triage_resolve_assign_and_note(call, alice, checkout_failure):
    issue = checkout_failure
    short_id = issue.short_id_display
    call(("update_issue", {"organizationSlug": "alpha", "issueId": short_id,
                           "status": "resolved"}),
         ("update_issue", {"organizationSlug": "alpha", "issueId": short_id,
                           "assignedTo": f"user:{alice.pk}"}),
         ("add_issue_note", {"organizationSlug": "alpha", "issueId": short_id,
                             "text": "Coupon is null for legacy carts"}))
    issue.refresh_from_db()
    assert issue.status == Issue.Status.RESOLVED and issue.assigned_user_id == alice.pk
    assert Activity.objects.filter(issue=issue, kind="note",
                                   data__text="Coupon is null for legacy carts").exists()
    [activity] = call(("get_issue_activity", {"organizationSlug": "alpha",
                                              "issueId": short_id}))
    assert "Coupon is null for legacy carts" in activity.text


def test_issue_and_event_search_with_sentry_query_syntax(call, web_project, checkout_failure):
    digest_events(web_project, {"message": "Pool exhausted", "level": "warning"})
    issues, errors, warnings = call(
        ("search_issues", {"organizationSlug": "alpha", "query": "is:unresolved TypeError",
                           "period": "30d"}),
        ("search_events", {"organizationSlug": "alpha", "dataset": "errors",
                           "query": "level:error", "period": "7d"}),
        ("search_events", {"organizationSlug": "alpha", "dataset": "errors",
                           "query": "level:warning"}))
    assert checkout_failure.short_id_display in issues.text
    assert "Pool exhausted" not in issues.text
    assert "TypeError" in errors.text and "Pool exhausted" not in errors.text
    assert "Pool exhausted" in warnings.text and "TypeError" not in warnings.text


def test_attachments_of_an_event(call, checkout_failure):
    event_id = checkout_failure.events.get().event_id
    [attachment] = call(("get_event_attachment", {"organizationSlug": "alpha",
                                                  "projectSlug": "web", "eventId": event_id}))
    assert "cart.json" in attachment.text


def test_teams_projects_and_keys_made_through_the_mcp_server(call, alpha, web_project):
    actions.add_team_project(actions.create_team(alpha, "backend"), web_project)
    call(("create_team", {"organizationSlug": "alpha", "name": "mobile"}))
    team = Team.objects.get(organization=alpha, slug="mobile")
    call(("create_project", {"organizationSlug": "alpha", "teamSlug": "mobile",
                             "name": "ios-app", "platform": "apple-ios"}))
    project = Project.objects.get(organization=alpha, slug="ios-app")
    assert list(project.teams.all()) == [team] and project.platform == "apple-ios"
    assert project.keys.exists()  # a new project gets its DSN, as through our pages
    call(("create_dsn", {"organizationSlug": "alpha", "projectSlug": "ios-app",
                         "name": "testflight"}),
         ("update_project", {"organizationSlug": "alpha", "projectSlug": "ios-app",
                             "name": "iOS app"}),
         ("add_team_to_project", {"organizationSlug": "alpha", "projectSlug": "web",
                                  "teamSlug": "mobile"}))
    assert ProjectKey.objects.filter(project=project, label="testflight").exists()
    project.refresh_from_db()
    assert project.name == "iOS app"
    assert team in web_project.teams.all()
    # (the MCP server itself refuses to remove a project's last team: web keeps backend)
    call(("remove_team_from_project", {"organizationSlug": "alpha", "projectSlug": "web",
                                       "teamSlug": "mobile"}))
    assert team not in web_project.teams.all()


def test_monitors_with_their_check_ins_and_alert_rules(call, errortrack_server, web_project):
    health_actions.create_cron_monitor(
        web_project, {"name": "Nightly export", "slug": "nightly-export",
                      "schedule": "0 3 * * *"}, timezone.now())
    dsn = build_dsn(errortrack_server.url, web_project.keys.get().public_key, web_project.pk)
    send_with_sdk(dsn, lambda: capture_checkin(monitor_slug="nightly-export", status="ok",
                                               duration=3.5))
    eventually(lambda: CheckIn.objects.filter(monitor__slug="nightly-export").exists(),
               "the check-in stored")
    [rule] = Rule.objects.filter(project=web_project)  # the default rule
    monitors, monitor, rules, by_name = call(
        ("find_monitors", {"organizationSlug": "alpha"}),
        ("get_monitor_details", {"organizationSlug": "alpha", "monitorSlug": "nightly-export"}),
        ("find_alert_rules", {"organizationSlug": "alpha", "projectSlug": "web",
                              "kind": "issue"}),
        ("get_alert_rule", {"organizationSlug": "alpha", "projectSlug": "web", "kind": "issue",
                            "ruleIdOrName": rule.name}))
    assert "nightly-export" in monitors.text
    assert "Nightly export" in monitor.text
    assert re.search(r"Recent Check-Ins\s+- \S+: ok, ", monitor.text)  # the SDK's check-in
    assert "ok=1," in monitor.text  # and it is counted in the stats
    assert rule.name in rules.text and rule.name in by_name.text
