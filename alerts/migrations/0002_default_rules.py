"""Projects created before alerts existed get the default rule new projects get (email the
organization's members on a new issue or a regression)."""

from django.db import migrations

MEMBERS_CHANNEL_NAME = "Organization members (email)"
DEFAULT_RULE_NAME = "Email members on new issues and regressions"


def add_default_rules(apps, schema_editor):
    Project = apps.get_model("errortrack", "Project")
    Channel = apps.get_model("alerts", "Channel")
    Rule = apps.get_model("alerts", "Rule")
    for project in Project.objects.all():
        if Rule.objects.filter(project=project).exists():
            continue
        channel, _ = Channel.objects.get_or_create(
            organization_id=project.organization_id, kind="email", name=MEMBERS_CHANNEL_NAME,
            defaults={"config": {"members": True}})
        rule = Rule.objects.create(project=project, name=DEFAULT_RULE_NAME,
                                   triggers=[{"type": "new_issue"}, {"type": "regression"}])
        rule.channels.add(channel)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_channels_rules_deliveries")]
    operations = [migrations.RunPython(add_default_rules, migrations.RunPython.noop)]
