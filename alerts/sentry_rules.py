"""Sentry's issue-alert rules (`/projects/{org}/{proj}/rules/`, Terraform's `sentry_issue_alert`)
in our terms, and back.

A Sentry rule body becomes a `Plan`: our triggers, filters, channels and action interval,
plus the Sentry entries to answer back (alerts.models.RuleSentryForm). Each entry is keyed by
its Sentry `id` (a Python class path); one we cannot honour is a 400 that names it, never
something silently dropped. How a Sentry action names one of our channels (docs/alerts.md):

- `NotifyEmailAction`: `IssueOwners` (we have no owners, so its `fallthroughType` decides:
  `ActiveMembers`/`AllMembers` mail the organization's members, `NoOne` nobody); `Member` with
  `targetIdentifier` = the user id of a member: an email channel to that user's address.
- `SlackNotifyServiceAction`: `workspace` = the id of one of our Slack channels.
- `PagerDutyNotifyServiceAction`: `account` = the id of one of our PagerDuty channels.
- `NotifyEventServiceAction`: `service` = the id of any of our channels, `mail` (the members),
  or `webhooks` (every webhook channel of the organization).

Reading, a rule last written here answers its stored entries while it is unchanged; a rule
made or changed elsewhere (our pages, our alert-rules API) is described from what it is.
"""

import contextlib
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist, ValidationError

from alerts.message import LEVELS
from alerts.models import Channel, Rule, RuleSentryForm
from errortrack import access
from errortrack.api.serializers import iso
from errortrack.models import Member, Project

FIRST_SEEN = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"
REGRESSION = "sentry.rules.conditions.regression_event.RegressionEventCondition"
EVENT_FREQUENCY = "sentry.rules.conditions.event_frequency.EventFrequencyCondition"
USER_FREQUENCY = "sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition"
LEVEL = "sentry.rules.filters.level.LevelFilter"
AGE = "sentry.rules.filters.age_comparison.AgeComparisonFilter"
TAGGED = "sentry.rules.filters.tagged_event.TaggedEventFilter"
EMAIL = "sentry.mail.actions.NotifyEmailAction"
SLACK = "sentry.integrations.slack.notify_action.SlackNotifyServiceAction"
PAGERDUTY = "sentry.integrations.pagerduty.notify_action.PagerDutyNotifyServiceAction"
SERVICE = "sentry.rules.actions.notify_event_service.NotifyEventServiceAction"

CONDITIONS = {FIRST_SEEN: "new_issue", REGRESSION: "regression",
              EVENT_FREQUENCY: "event_frequency", USER_FREQUENCY: "user_frequency"}
FILTERS = (LEVEL, AGE, TAGGED)
ACTIONS = (EMAIL, SLACK, PAGERDUTY, SERVICE)
# Sentry's intervals that fit our windows (its 30d is beyond our 7-day limit).
INTERVALS = {"1m": 1, "5m": 5, "15m": 15, "1h": 60, "1d": 1440, "1w": 10080}
LEVEL_NUMBERS = {"10": "debug", "20": "info", "30": "warning", "40": "error", "50": "fatal"}
AGE_UNITS = {"week": 10080, "day": 1440, "hour": 60, "minute": 1}  # largest first
FALLTHROUGH = ("ActiveMembers", "AllMembers", "NoOne")
SEVERITIES = ("default", "critical", "error", "warning", "info")
PROJECT_TRIGGERS = ("error_rate", "deploy_guard")  # Sentry's metric alerts, not issue alerts
MAX_ENTRIES = 20
MAX_KEYS = 20
MAX_TEXT = 1000
MAX_NAME = 100  # our rules' names (Terraform allows 256: a longer one is refused, not cut)
MAX_FREQUENCY = 43200
MAX_ENVIRONMENT = 64  # Relay's limit
MAX_TAG_KEY, MAX_TAG_VALUE = 32, 200
MAX_WHOLE = 10 ** 9


@dataclass
class Plan:
    """A Sentry rule body in our terms; channels to find or create are named, not made here
    (alerts.actions.save_sentry_rule makes them)."""

    name: str
    triggers: list[dict]
    filters: dict
    frequency: int
    channels: list[Channel] = field(default_factory=list)
    members_email: bool = False
    addresses: list[str] = field(default_factory=list)
    form: dict = field(default_factory=dict)


# --- reading a body -----------------------------------------------------------------------------

