"""What a notification says, built once when the delivery is created (so a retry sends the same
message even if the issue changed since): plain JSON, rendered by each notifier."""

from datetime import UTC, datetime

from django.conf import settings

from errortrack.models import Event, Issue, Project
from errortrack.queries import issue_links

LEVELS = ["debug", "info", "warning", "error", "fatal"]
REASONS = {"new_issue": "New issue", "regression": "Regression",
           "event_frequency": "Frequent events", "user_frequency": "Many users affected",
           "error_rate": "Error rate too high", "deploy_guard": "Deploy guard: bad release",
           "test": "Test notification", "resolved": "Resolved"}


# A monitor's issue opens when it goes down and resolves when it recovers (health.incidents).
MONITOR_REASONS = {("uptime", "resolved"): "Uptime monitor recovered",
                   ("cron", "resolved"): "Cron monitor recovered",
                   ("uptime", "trigger"): "Uptime monitor down",
                   ("cron", "trigger"): "Cron monitor failing"}


MONITOR_KINDS = ("uptime", "cron")
MAX_TAGS = 10  # a notification names a few tags; the issue page has them all
RESOLVE = "resolve"  # alerts.models.Delivery.Action.RESOLVE, the action of every notice that ends


def reason_text(issue: Issue, reason: str) -> str:
    if issue.kind != Issue.Kind.ERROR:
        phase = "resolved" if reason == "resolved" else "trigger"
        return MONITOR_REASONS.get((issue.kind, phase), REASONS.get(reason, reason))
    return REASONS.get(reason, reason)


def level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else LEVELS.index("error")


def issue_link(issue: Issue) -> str:
    return f"{settings.BASE_URL}/organizations/{issue.project.organization.slug}/issues/{issue.pk}/"


def project_json(project: Project) -> dict:
    return {"id": str(project.pk), "slug": project.slug, "name": project.name}


def latest_event_data(issue: Issue) -> dict:
    """The stored document of the issue's latest event: its tags, and for a monitor's issue the
    monitor it came from (health writes `contexts.monitor` into each failure event)."""
    event = (Event.objects.filter(issue=issue).order_by("-timestamp", "-id").only("data")
             .first())  # the (issue, timestamp) index
    return event.data if event is not None and isinstance(event.data, dict) else {}


def tag_pairs(data: dict) -> list[list[str]]:
    tags = data.get("tags")
    if not isinstance(tags, list):
        return []
    return [[str(pair[0]), str(pair[1])] for pair in tags[:MAX_TAGS]
            if isinstance(pair, list | tuple) and len(pair) == 2]


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def monitor_json(issue: Issue, data: dict) -> dict | None:
    """Which monitor a monitor's issue is about, with an absolute link to its page: a team
    with several monitors on one host must tell which fired. None for an error issue."""
    if issue.kind not in MONITOR_KINDS:
        return None
    context = as_dict(as_dict(data.get("contexts")).get("monitor"))
    page = issue_links.source_url(issue)
    return {"type": issue.kind, "name": str(context.get("name") or ""),
            "slug": str(context.get("slug") or ""), "target": str(context.get("url") or ""),
            "expected_at": str(context.get("expected_at") or ""),
            "url": f"{settings.BASE_URL}{page}" if page else ""}


def issue_message(issue: Issue, reason: str, environment: str = "") -> dict:
    data = latest_event_data(issue)
    return {
        "reason": reason, "reason_text": reason_text(issue, reason), "kind": issue.kind,
        "issue_id": str(issue.pk), "short_id": issue.short_id_display,
        "title": issue.title, "culprit": issue.culprit, "level": issue.level,
        "status": issue.status, "project": project_json(issue.project),
        "organization": issue.project.organization.slug,
        "environment": environment, "release": issue.last_release,
        "count": issue.times_seen, "users": issue.user_count,
        "first_seen": issue.first_seen.isoformat(), "last_seen": issue.last_seen.isoformat(),
        "url": issue_link(issue), "dedup_key": f"errortrack-issue-{issue.pk}",
        "tags": tag_pairs(data), "monitor": monitor_json(issue, data),
    }


