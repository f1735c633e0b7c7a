"""Where alerts hear about the rest of errortrack, on its bus (errortrack.signals): the
digest's facts, issue changes (a resolution) and new projects. Wired in AlertsConfig.ready()."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alerts import rules
from alerts.delivery import supersede_pending_triggers
from alerts.models import Channel, Delivery, Rule, RuleIssueState
from errortrack import wakeup
from errortrack.models import Issue, Project
from errortrack.signals import Facts, IssueChange, ProjectCreated

# The periodic job that sends due deliveries (errortrack.runtime.jobs); queued messages carry
# the name, so it never changes.
DELIVER_JOB = "alerts.deliver"
MEMBERS_CHANNEL_NAME = "Organization members (email)"
DEFAULT_RULE_NAME = "Email members on new issues and regressions"


def send_soon() -> None:
    """Scale-out: a worker sends at once. Embedded: the background loop's next delivery run
    (ERRORTRACK_DELIVERY_INTERVAL_SECONDS) does."""
    if settings.EMBEDDED:
        return
    transaction.on_commit(lambda: wakeup.wake(DELIVER_JOB))


def on_digest_facts(facts: Facts) -> None:
    if rules.evaluate(facts, timezone.now()):
        send_soon()


def resolve_deliveries(issue: Issue) -> list[Delivery]:
    """Channels that were sent a trigger for `issue` get a resolve. For an error issue only
    PagerDuty (its incident closes, same dedup_key); for a monitor's issue (uptime, cron) every
    channel, as its recovery notice."""
    triggered = Delivery.objects.filter(issue=issue)
    if issue.kind == Issue.Kind.ERROR:
        triggered = triggered.filter(channel__kind=Channel.Kind.PAGERDUTY)
    supersede_pending_triggers(triggered)
    channel_ids = (triggered.filter(action=Delivery.Action.TRIGGER, status=Delivery.Status.SENT)
                   .values_list("channel_id", flat=True).distinct())
    channels = list(Channel.objects.filter(pk__in=list(channel_ids)))
    return rules.enqueue(None, issue, channels, "resolved", action=Delivery.Action.RESOLVE)


def on_issue_changed(change: IssueChange) -> None:
    if change.kind != "status" or change.status != Issue.Status.RESOLVED:
        return
    issue = Issue.objects.filter(pk=change.issue_id).first()
    if issue is None:
        return
    # A resolved issue's next event is a new episode: the rules may fire again at once.
    RuleIssueState.objects.filter(issue=issue).delete()
    if resolve_deliveries(issue):
        send_soon()


@transaction.atomic
def create_default_rule(project: Project) -> Rule:
    """As Sentry does for a new project: email its members on a new issue or a regression."""
    channel, _ = Channel.objects.get_or_create(
        organization=project.organization, kind=Channel.Kind.EMAIL, name=MEMBERS_CHANNEL_NAME,
        defaults={"config": {"members": True}})
    rule = Rule.objects.create(project=project, name=DEFAULT_RULE_NAME,
                               triggers=[{"type": "new_issue"}, {"type": "regression"}])
    rule.channels.add(channel)
    return rule


def on_project_created(created: ProjectCreated) -> None:
    """A project made by errortrack.actions.create_project, committed: its default rule,
    unless its creator asked for none."""
    if not created.default_rules:
        return
    project = Project.objects.select_related("organization").filter(pk=created.project_id).first()
    if project is not None:
        create_default_rule(project)