def _short(entry_id: str) -> str:
    return entry_id.rsplit(".", 1)[-1]


def _supported(ids: tuple[str, ...] | dict) -> str:
    return ", ".join(_short(entry_id) for entry_id in ids)


def _entries(body: dict, key: str, required: bool) -> list[dict]:
    """The entries under `key`, each an object with a string `id` and scalar values."""
    raw = body.get(key)
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_ENTRIES:
        raise ValidationError(f"{key} must be a list of at most {MAX_ENTRIES} objects.")
    entries = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise ValidationError(f"Each of {key} must be an object with an id.")
        if len(entry) > MAX_KEYS or not all(_scalar(value) for value in entry.values()):
            raise ValidationError(f"{_short(entry['id'])[:100]}: at most {MAX_KEYS} keys, "
                                  f"each a string, number, boolean or null.")
        if entry.get("name") in (None, ""):  # Terraform sends a computed name as ""
            entry = {key: value for key, value in entry.items() if key != "name"}
        entries.append(dict(entry))
    return entries


def _scalar(value: object) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    return value is None or isinstance(value, bool | int | float)


def _whole(entry: dict, key: str, low: int = 0) -> int:
    """A whole number, as Sentry takes it: a number or a numeric string."""
    value = entry.get(key)
    if isinstance(value, str) and value.strip().isdecimal():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_WHOLE:
        raise ValidationError(f"{_short(entry['id'])}: {key} must be a whole number from "
                              f"{low} to {MAX_WHOLE}.")
    return value


def _text(entry: dict, key: str, limit: int = MAX_TEXT) -> str:
    value = entry.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ValidationError(f"{_short(entry['id'])}: {key} must be a string of 1 to "
                              f"{limit} characters.")
    return value


def _condition(entry: dict) -> dict:
    """Our trigger for one Sentry condition; the entry is normalized in place."""
    kind = CONDITIONS.get(entry["id"])
    if kind is None:
        raise ValidationError(f"Unsupported condition {entry['id'][:200]}: errortrack supports "
                              f"{_supported(CONDITIONS)}.")
    if kind not in ("event_frequency", "user_frequency"):
        return {"type": kind}
    entry.setdefault("comparisonType", "count")
    if entry["comparisonType"] != "count":
        raise ValidationError(f"{_short(entry['id'])}: comparisonType "
                              f"{str(entry['comparisonType'])[:20]!r} is not supported (count is).")
    if entry.get("interval") not in INTERVALS:
        raise ValidationError(f"{_short(entry['id'])}: interval must be one of "
                              f"{', '.join(INTERVALS)}.")
    entry["value"] = _whole(entry, "value")
    return {"type": kind, "value": entry["value"], "minutes": INTERVALS[entry["interval"]]}


def _set_once(filters: dict, key: str, value: object, entry: dict) -> None:
    if filters.get(key, value) != value:
        raise ValidationError(f"{_short(entry['id'])}: it contradicts another filter.")
    filters[key] = value


def _level_filter(entry: dict, filters: dict) -> None:
    level = str(entry.get("level"))
    if level not in LEVEL_NUMBERS or entry.get("match") not in ("eq", "gte", "lte"):
        raise ValidationError(f"LevelFilter: level must be one of {', '.join(LEVEL_NUMBERS)} "
                              f"and match one of eq, gte, lte.")
    entry["level"] = level
    if entry["match"] in ("eq", "gte"):
        _set_once(filters, "level", LEVEL_NUMBERS[level], entry)
    if entry["match"] in ("eq", "lte"):
        _set_once(filters, "max_level", LEVEL_NUMBERS[level], entry)


def _age_filter(entry: dict, filters: dict) -> None:
    if entry.get("comparison_type") != "newer":
        raise ValidationError("AgeComparisonFilter: only comparison_type newer is supported "
                              "(errortrack rules cannot yet require an issue older than).")
    if entry.get("time") not in AGE_UNITS:
        raise ValidationError(f"AgeComparisonFilter: time must be one of {', '.join(AGE_UNITS)}.")
    entry["value"] = _whole(entry, "value", low=1)
    _set_once(filters, "max_age_minutes", entry["value"] * AGE_UNITS[entry["time"]], entry)


