"""The alerts API under /api/0/: channels (per organization), rules and delivery history (per
project), test notifications, and snoozing an issue's alerts. Thin views: reads through
alerts.access and errortrack.access (404 for other tenants), writes through alerts.actions."""

from django.db import transaction
from django.http import Http404
from rest_framework import serializers as drf
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts import access as alert_access
from alerts import actions, sentry_rules
from alerts.delivery import for_project
from alerts.models import Channel, Delivery, Rule
from alerts.notifiers import NOTIFIERS
from errortrack import access
from errortrack.api.organizations import valid
from errortrack.api.pagination import paginate
from errortrack.api.schema import detail, extend_schema, listing, query
from errortrack.api.serializers import iso
from errortrack.models import Project


def redacted(channel: Channel) -> dict:
    """Channel settings without their secrets (shown in full only when created)."""
    config = dict(channel.config)
    for key in ("secret", "routing_key"):
        if key in config:
            config[key] = "…" + str(config[key])[-4:]
    if channel.kind == Channel.Kind.SLACK and "url" in config:
        config["url"] = config["url"].split("/services/")[0] + "/…"
    return config


def channel_json(channel: Channel, reveal: bool = False) -> dict:
    return {"id": str(channel.pk), "name": channel.name, "kind": channel.kind,
            "config": channel.config if reveal else redacted(channel),
            "isFailing": channel.is_failing, "lastError": channel.last_error or None,
            "dateCreated": iso(channel.created_at)}


def rule_json(rule: Rule) -> dict:
    return {"id": str(rule.pk), "name": rule.name, "triggers": rule.triggers,
            "filters": rule.filters, "channels": [str(c.pk) for c in rule.channels.all()],
            "actionIntervalMinutes": rule.action_interval_minutes, "isActive": rule.is_active,
            "dateCreated": iso(rule.created_at)}


def delivery_json(delivery: Delivery) -> dict:
    return {"id": str(delivery.pk),
            "channel": {"id": str(delivery.channel_id), "name": delivery.channel.name,
                        "kind": delivery.channel.kind},
            "rule": str(delivery.rule_id) if delivery.rule_id else None,
            "issue": str(delivery.issue_id) if delivery.issue_id else None,
            "action": delivery.action, "reason": delivery.reason, "status": delivery.status,
            "attempts": delivery.attempts, "responseCode": delivery.response_code,
            "error": delivery.error or None, "durationMs": delivery.duration_ms,
            "dateCreated": iso(delivery.created_at), "dateSent": iso(delivery.sent_at),
            "nextAttemptAt": iso(delivery.next_attempt_at)
            if delivery.status == Delivery.Status.PENDING else None,
            "tries": [{"number": t.number, "outcome": t.outcome,
                       "responseCode": t.response_code, "error": t.error or None,
                       "durationMs": t.duration_ms, "date": iso(t.attempted_at)}
                      for t in delivery.tries.all()]}


class ChannelInput(drf.Serializer):
    name = drf.CharField(max_length=100, required=False, allow_blank=True)
    kind = drf.ChoiceField(sorted(NOTIFIERS), required=False)
    config = drf.DictField(required=False)


class RuleInput(drf.Serializer):
    name = drf.CharField(max_length=100, required=False, allow_blank=True)
    triggers = drf.ListField(child=drf.DictField(), required=False, max_length=10)
    filters = drf.DictField(required=False)
    channels = drf.ListField(child=drf.CharField(max_length=20), required=False, max_length=20)
    actionIntervalMinutes = drf.IntegerField(required=False, min_value=1, max_value=43200)
    isActive = drf.BooleanField(required=False)


class SnoozeInput(drf.Serializer):
    minutes = drf.IntegerField(min_value=1, max_value=actions.MAX_SNOOZE_MINUTES)


class ChannelList(APIView):
    required_scopes = {"GET": "org:read", "POST": "org:write"}

    @listing()
    def get(self, request: Request, org_slug: str) -> Response:
        organization = access.get_organization_for_user(request.user, org_slug)
        page = paginate(request, Channel.objects.filter(organization=organization)
                        .order_by("name", "id"))
        return Response([channel_json(c) for c in page.items], headers={"Link": page.link})

    @detail(request=ChannelInput, status=201)
    def post(self, request: Request, org_slug: str) -> Response:
        organization = access.get_rw_organization_for_user(request.user, org_slug)
        body = valid(ChannelInput, request.data)
        if "kind" not in body:
            raise ParseError("kind is required.")
        channel = actions.create_channel(organization, body["kind"], body.get("name", ""),
                                         body.get("config", {}))
        channel.refresh_from_db()
        return Response(channel_json(channel, reveal=True), status=201)


