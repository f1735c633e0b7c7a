"""What a notification says, built once when the delivery is created (so a retry sends the same
message even if the issue changed since): plain JSON, rendered by each notifier."""

from django.conf import settings

from errortrack.models import Issue, Project

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


def issue_message(issue: Issue, reason: str, environment: str = "") -> dict:
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
        **extra, "dedup_key": dedup_key,
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
            "last_seen": "", "url": settings.BASE_URL, "dedup_key": "errortrack-test"}