def _tagged_filter(entry: dict, filters: dict) -> None:
    if entry.get("match") != "eq":
        raise ValidationError("TaggedEventFilter: only match eq is supported.")
    key, value = _text(entry, "key", MAX_TAG_KEY), _text(entry, "value", MAX_TAG_VALUE)
    entry["value"] = value
    tags = filters.setdefault("tags", {})
    if tags.get(key, value) != value:
        raise ValidationError(f"TaggedEventFilter: two values for the tag {key!r}.")
    tags[key] = value


def _filters(entries: list[dict], environment: object) -> dict:
    filters: dict = {}
    for entry in entries:
        if entry["id"] not in FILTERS:
            raise ValidationError(f"Unsupported filter {entry['id'][:200]}: errortrack "
                                  f"supports {_supported(FILTERS)}.")
        {LEVEL: _level_filter, AGE: _age_filter, TAGGED: _tagged_filter}[entry["id"]](
            entry, filters)
    if environment not in (None, ""):
        if not isinstance(environment, str) or len(environment) > MAX_ENVIRONMENT:
            raise ValidationError(f"environment must be a string of at most "
                                  f"{MAX_ENVIRONMENT} characters, or null.")
        filters["environment"] = environment
    return filters


def _channel(project: Project, entry: dict, key: str, kinds: tuple[str, ...]) -> Channel:
    """The channel of the project's organization that `entry[key]` names by id."""
    raw = entry.get(key)
    pk = access.object_id(str(raw)) if isinstance(raw, str | int) else None
    channel = (Channel.objects.filter(organization_id=project.organization_id, pk=pk,
                                      kind__in=kinds).first() if pk is not None else None)
    if channel is None:
        raise ValidationError(f"{_short(entry['id'])}: {key} {str(raw)[:40]!r} names no "
                              f"{' or '.join(kinds)} channel of this organization.")
    return channel


def _email_action(project: Project, entry: dict, plan: Plan) -> None:
    target = entry.get("targetType")
    entry.setdefault("fallthroughType", "ActiveMembers")  # as Sentry answers it
    if entry["fallthroughType"] not in FALLTHROUGH:
        raise ValidationError(f"NotifyEmailAction: fallthroughType must be one of "
                              f"{', '.join(FALLTHROUGH)}.")
    if target == "IssueOwners":
        plan.members_email = plan.members_email or entry["fallthroughType"] != "NoOne"
    elif target == "Member":
        user_id = access.object_id(str(entry.get("targetIdentifier", "")))
        member = (Member.objects.select_related("user").filter(
            organization_id=project.organization_id, user_id=user_id).first()
            if user_id is not None else None)
        user = member.user if member is not None else None
        if user is None or not user.email:
            raise ValidationError("NotifyEmailAction: targetIdentifier must be the user id of "
                                  "a member of this organization who has an email address.")
        plan.addresses.append(user.email)
    else:
        raise ValidationError(f"NotifyEmailAction: targetType {str(target)[:20]!r} is not "
                              f"supported (IssueOwners and Member are).")


def _service_action(project: Project, entry: dict, plan: Plan) -> None:
    service = entry.get("service")
    if service == "mail":
        plan.members_email = True
    elif service == "webhooks":
        webhooks = list(Channel.objects.filter(organization_id=project.organization_id,
                                               kind=Channel.Kind.WEBHOOK))
        if not webhooks:
            raise ValidationError("NotifyEventServiceAction: this organization has no "
                                  "webhook channel.")
        plan.channels += webhooks
    else:
        plan.channels.append(_channel(project, entry, "service", tuple(Channel.Kind.values)))
    entry["service"] = str(service)


def _action(project: Project, entry: dict, plan: Plan) -> None:
    if entry["id"] == EMAIL:
        _email_action(project, entry, plan)
    elif entry["id"] == SLACK:
        plan.channels.append(_channel(project, entry, "workspace", (Channel.Kind.SLACK,)))
        entry["workspace"] = str(entry["workspace"])  # Terraform decodes a string
        entry["channel"] = _text(entry, "channel")
    elif entry["id"] == PAGERDUTY:
        plan.channels.append(_channel(project, entry, "account", (Channel.Kind.PAGERDUTY,)))
        entry["account"] = int(entry["account"])  # Terraform decodes a number
        entry["service"] = _text(entry, "service")
        entry.setdefault("severity", "default")
        if entry["severity"] not in SEVERITIES:
            raise ValidationError(f"PagerDutyNotifyServiceAction: severity must be one of "
                                  f"{', '.join(SEVERITIES)}.")
    elif entry["id"] == SERVICE:
        _service_action(project, entry, plan)
    else:
        raise ValidationError(f"Unsupported action {entry['id'][:200]}: errortrack supports "
                              f"{_supported(ACTIONS)}.")


