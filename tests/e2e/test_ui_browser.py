"""The triage UI in a real headless Chromium (Debian's package, driven by Playwright) against the
real server, with events from the real sentry-sdk: log in, see the issue, read its stack trace
and breadcrumbs, resolve it, and watch new events arrive without a reload. And hostile event data
rendered inert in the browser, not only escaped in the HTML.

Screenshots of the stream and the issue page are saved under artifacts/screenshots/.
"""

import os
import shutil
from pathlib import Path

import pytest
import requests
import sentry_sdk
from playwright.sync_api import Page, expect, sync_playwright

from errortrack import actions
from errortrack.compat.dsn import build_dsn
from errortrack.models import Issue
from tests.factories import PASSWORD, usable_by_a_server
from tests.sdk import send_with_sdk
from tests.servers import ROOT
from tests.waiting import eventually

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
XSS = ['<script>window.__xss = "script"</script>', '<img src=x onerror="window.__xss=\'img\'">']


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still plain sequential code (what pytest-playwright's docs advise for Django).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def server(start_own_server, alice, web_project):
    usable_by_a_server(alice)
    return start_own_server(DJANGO_ALLOW_ASYNC_UNSAFE="")  # the server keeps Django's guard


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    tab.goto("/accounts/login/")
    tab.fill("input[name=username]", "alice")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit], input[type=submit]")
    tab.wait_for_url(lambda url: "/accounts/login/" not in url)
    yield tab
    context.close()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def checkout(cart: dict) -> None:
    total = sum(cart.values())  # noqa: F841 (a local variable the stack trace shows)
    raise KeyError("sku-" + str(len(cart)))


def send_checkout_error(dsn: str) -> None:
    def run() -> None:
        sentry_sdk.add_breadcrumb(category="http", message="GET /cart 200", level="info")
        sentry_sdk.add_breadcrumb(category="ui.click", message="clicked #pay", level="info")
        try:
            checkout({"apple": 2, "pear": 3})
        except KeyError:
            sentry_sdk.capture_exception()

    send_with_sdk(dsn, run, release="shop@1.0", environment="production")


def wait_for_issues(project, count: int) -> None:
    eventually(lambda: Issue.objects.filter(project=project).count() >= count,
               f"{count} issues in {project.slug}")


def test_triage_an_issue_and_watch_it_live(page, server, web_project):
    dsn = build_dsn(server.url, web_project.keys.get().public_key, web_project.pk)
    send_checkout_error(dsn)
    wait_for_issues(web_project, 1)
    issue = Issue.objects.get(project=web_project)

    stream = f"/organizations/{web_project.organization.slug}/projects/{web_project.slug}/issues/"
    page.goto(stream)
    row = page.locator(f"#issue-{issue.pk}")
    expect(row).to_contain_text("KeyError")
    expect(page.locator("body")).to_have_attribute("data-live", "connected", timeout=10_000)
    screenshot(page, "issue-stream")

    # A new issue appears at the top of the open stream without a reload.
    send_with_sdk(dsn, lambda: sentry_sdk.capture_message("payment gateway timeout"))
    expect(page.locator("#issue-rows tr").first).to_contain_text("payment gateway timeout",
                                                                  timeout=30_000)

    row.locator("a").first.click()
    page.wait_for_url(f"**/issues/{issue.pk}/**")
    expect(page.get_by_text("checkout", exact=False).first).to_be_visible()
    expect(page.locator("body")).to_contain_text("raise KeyError")  # the crash line
    expect(page.locator("body")).to_contain_text("clicked #pay")  # a breadcrumb
    expect(page.locator("body")).to_contain_text("GET /cart 200")
    expect(page.locator(".issue-count").first).to_have_text("1")
    expect(page.locator("body")).to_have_attribute("data-live", "connected", timeout=10_000)
    screenshot(page, "issue-detail")

    # Counts tick up on the open page as events arrive.
    send_checkout_error(dsn)
    expect(page.locator(".issue-count").first).to_have_text("2", timeout=30_000)

    # Another tab resolves it; this open page shows the new status without a reload.
    other = page.context.new_page()
    other.goto(f"/organizations/{web_project.organization.slug}/issues/{issue.pk}/")
    other.get_by_role("button", name="Resolve", exact=True).first.click()
    other.wait_for_load_state()
    issue.refresh_from_db()
    assert issue.status == "resolved"
    expect(page.locator(".issue-status")).to_have_text("Resolved", timeout=30_000)


def test_a_page_catches_up_on_what_arrived_while_its_connection_was_down(page, server,
                                                                          web_project):
    """The page's websocket runs through a relay the test cuts; a new issue is stored while the
    page is away, so only the catch-up on reconnecting can bring its row."""
    relays = []

    def relay(route) -> None:
        relays.append((route, route.connect_to_server()))

    page.route_web_socket("**/ws/live/**", relay)
    dsn = build_dsn(server.url, web_project.keys.get().public_key, web_project.pk)
    page.goto(f"/organizations/{web_project.organization.slug}/projects/{web_project.slug}/"
              "issues/")
    expect(page.locator("body")).to_have_attribute("data-live", "connected", timeout=10_000)
    route, to_server = relays[0]
    to_server.close()
    route.close()
    expect(page.locator("body")).to_have_attribute("data-live", "disconnected")
    # The page retries after a second; its new socket waits for this thread to come back to
    # Playwright, so the issue is stored (and announced to nobody) before it connects.
    send_with_sdk(dsn, lambda: sentry_sdk.capture_message("queue backlog while away"))
    wait_for_issues(web_project, 1)
    expect(page.locator("#issue-rows tr").first).to_contain_text("queue backlog while away",
                                                                  timeout=30_000)
    assert len(relays) == 2 and "since=" in relays[1][0].url