class ChannelDetail(APIView):
    required_scopes = {"GET": "org:read", "PUT": "org:write", "DELETE": "org:write"}

    @detail()
    def get(self, request: Request, org_slug: str, channel_id: str) -> Response:
        return Response(channel_json(
            alert_access.get_channel_for_user(request.user, org_slug, channel_id)))

    @detail(request=ChannelInput)
    def put(self, request: Request, org_slug: str, channel_id: str) -> Response:
        channel = alert_access.get_rw_channel_for_user(request.user, org_slug, channel_id)
        body = valid(ChannelInput, request.data)
        channel = actions.update_channel(channel, body.get("name"), body.get("config"))
        return Response(channel_json(channel, reveal="config" in body))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, org_slug: str, channel_id: str) -> Response:
        actions.delete_channel(
            alert_access.get_rw_channel_for_user(request.user, org_slug, channel_id))
        return Response(status=204)


class ChannelTest(APIView):
    """Queue a test notification; its outcome shows in the delivery history."""

    required_scopes = {"POST": "org:write"}

    @detail(status=202)
    def post(self, request: Request, org_slug: str, channel_id: str) -> Response:
        channel = alert_access.get_rw_channel_for_user(request.user, org_slug, channel_id)
        delivery = actions.send_test_notification(channel)
        return Response({"delivery": str(delivery.pk)}, status=202)


def rule_channels(project: Project, ids: list[str]) -> list[Channel]:
    channel_ids = access.object_ids(ids)
    if channel_ids is None:
        raise ParseError("channels must be channel ids.")
    channels = list(Channel.objects.filter(organization=project.organization,
                                           pk__in=channel_ids))
    if len(channels) != len(set(ids)):
        raise ParseError("channels must be channels of this organization.")
    return channels