def project_message(project: Project, reason: str, title: str, dedup_key: str, *,
                    level: str = "error", environment: str = "", release: str = "",
                    count: int = 0, first_seen: str = "", last_seen: str = "",
                    **extra: object) -> dict:
    """A project-level alert (error rate, deploy guard): no single issue, the same keys."""
    return {
        "reason": reason, "reason_text": REASONS.get(reason, reason), "issue_id": "",
        "short_id": project.slug.upper(), "title": title, "culprit": "", "level": level,
        "status": "unresolved", "project": project_json(project),
        "organization": project.organization.slug, "environment": environment,
        "release": release, "count": count, "users": 0, "first_seen": first_seen,
        "last_seen": last_seen, "url": (f"{settings.BASE_URL}/organizations/"
                                        f"{project.organization.slug}/projects/{project.slug}/"),
        "tags": [], "monitor": None, **extra, "dedup_key": dedup_key,
    }


def rate_message(rule_id: int, project: Project, rate: float, threshold: float,
                 window_minutes: int, environment: str = "") -> dict:
    """A project-level alert: the error rate of `project` (no single issue)."""
    return project_message(
        project, "error_rate",
        f"{project.name}: {rate:.1f} errors/min over {window_minutes} min "
        f"(threshold {threshold:g})", f"errortrack-rule-{rule_id}",
        environment=environment, count=round(rate * window_minutes),
        rate_per_minute=round(rate, 2))


def test_message(channel_name: str) -> dict:
    return {"reason": "test", "reason_text": REASONS["test"], "issue_id": "0",
            "short_id": "TEST-1", "title": f"Test notification for {channel_name}",
            "culprit": "errortrack", "level": "info", "status": "unresolved",
            "project": {"id": "0", "slug": "test", "name": "test"}, "organization": "",
            "environment": "", "release": "", "count": 0, "users": 0, "first_seen": "",
            "last_seen": "", "url": settings.BASE_URL, "dedup_key": "errortrack-test",
            "tags": [], "monitor": None}


# --- what every channel says the same way ------------------------------------------------------

def is_recovery(action: str) -> bool:
    """A resolve ends an alert (an issue resolved, a monitor back up, a rate back under): every
    channel styles it as good news, not as the alert it ends."""
    return action == RESOLVE


def is_monitor(message: dict) -> bool:
    return bool(message.get("monitor")) or message.get("kind") in MONITOR_KINDS


def headline(action: str, message: dict) -> str:
    """"New issue", "Uptime monitor recovered"; a resolve whose reason is its trigger (a rate
    rule's) says it is resolved."""
    text = str(message["reason_text"])
    if is_recovery(action) and message.get("reason") != "resolved":
        return f"Resolved: {text}"
    return text


def recovery_label(action: str, message: dict) -> str:
    """"Recovered" for a monitor, "Resolved" for the rest, "" for an alert (email's subject
    prefix)."""
    if not is_recovery(action):
        return ""
    return "Recovered" if is_monitor(message) else "Resolved"


def monitor_line(message: dict) -> str:
    """"Uptime monitor Checkout API (https://shop.example/health)", "Cron monitor Nightly
    backup (nightly-backup), run expected at 2026-12-03 02:00 UTC"; "" for no monitor."""
    monitor = message.get("monitor")
    if not monitor:
        return ""
    kind = "Cron" if monitor.get("type") == "cron" else "Uptime"
    name = monitor.get("name") or monitor.get("slug") or "(unnamed)"
    detail = monitor.get("slug") if kind == "Cron" else monitor.get("target")
    line = f"{kind} monitor {name}" + (f" ({detail})" if detail and detail != name else "")
    if monitor.get("expected_at"):
        line += f", run expected at {expected_text(monitor['expected_at'])}"
    return line


def expected_text(iso: str) -> str:
    try:
        return f"{datetime.fromisoformat(iso).astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    except ValueError:
        return iso