def test_hostile_event_data_renders_inert(page, server, web_project):
    dsn = build_dsn(server.url, web_project.keys.get().public_key, web_project.pk)

    def run() -> None:
        for payload in XSS:
            sentry_sdk.add_breadcrumb(category=payload, message=payload, data={"x": payload})
        sentry_sdk.set_tag("evil", XSS[1][:200])
        sentry_sdk.set_extra("evil", XSS[0])
        evil = XSS[0]  # noqa: F841 (a frame variable)
        try:
            raise ValueError(XSS[1])
        except ValueError:
            sentry_sdk.capture_exception()
        sentry_sdk.capture_message(XSS[0])

    send_with_sdk(dsn, run)
    wait_for_issues(web_project, 2)
    stream = f"/organizations/{web_project.organization.slug}/projects/{web_project.slug}/issues/"
    page.goto(stream)
    expect(page.locator("#issue-rows")).to_contain_text("window.__xss")  # shown as text
    for issue in Issue.objects.filter(project=web_project):
        page.goto(f"/organizations/{web_project.organization.slug}/issues/{issue.pk}/")
        expect(page.locator("body")).to_contain_text("window.__xss")
        assert page.evaluate("window.__xss") is None  # nothing ran
        assert page.locator("img[src=x]").count() == 0  # and nothing was parsed as markup
    page.goto(stream)
    assert page.evaluate("window.__xss") is None


def live_page(page: Page, path: str) -> Page:
    """`path` open in a new tab of the signed-in context, its websocket connected."""
    tab = page.context.new_page()
    tab.goto(path)
    expect(tab.locator("body")).to_have_attribute("data-live", "connected", timeout=10_000)
    return tab


def test_every_triage_action_shows_on_the_open_pages(page, server, alice, web_project):
    """Status, assignment, bookmark, a comment, a merge and a delete, each made through the
    web API (the server's own process announces it): the open stream and issue pages show each
    without a reload, and a hostile comment stays text."""
    dsn = build_dsn(server.url, web_project.keys.get().public_key, web_project.pk)
    send_with_sdk(dsn, lambda: [sentry_sdk.capture_message(word) for word in
                                ("cache cold", "queue stuck", "disk full")])
    wait_for_issues(web_project, 3)
    by_title = {issue.title: issue for issue in Issue.objects.filter(project=web_project)}
    watched, child_a, child_b = (by_title["cache cold"], by_title["queue stuck"],
                                 by_title["disk full"])
    org = web_project.organization.slug
    api = requests.Session()
    token = actions.create_api_token(alice, "ui", ["event:read", "event:write", "event:admin"])
    api.headers["Authorization"] = f"Bearer {token[1]}"
    issue_api = f"{server.url}/api/0/organizations/{org}/issues/{watched.pk}/"

    stream = live_page(page, f"/organizations/{org}/projects/{web_project.slug}/issues/")
    detail = live_page(page, f"/organizations/{org}/issues/{watched.pk}/")
    row = stream.locator(f"#issue-{watched.pk}")

    assert api.put(issue_api, json={"status": "resolved"}, timeout=10).status_code == 200
    expect(row.locator(".badge.status")).to_have_text("Resolved", timeout=30_000)
    expect(detail.locator(".issue-status")).to_have_text("Resolved", timeout=30_000)

    assert api.put(issue_api, json={"assignedTo": "alice"}, timeout=10).status_code == 200
    expect(row.locator("td.issue-assignee")).to_contain_text("alice", timeout=30_000)
    expect(detail.locator("#issue-assignee .issue-assignee-name")).to_contain_text(
        "alice", timeout=30_000)

    assert api.put(issue_api, json={"isBookmarked": True}, timeout=10).status_code == 200
    expect(row.locator(".issue-bookmark")).to_be_visible(timeout=30_000)
    expect(detail.locator("#issue-bookmarked")).to_be_visible(timeout=30_000)

    hostile = 'on it <img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    posted = api.post(f"{issue_api}comments/", json={"text": hostile}, timeout=10)
    assert posted.status_code == 201, posted.text
    expect(detail.locator("ol#activity-log")).to_contain_text(hostile, timeout=30_000)
    assert detail.evaluate("window.__xss") is None
    assert detail.locator("ol#activity-log img").count() == 0

    merged = api.put(f"{server.url}/api/0/organizations/{org}/issues/", timeout=10,
                     params=[("id", child_a.pk), ("id", child_b.pk)], json={"merge": True})
    assert merged.status_code == 200, merged.text
    parent = int(merged.json()["merge"]["parent"])
    [child] = {child_a.pk, child_b.pk} - {parent}
    expect(stream.locator(f"#issue-{child}")).to_have_count(0, timeout=30_000)
    expect(stream.locator(f"#issue-{parent}")).to_have_count(1)

    assert api.delete(issue_api, timeout=10).status_code in (202, 204)
    expect(row).to_have_count(0, timeout=30_000)
    expect(detail.locator("#issue-gone")).to_have_attribute("data-reason", "deleted",
                                                           timeout=30_000)
    screenshot(detail, "issue-deleted-live")