def _match(body: dict, key: str, default: str | None, count: int) -> str | None:
    """`all`/`any`/`none` where our rules mean the same: triggers are any-of, filters all-of,
    so another choice is taken only where it cannot differ."""
    value = body.get(key, default)
    if not (value is None or isinstance(value, str)):
        raise ValidationError(f"{key} must be all, any or none.")
    ours = "any" if key == "actionMatch" else "all"
    same: set[str | None] = {ours, *(("all", "any") if count <= 1 else ())}
    if key == "filterMatch":  # optional: Terraform sends "" when it is not set
        same |= {"", None, *(("none",) if count == 0 else ())}
    if value not in same:
        raise ValidationError(f"{key} {str(value)[:20]!r} is not supported here: errortrack "
                              f"rules fire on any condition and need all filters.")
    return value


def _owner(project: Project, owner: object) -> str | None:
    if owner in (None, ""):
        return None
    kind, _, raw = str(owner).partition(":")
    pk = access.object_id(raw)
    organization = project.organization
    exists = pk is not None and (
        (kind == "team" and organization.teams.filter(pk=pk).exists())
        or (kind == "user" and organization.members.filter(user_id=pk).exists()))
    if not exists:
        raise ValidationError("owner must be team:<id> or user:<id> of this organization.")
    return str(owner)


def _frequency(body: dict) -> int:
    value = body.get("frequency", 30)
    if isinstance(value, str) and value.isdecimal():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_FREQUENCY:
        raise ValidationError(f"frequency must be a whole number of minutes from 1 to "
                              f"{MAX_FREQUENCY}.")
    return value


def _name(body: dict) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise ValidationError(f"name must be a string of 1 to {MAX_NAME} characters.")
    return name


def plan(project: Project, body: object) -> Plan:
    """What a POST or PUT body asks for; a ValidationError (a 400) names what we cannot do."""
    if not isinstance(body, dict):
        raise ValidationError("The body must be a JSON object.")
    conditions = _entries(body, "conditions", required=True)
    filters = _entries(body, "filters", required=False)
    actions = _entries(body, "actions", required=True)
    if not conditions:
        raise ValidationError("A rule needs at least one condition.")
    if not actions:
        raise ValidationError("You must add an action for this alert to fire.")
    triggers = [_condition(entry) for entry in conditions]
    result = Plan(name=_name(body), frequency=_frequency(body),
                  triggers=[dict(t) for t in {tuple(t.items()): t for t in triggers}.values()],
                  filters=_filters(filters, body.get("environment")))
    for entry in actions:
        _action(project, entry, result)
    result.channels = list({channel.pk: channel for channel in result.channels}.values())
    result.form = {"conditions": conditions, "filters": filters, "actions": actions,
                   "action_match": _match(body, "actionMatch", None, len(result.triggers)),
                   "filter_match": _match(body, "filterMatch", "all", len(filters)) or "",
                   "owner": _owner(project, body.get("owner"))}
    return result


# --- answering ----------------------------------------------------------------------------------

def issue_triggers(rule: Rule) -> list[dict]:
    return [t for t in rule.triggers if t["type"] not in PROJECT_TRIGGERS]


def is_issue_rule(rule: Rule) -> bool:
    """Rules with issue triggers are Sentry's issue alerts; rate and deploy rules are not."""
    return bool(issue_triggers(rule))


def signature(rule: Rule) -> dict:
    """What the rule means, to tell whether its stored Sentry form still describes it."""
    return {"triggers": issue_triggers(rule), "filters": rule.filters,
            "channels": sorted(channel.pk for channel in rule.channels.all())}


def _interval_code(minutes: int) -> str:
    return next((code for code, length in INTERVALS.items() if length == minutes),
                f"{minutes}m")


def derived_conditions(rule: Rule) -> list[dict]:
    ids = {kind: entry_id for entry_id, kind in CONDITIONS.items()}
    conditions = []
    for trigger in issue_triggers(rule):
        entry: dict = {"id": ids[trigger["type"]]}
        if "minutes" in trigger:
            entry |= {"comparisonType": "count", "value": trigger["value"],
                      "interval": _interval_code(trigger["minutes"])}
        conditions.append(entry)
    return conditions


