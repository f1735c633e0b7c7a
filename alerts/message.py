"""What a notification says, built once when the delivery is created (so a retry sends the same
message even if the issue changed since): plain JSON, rendered by each notifier."""

from django.conf import settings

from errortrack.models import Issue, Project

LEVELS = ["debug", "info", "warning", "error", "fatal"]
REASONS = {"new_issue": "New issue", "regression": "Regression",
           "event_frequency": "Frequent events", "user_frequency": "Many users affected",
           "error_rate": "Error rate too high",
           "test": "Test notification", "resolved": "Resolved"}


def level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else LEVELS.index("error")


def issue_link(issue: Issue) -> str:
    return f"{settings.BASE_URL}/organizations/{issue.project.organization.slug}/issues/{issue.pk}/"


def issue_message(issue: Issue, reason: str, environment: str = "") -> dict:
    return {
        "reason": reason, "reason_text": REASONS.get(reason, reason),
        "issue_id": str(issue.pk), "short_id": issue.short_id_display,
        "title": issue.title, "culprit": issue.culprit, "level": issue.level,
        "status": issue.status,
        "project": {"id": str(issue.project_id), "slug": issue.project.slug,
                    "name": issue.project.name},
        "organization": issue.project.organization.slug,
        "environment": environment, "release": issue.last_release,
        "count": issue.times_seen, "users": issue.user_count,
        "first_seen": issue.first_seen.isoformat(), "last_seen": issue.last_seen.isoformat(),
        "url": issue_link(issue), "dedup_key": f"errortrack-issue-{issue.pk}",
    }


def rate_message(rule_id: int, project: Project, rate: float, threshold: float,
                 window_minutes: int, environment: str = "") -> dict:
    """A project-level alert: the error rate of `project` (no single issue)."""
    url = f"{settings.BASE_URL}/organizations/{project.organization.slug}/projects/{project.slug}/"
    return {
        "reason": "error_rate", "reason_text": REASONS["error_rate"], "issue_id": "",
        "short_id": project.slug.upper(),
        "title": (f"{project.name}: {rate:.1f} errors/min over {window_minutes} min "
                  f"(threshold {threshold:g})"),
        "culprit": "", "level": "error", "status": "unresolved",
        "project": {"id": str(project.pk), "slug": project.slug, "name": project.name},
        "organization": project.organization.slug, "environment": environment,
        "release": "", "count": round(rate * window_minutes), "users": 0,
        "first_seen": "", "last_seen": "", "url": url, "rate_per_minute": round(rate, 2),
        "dedup_key": f"errortrack-rule-{rule_id}",
    }


def test_message(channel_name: str) -> dict:
    return {"reason": "test", "reason_text": REASONS["test"], "issue_id": "0",
            "short_id": "TEST-1", "title": f"Test notification for {channel_name}",
            "culprit": "errortrack", "level": "info", "status": "unresolved",
            "project": {"id": "0", "slug": "test", "name": "test"}, "organization": "",
            "environment": "", "release": "", "count": 0, "users": 0, "first_seen": "",
            "last_seen": "", "url": settings.BASE_URL, "dedup_key": "errortrack-test"}
