"""Alert settings pages: an organization's channels (create, test, delete; failing ones
shown with their error) and a project's rules and delivery history. Thin views: reads through
the access helpers (404 for other tenants), writes through alerts.actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alerts import access as alert_access
from alerts import actions
from alerts.delivery import for_project
from alerts.models import Channel, Rule
from alerts.rules import TRIGGERS
from errortrack import access
from errortrack.models import Project

SIMPLE_TRIGGERS = ("new_issue", "regression")
HISTORY_SHOWN = 50


def _channel_config(kind: str, post: dict) -> dict:
    if kind == Channel.Kind.EMAIL:
        return {"addresses": [a.strip() for a in post.get("addresses", "").split(",")
                              if a.strip()]}
    if kind == Channel.Kind.PAGERDUTY:
        return {"routing_key": post.get("routing_key", "").strip()}
    config = {"url": post.get("url", "").strip()}
    if kind == Channel.Kind.WEBHOOK and post.get("secret"):
        config["secret"] = post["secret"]
    return config


@login_required
def channel_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = access.get_organization_for_user(request.user, org_slug)
    membership = access.get_membership(request.user, organization)
    return render(request, "alerts/channels.html", {
        "organization": organization, "channels": organization.alert_channels.order_by("name"),
        "kinds": Channel.Kind.choices,
        "can_manage": membership is not None and membership.can_manage})


@login_required
@require_POST
def channel_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = access.get_rw_organization_for_user(request.user, org_slug)
    kind = request.POST.get("kind", "")
    try:
        channel = actions.create_channel(organization, kind, request.POST.get("name", ""),
                                         _channel_config(kind, request.POST))
        messages.success(request, f"Channel {channel.name} created.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("alert-channels", org_slug=org_slug)


@login_required
@require_POST
def channel_change(request: HttpRequest, org_slug: str, channel_id: str) -> HttpResponse:
    """`do=test` queues a test notification, `do=edit` saves the form, `do=delete` deletes
    the channel."""
    channel = alert_access.get_rw_channel_for_user(request.user, org_slug, channel_id)
    action = request.POST.get("do")
    if action == "delete":
        actions.delete_channel(channel)
        messages.success(request, f"Channel {channel.name} deleted.")
    elif action == "edit":
        config = _channel_config(channel.kind, request.POST)
        if channel.kind == Channel.Kind.WEBHOOK and "secret" not in config:
            config["secret"] = channel.config.get("secret")  # kept unless replaced
        if channel.kind == Channel.Kind.EMAIL and channel.config.get("members"):
            config = {"members": True}
        try:
            actions.update_channel(channel, request.POST.get("name"), config)
            messages.success(request, f"Channel {channel.name} saved.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        actions.send_test_notification(channel)
        messages.success(request, f"Test notification to {channel.name} queued; its outcome "
                                  "shows in the projects' delivery history.")
    return redirect("alert-channels", org_slug=org_slug)


def _rule_triggers(post: dict) -> list[dict]:
    triggers: list[dict] = [{"type": kind} for kind in SIMPLE_TRIGGERS if post.get(kind)]
    for kind in ("event_frequency", "user_frequency"):
        value, minutes = post.get(f"{kind}_value", ""), post.get(f"{kind}_minutes", "")
        if value.strip():
            if not (value.strip().isdecimal() and minutes.strip().isdecimal()):
                raise ValidationError(f"{kind}: enter whole numbers.")
            triggers.append({"type": kind, "value": int(value), "minutes": int(minutes)})
    return triggers


NEW_RULE_FORM = {"name": "", "new_issue": True, "regression": True, "event_frequency_value": "",
                 "event_frequency_minutes": 5, "user_frequency_value": "",
                 "user_frequency_minutes": 60, "level": "", "max_level": "", "environment": "",
                 "release": "", "channel_ids": set(), "interval": 60}


def rule_form_values(rule: Rule) -> dict:
    """The rule form, filled in with `rule` (for its edit form)."""
    values = {**NEW_RULE_FORM, "name": rule.name, "interval": rule.action_interval_minutes,
              "channel_ids": {c.pk for c in rule.channels.all()},
              "new_issue": False, "regression": False}
    for trigger in rule.triggers:
        if trigger["type"] in SIMPLE_TRIGGERS:
            values[trigger["type"]] = True
        elif trigger["type"] in ("event_frequency", "user_frequency"):
            values[f"{trigger['type']}_value"] = trigger["value"]
            values[f"{trigger['type']}_minutes"] = trigger["minutes"]
    values.update({key: rule.filters.get(key, "") for key in ("level", "max_level",
                                                              "environment", "release")})
    return values


@login_required
def rule_list(request: HttpRequest, org_slug: str, project_slug: str) -> HttpResponse:
    project = access.get_project_for_user(request.user, org_slug, project_slug)
    membership = access.get_membership(request.user, project.organization)
    return render(request, "alerts/rules.html", {
        "project": project, "can_manage": membership is not None and membership.can_manage,
        "rules": [(rule, rule_form_values(rule)) for rule in Rule.objects.filter(
            project=project).prefetch_related("channels").order_by("id")],
        "new_form": NEW_RULE_FORM,
        "channels": project.organization.alert_channels.order_by("name"),
        "deliveries": for_project(project).select_related("channel")
        .order_by("-created_at", "-id")[:HISTORY_SHOWN],
        "triggers": TRIGGERS, "levels": ["debug", "info", "warning", "error", "fatal"]})


def _rule_form(project: Project, post: QueryDict) -> dict:
    """The rule form's fields as alerts.actions arguments (validated there)."""
    channel_ids = [pk for i in post.getlist("channels")
                   if (pk := access.object_id(i)) is not None]
    interval = post.get("interval", "60")
    return {"name": post.get("name", ""), "triggers": _rule_triggers(post),
            "filters": {key: post[key] for key in ("level", "max_level", "environment",
                                                     "release") if post.get(key)},
            "channels": list(Channel.objects.filter(organization=project.organization,
                                                    pk__in=channel_ids)),
            "action_interval_minutes": int(interval) if interval.isdecimal() else 0}


@login_required
@require_POST
def rule_create(request: HttpRequest, org_slug: str, project_slug: str) -> HttpResponse:
    project = access.get_rw_project_for_user(request.user, org_slug, project_slug)
    try:
        actions.create_rule(project, **_rule_form(project, request.POST))
        messages.success(request, "Rule created.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("alert-rules", org_slug=org_slug, project_slug=project_slug)


@login_required
@require_POST
def rule_change(request: HttpRequest, org_slug: str, project_slug: str,
                rule_id: str) -> HttpResponse:
    """`do=delete`, `do=pause`, `do=resume`, or `do=edit` with the rule form's fields."""
    rule = alert_access.get_rw_rule_for_user(request.user, org_slug, project_slug, rule_id)
    action = request.POST.get("do")
    if action == "delete":
        actions.delete_rule(rule)
    elif action in ("pause", "resume"):
        actions.update_rule(rule, is_active=action == "resume")
    elif action == "edit":
        try:
            actions.update_rule(rule, **_rule_form(rule.project, request.POST))
            messages.success(request, f"Rule {rule.name} saved.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("alert-rules", org_slug=org_slug, project_slug=project_slug)