def _level_number(level: str) -> str:
    return next(number for number, name in LEVEL_NUMBERS.items() if name == level)


def derived_filters(rule: Rule) -> list[dict]:
    ours, filters = rule.filters, []
    low, high = ours.get("level"), ours.get("max_level")
    for match, level in ([("eq", low)] if low == high else [("gte", low), ("lte", high)]):
        if level in LEVELS and level in LEVEL_NUMBERS.values():
            filters.append({"id": LEVEL, "match": match, "level": _level_number(level)})
    if ours.get("max_age_minutes"):
        minutes = ours["max_age_minutes"]
        unit = next(unit for unit, length in AGE_UNITS.items() if minutes % length == 0)
        filters.append({"id": AGE, "comparison_type": "newer",
                        "value": minutes // AGE_UNITS[unit], "time": unit})
    tags = dict(ours.get("tags") or {})
    if ours.get("release"):
        tags.setdefault("release", ours["release"])
    filters += [{"id": TAGGED, "key": key, "match": "eq", "value": value}
                for key, value in tags.items()]
    return filters


def derived_actions(rule: Rule) -> list[dict]:
    actions: list[dict] = []
    for channel in sorted(rule.channels.all(), key=lambda c: c.pk):
        if channel.kind == Channel.Kind.EMAIL and channel.config.get("members"):
            actions.append({"id": EMAIL, "targetType": "IssueOwners",
                            "fallthroughType": "ActiveMembers"})
        elif channel.kind == Channel.Kind.SLACK:
            actions.append({"id": SLACK, "workspace": str(channel.pk), "channel": channel.name})
        elif channel.kind == Channel.Kind.PAGERDUTY:
            actions.append({"id": PAGERDUTY, "account": channel.pk, "service": channel.name,
                            "severity": "default"})
        else:
            actions.append({"id": SERVICE, "service": str(channel.pk)})
    return actions


LABELS = {
    FIRST_SEEN: "A new issue is created",
    REGRESSION: "The issue changes state from resolved to unresolved",
    EVENT_FREQUENCY: "The issue is seen more than {value} times in {interval}",
    USER_FREQUENCY: "The issue is seen by more than {value} users in {interval}",
    LEVEL: "The event's level is {match} {level}",
    AGE: "The issue is {comparison_type} than {value} {time}",
    TAGGED: "The event's tags match {key} {match} {value}",
    EMAIL: "Send a notification to {targetType}",
    SLACK: "Send a notification to the Slack channel {channel}",
    PAGERDUTY: "Send a notification to PagerDuty service {service}",
    SERVICE: "Send a notification via {service}",
}


def labelled(entries: list[dict]) -> list[dict]:
    """Each entry with a `name` as Sentry adds one (the client's own name is kept)."""
    out = []
    for entry in entries:
        label = LABELS.get(entry["id"], "")
        with contextlib.suppress(KeyError, IndexError, ValueError):
            label = label.format(**entry)
        out.append({"name": label, **entry})
    return out


def sentry_form(rule: Rule) -> RuleSentryForm | None:
    try:
        return rule.sentry_form
    except ObjectDoesNotExist:
        return None


def rule_json(rule: Rule) -> dict:
    """Sentry's rule JSON: `id` a string, `environment` and `owner` present even when null,
    `conditions`/`filters`/`actions` keyed by `id` (Terraform: internal/apiclient/api.yaml
    `ProjectRule`)."""
    form = sentry_form(rule)
    live = form if form is not None and form.signature == signature(rule) else None
    return {
        "id": str(rule.pk), "name": rule.name, "projects": [rule.project.slug],
        "actionMatch": live.action_match if live else "any",
        "filterMatch": live.filter_match if live else "all",
        "frequency": rule.action_interval_minutes,
        "environment": rule.filters.get("environment"),
        "owner": form.owner if form is not None else None,
        "conditions": labelled(live.conditions if live else derived_conditions(rule)),
        "filters": labelled(live.filters if live else derived_filters(rule)),
        "actions": labelled(live.actions if live else derived_actions(rule)),
        "status": "active" if rule.is_active else "disabled", "snooze": False,
        "createdBy": None, "dateCreated": iso(rule.created_at),
    }


# --- the workflow form (Sentry's workflow engine: /organizations/{org}/workflows/) ------------
# One of our issue rules is one workflow: its conditions the `triggers` group, its filters and
# actions one `actionFilters` group. Our rules have no rows per condition or action, so their
# ids are made up from the rule's id and stay the same while the rule does.

WORKFLOW_CONDITIONS = {FIRST_SEEN: "first_seen_event", REGRESSION: "regression_event",
                       EVENT_FREQUENCY: "event_frequency_count",
                       USER_FREQUENCY: "event_unique_user_frequency_count",
                       LEVEL: "level", AGE: "age_comparison", TAGGED: "tagged_event"}
WORKFLOW_ACTIONS = {EMAIL: "email", SLACK: "slack", PAGERDUTY: "pagerduty", SERVICE: "webhook"}
# Sentry's group logic for a rule's actionMatch/filterMatch ("any" stops at the first match).
LOGIC = {"any": "any-short", "all": "all", "none": "none", "": "all", None: "any-short"}


def _workflow_condition(entry: dict, entry_id: str) -> dict:
    """`comparison` is the entry's settings (Sentry's `true` where there are none)."""
    settings = {key: value for key, value in entry.items()
                if key not in ("id", "name", "comparisonType")}
    if entry["id"] == LEVEL and str(settings.get("level", "")).isdecimal():
        settings["level"] = int(settings["level"])
    return {"id": entry_id, "type": WORKFLOW_CONDITIONS.get(entry["id"], _short(entry["id"])),
            "comparison": settings or True, "conditionResult": True}


def _workflow_action(entry: dict, entry_id: str) -> dict:
    """Sentry's action: where it goes in `config`, the rest in `data`."""
    integration, data = None, {}
    if entry["id"] == EMAIL and entry.get("targetType") == "Member":
        config = {"targetType": "user", "targetIdentifier": str(entry.get("targetIdentifier")),
                  "targetDisplay": None}
    elif entry["id"] == EMAIL:
        config = {"targetType": "issue_owners", "targetIdentifier": None, "targetDisplay": None}
        data = {"fallthroughType": entry.get("fallthroughType", "ActiveMembers")}
    elif entry["id"] in (SLACK, PAGERDUTY):
        target = entry.get("channel" if entry["id"] == SLACK else "service")
        integration = str(entry.get("workspace" if entry["id"] == SLACK else "account"))
        config = {"targetType": "specific", "targetIdentifier": target, "targetDisplay": target}
        if entry["id"] == PAGERDUTY:
            data = {"priority": entry.get("severity", "default")}
    else:
        config = {"targetType": "specific", "targetIdentifier": str(entry.get("service")),
                  "targetDisplay": None}
    return {"id": entry_id, "type": WORKFLOW_ACTIONS.get(entry["id"], _short(entry["id"])),
            "integrationId": integration, "config": config, "data": data, "status": "active"}


def workflow_json(rule: Rule, last_triggered: datetime | None) -> dict:
    """An issue rule as Sentry's workflow serializer answers it, plus the issue-alert fields
    (`conditions`, `filters`, `actions`, `actionMatch`, …) the MCP server also reads. Each
    project has one issue stream, so `detectorIds` is the project's id (as a string)."""
    issue_alert = rule_json(rule)
    pk, organization_id = rule.pk, str(rule.project.organization_id)
    triggers = {"id": f"{pk}-when", "organizationId": organization_id,
                "logicType": LOGIC.get(issue_alert["actionMatch"], "any-short"),
                "conditions": [_workflow_condition(entry, f"{pk}-when-{n}")
                               for n, entry in enumerate(issue_alert["conditions"])],
                "actions": []}
    action_filter = {"id": f"{pk}-if", "organizationId": organization_id,
                     "logicType": LOGIC.get(issue_alert["filterMatch"], "all"),
                     "conditions": [_workflow_condition(entry, f"{pk}-if-{n}")
                                    for n, entry in enumerate(issue_alert["filters"])],
                     "actions": [_workflow_action(entry, f"{pk}-action-{n}")
                                 for n, entry in enumerate(issue_alert["actions"])]}
    return {**issue_alert, "organizationId": organization_id,
            "dateUpdated": issue_alert["dateCreated"],  # our rules keep no time of change
            "triggers": triggers, "actionFilters": [action_filter],
            "config": {"frequency": rule.action_interval_minutes},
            "detectorIds": [str(rule.project_id)], "enabled": rule.is_active,
            "lastTriggered": iso(last_triggered)}