class RuleList(APIView):
    required_scopes = {"GET": "project:read", "POST": "project:write"}

    @listing()
    def get(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        page = paginate(request, Rule.objects.filter(project=project)
                        .prefetch_related("channels").order_by("id"))
        return Response([rule_json(r) for r in page.items], headers={"Link": page.link})

    @detail(request=RuleInput, status=201)
    def post(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_rw_project_for_user(request.user, org_slug, project_slug)
        body = valid(RuleInput, request.data)
        with transaction.atomic():
            rule = actions.create_rule(
                project, body.get("name", ""), body.get("triggers", []), body.get("filters"),
                rule_channels(project, body.get("channels", [])),
                body.get("actionIntervalMinutes", 60))
        return Response(rule_json(rule), status=201)


class RuleDetail(APIView):
    required_scopes = {"GET": "project:read", "PUT": "project:write",
                       "DELETE": "project:write"}

    @detail()
    def get(self, request: Request, org_slug: str, project_slug: str, rule_id: str) -> Response:
        return Response(rule_json(alert_access.get_rule_for_user(
            request.user, org_slug, project_slug, rule_id)))

    @detail(request=RuleInput)
    def put(self, request: Request, org_slug: str, project_slug: str, rule_id: str) -> Response:
        rule = alert_access.get_rw_rule_for_user(request.user, org_slug, project_slug, rule_id)
        body = valid(RuleInput, request.data)
        channel_ids = body.get("channels")
        with transaction.atomic():
            rule = actions.update_rule(
                rule, body.get("name"), body.get("triggers"), body.get("filters"),
                None if channel_ids is None else rule_channels(rule.project, channel_ids),
                body.get("actionIntervalMinutes"), body.get("isActive"))
        return Response(rule_json(rule))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, org_slug: str, project_slug: str,
               rule_id: str) -> Response:
        actions.delete_rule(
            alert_access.get_rw_rule_for_user(request.user, org_slug, project_slug, rule_id))
        return Response(status=204)


class DeliveryList(APIView):
    """A project's delivery history, newest first (`?status=pending|sent|failed`)."""

    required_scopes = {"GET": "project:read"}

    @listing(query("status", "pending, sent or failed"))
    def get(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        deliveries = for_project(project).select_related("channel")
        status = request.query_params.get("status")
        if status:
            if status not in Delivery.Status.values:
                raise ParseError("status must be pending, sent or failed.")
            deliveries = deliveries.filter(status=status)
        page = paginate(request, deliveries.prefetch_related("tries")
                        .order_by("-created_at", "-id"))
        return Response([delivery_json(d) for d in page.items], headers={"Link": page.link})


class IssueAlertSnooze(APIView):
    """Pause an issue's alerts for `minutes` (POST) or resume them (DELETE)."""

    required_scopes = {"POST": "event:write", "DELETE": "event:write"}

    @detail(request=SnoozeInput, status=201)
    def post(self, request: Request, org_slug: str, issue_id: str) -> Response:
        issue = access.get_rw_issue_for_user(request.user, issue_id, org_slug)
        snooze = actions.snooze_issue_alerts(issue, valid(SnoozeInput, request.data)["minutes"],
                                             access.signed_in_user(request))
        return Response({"issue": str(issue.pk), "until": iso(snooze.until)}, status=201)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, org_slug: str, issue_id: str) -> Response:
        actions.unsnooze_issue_alerts(access.get_rw_issue_for_user(request.user, issue_id,
                                                                   org_slug))
        return Response(status=204)


# --- Sentry's issue-alert rules (Terraform's sentry_issue_alert; alerts.sentry_rules) --------

class SentryRuleInput(drf.Serializer):
    """Described for the schema; alerts.sentry_rules.plan checks the body (a 400 names what
    errortrack cannot do)."""

    name = drf.CharField(max_length=sentry_rules.MAX_NAME)
    actionMatch = drf.ChoiceField(["any", "all", "none"])
    filterMatch = drf.ChoiceField(["all", "any", "none"], required=False)
    frequency = drf.IntegerField(min_value=1, max_value=sentry_rules.MAX_FREQUENCY,
                                 required=False, help_text="Minutes between notifications")
    environment = drf.CharField(allow_null=True, required=False)
    owner = drf.CharField(allow_null=True, required=False, help_text="team:<id> or user:<id>")
    projects = drf.ListField(child=drf.CharField(), required=False)
    conditions = drf.ListField(child=drf.DictField())
    filters = drf.ListField(child=drf.DictField(), required=False)
    actions = drf.ListField(child=drf.DictField())


def _issue_rule(rule: Rule) -> Rule:
    """Rate and deploy rules are Sentry's metric alerts: not found among issue alerts."""
    if not sentry_rules.is_issue_rule(rule):
        raise Http404("No such rule.")
    return rule


def _reloaded(rule: Rule) -> Rule:
    return (Rule.objects.select_related("project", "sentry_form")
            .prefetch_related("channels").get(pk=rule.pk))


class SentryRuleList(APIView):
    required_scopes = {"GET": "project:read", "POST": "project:write"}

    @listing()
    def get(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        rules = [rule for rule in Rule.objects.filter(project=project)
                 .select_related("project", "sentry_form").prefetch_related("channels")
                 .order_by("id") if sentry_rules.is_issue_rule(rule)]
        page = paginate(request, rules)
        return Response([sentry_rules.rule_json(r) for r in page.items],
                        headers={"Link": page.link})

    @detail(request=SentryRuleInput, status=201)
    def post(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_rw_project_for_user(request.user, org_slug, project_slug)
        rule = actions.save_sentry_rule(project, sentry_rules.plan(project, request.data))
        return Response(sentry_rules.rule_json(_reloaded(rule)), status=201)


class SentryRuleDetail(APIView):
    """A PUT replaces the rule as Terraform sends it: every field, as for a POST."""

    required_scopes = {"GET": "project:read", "PUT": "project:write",
                       "DELETE": "project:write"}

    @detail()
    def get(self, request: Request, org_slug: str, project_slug: str, rule_id: str) -> Response:
        rule = _issue_rule(alert_access.get_rule_for_user(request.user, org_slug, project_slug,
                                                          rule_id))
        return Response(sentry_rules.rule_json(_reloaded(rule)))

    @detail(request=SentryRuleInput)
    def put(self, request: Request, org_slug: str, project_slug: str, rule_id: str) -> Response:
        rule = _issue_rule(alert_access.get_rw_rule_for_user(request.user, org_slug,
                                                             project_slug, rule_id))
        rule = actions.save_sentry_rule(rule.project, sentry_rules.plan(rule.project,
                                                                        request.data), rule)
        return Response(sentry_rules.rule_json(_reloaded(rule)))

    @extend_schema(responses={202: None})
    def delete(self, request: Request, org_slug: str, project_slug: str,
               rule_id: str) -> Response:
        """202, as Sentry answers (Terraform requires it)."""
        actions.delete_rule(_issue_rule(alert_access.get_rw_rule_for_user(
            request.user, org_slug, project_slug, rule_id)))
        return Response(status=202)
