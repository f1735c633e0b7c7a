"""Sentry's issue-alert rules API (Terraform's `sentry_issue_alert`) over our rules and
channels: the round trip Terraform relies on, the mapping, and what hostile input gets.

Terraform reads: internal/apiclient/api.yaml `ProjectRule` (id a string; environment and
owner present, nullable; each entry discriminated by its `id`), internal/provider/
resource_issue_alert.go (POST 200/201, GET/PUT 200, DELETE 202) and
internal/sentrytypes/lossy_json_value.go (every key it configured must come back equal,
numbers and numeric strings alike; more keys are fine).
"""

import pytest

from alerts import actions as alert_actions
from alerts import sentry_rules
from alerts.models import Channel, Rule

RULES = "/api/0/projects/alpha/web/rules/"
OURS = "/api/0/projects/alpha/web/alert-rules/"
FIRST_SEEN = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"
REGRESSION = "sentry.rules.conditions.regression_event.RegressionEventCondition"
FREQUENCY = "sentry.rules.conditions.event_frequency.EventFrequencyCondition"
USERS = "sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition"
LEVEL = "sentry.rules.filters.level.LevelFilter"
AGE = "sentry.rules.filters.age_comparison.AgeComparisonFilter"
TAGGED = "sentry.rules.filters.tagged_event.TaggedEventFilter"
EMAIL = "sentry.mail.actions.NotifyEmailAction"
SLACK = "sentry.integrations.slack.notify_action.SlackNotifyServiceAction"
PAGERDUTY = "sentry.integrations.pagerduty.notify_action.PagerDutyNotifyServiceAction"
SERVICE = "sentry.rules.actions.notify_event_service.NotifyEventServiceAction"


@pytest.fixture
def call(api_call):
    return api_call


@pytest.fixture
def channels(alpha) -> dict[str, Channel]:
    return {
        "slack": alert_actions.create_channel(
            alpha, "slack", "alerts", {"url": "https://hooks.slack.com/services/T/B/x"}),
        "pagerduty": alert_actions.create_channel(
            alpha, "pagerduty", "ops", {"routing_key": "a" * 32}),
        "webhook": alert_actions.create_channel(
            alpha, "webhook", "hook", {"url": "https://hooks.example/in"}),
    }


def terraform_body(channels: dict[str, Channel]) -> dict:
    """What Terraform sends for a typical rule (its legacy JSON attributes pass through as
    written; the *_v2 ones send these types)."""
    return {
        "name": "New errors", "actionMatch": "any", "filterMatch": "all", "frequency": 30,
        "environment": "production", "owner": None, "projects": ["web"],
        "conditions": [
            {"id": FIRST_SEEN},
            {"id": REGRESSION, "name": "The issue changes state from resolved to unresolved"},
            {"id": FREQUENCY, "comparisonType": "count", "value": 100, "interval": "1h"},
            {"id": USERS, "comparisonType": "count", "value": "50", "interval": "15m"}],
        "filters": [
            {"id": LEVEL, "match": "gte", "level": "40"},
            {"id": AGE, "comparison_type": "newer", "value": 3, "time": "day",
             "name": "The issue is newer than 3 day"},
            {"id": TAGGED, "key": "customer", "match": "eq", "value": "acme"}],
        "actions": [
            {"id": EMAIL, "targetType": "IssueOwners", "fallthroughType": "ActiveMembers"},
            {"id": SLACK, "workspace": str(channels["slack"].pk), "channel": "#alerts",
             "tags": "environment,level"},
            {"id": PAGERDUTY, "account": channels["pagerduty"].pk, "service": "ops",
             "severity": "critical"},
            {"id": SERVICE, "service": str(channels["webhook"].pk)}],
    }


def lossy_equal(sent: object, got: object) -> bool:
    """Terraform's LossyJson: every key sent comes back equal; numbers equal their strings."""
    if isinstance(sent, dict):
        return isinstance(got, dict) and all(
            key in got and lossy_equal(value, got[key]) for key, value in sent.items())
    if isinstance(sent, list):
        return (isinstance(got, list) and len(sent) == len(got)
                and all(lossy_equal(a, b) for a, b in zip(sent, got, strict=True)))
    if isinstance(sent, int | float | str) and not isinstance(sent, bool):
        return str(sent) == str(got)
    return sent == got


# --- the round trip ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_what_terraform_posts_it_reads_back(call, alice, channels):
    body = terraform_body(channels)
    created = call(alice, "post", RULES, body)
    assert created.status_code == 201, created.json()
    rule = created.json()
    assert isinstance(rule["id"], str) and rule["projects"] == ["web"]
    read = call(alice, "get", f"{RULES}{rule['id']}/")
    assert read.status_code == 200
    for answer in (rule, read.json()):
        for key in ("name", "actionMatch", "filterMatch", "frequency", "environment",
                    "conditions", "filters", "actions"):
            assert lossy_equal(body[key], answer[key]), (key, body[key], answer[key])
        assert "owner" in answer and answer["owner"] is None


@pytest.mark.django_db
def test_the_answer_has_the_types_terraform_decodes(call, alice, channels):
    rule = call(alice, "post", RULES, terraform_body(channels)).json()
    # internal/apiclient/api.yaml: frequency, condition and filter `value` int64; level a
    # string; PagerDuty `account` a number; Slack `workspace` a string.
    assert isinstance(rule["frequency"], int)
    by_id = {entry["id"]: entry for entry in rule["conditions"] + rule["filters"]
             + rule["actions"]}
    assert isinstance(by_id[FREQUENCY]["value"], int) and by_id[USERS]["value"] == 50
    assert by_id[FREQUENCY]["comparisonType"] == "count"  # camelCase for frequency
    assert by_id[AGE]["comparison_type"] == "newer"  # snake_case for age
    assert isinstance(by_id[AGE]["value"], int) and by_id[LEVEL]["level"] == "40"
    assert isinstance(by_id[PAGERDUTY]["account"], int)
    assert isinstance(by_id[SLACK]["workspace"], str)
    assert all(isinstance(entry["name"], str) for entry in by_id.values())  # Sentry's labels
    assert by_id[REGRESSION]["name"] == "The issue changes state from resolved to unresolved"


@pytest.mark.django_db
def test_the_rule_is_an_ordinary_rule_of_ours(call, alice, alpha, web_project, channels):
    rule_id = call(alice, "post", RULES, terraform_body(channels)).json()["id"]
    rule = Rule.objects.get(pk=rule_id)
    assert rule.triggers == [{"type": "new_issue"}, {"type": "regression"},
                             {"type": "event_frequency", "value": 100, "minutes": 60},
                             {"type": "user_frequency", "value": 50, "minutes": 15}]
    assert rule.filters == {"level": "error", "max_age_minutes": 3 * 1440,
                            "tags": {"customer": "acme"}, "environment": "production"}
    members = Channel.objects.get(organization=alpha, kind="email", config__members=True)
    assert {c.pk for c in rule.channels.all()} == {members.pk, *(c.pk for c in
                                                                  channels.values())}
    assert rule.action_interval_minutes == 30
    ours = call(alice, "get", f"{OURS}{rule_id}/").json()
    assert ours["name"] == "New errors" and len(ours["channels"]) == 4


@pytest.mark.django_db
def test_a_put_replaces_the_rule_and_keeps_its_rate_trigger(call, alice, web_project,
                                                          channels):
    rule_id = call(alice, "post", RULES, terraform_body(channels)).json()["id"]
    rule = Rule.objects.get(pk=rule_id)
    rule.triggers = [*rule.triggers, {"type": "error_rate", "value": 5, "minutes": 5,
                                      "for_minutes": 0}]
    rule.save()
    body = {"name": "Fatal only", "actionMatch": "all", "filterMatch": "any", "frequency": 60,
            "environment": None, "owner": f"user:{alice.pk}",
            "conditions": [{"id": FIRST_SEEN}],
            "filters": [{"id": LEVEL, "match": "eq", "level": "50"}],
            "actions": [{"id": SERVICE, "service": "webhooks"}]}
    changed = call(alice, "put", f"{RULES}{rule_id}/", body)
    assert changed.status_code == 200, changed.json()
    for key in ("name", "actionMatch", "filterMatch", "frequency", "environment", "owner",
                "conditions", "filters", "actions"):
        assert lossy_equal(body[key], changed.json()[key]), key
    rule.refresh_from_db()
    assert rule.triggers == [{"type": "new_issue"}, {"type": "error_rate", "value": 5,
                                                     "minutes": 5, "for_minutes": 0}]
    assert rule.filters == {"level": "fatal", "max_level": "fatal"}
    assert [c.pk for c in rule.channels.all()] == [channels["webhook"].pk]


@pytest.mark.django_db
def test_delete_answers_202_and_the_rule_is_gone(call, alice, channels):
    rule_id = call(alice, "post", RULES, terraform_body(channels)).json()["id"]
    deleted = call(alice, "delete", f"{RULES}{rule_id}/")
    assert deleted.status_code == 202
    assert not Rule.objects.filter(pk=rule_id).exists()
    missing = call(alice, "get", f"{RULES}{rule_id}/")
    assert missing.status_code == 404 and "detail" in missing.json()


# --- rules made elsewhere -------------------------------------------------------------------

@pytest.mark.django_db
def test_the_default_rule_reads_as_sentrys_default(call, bob):
    [rule] = call(bob, "get", RULES).json()
    assert [c["id"] for c in rule["conditions"]] == [FIRST_SEEN, REGRESSION]
    assert rule["filters"] == [] and rule["actionMatch"] == "any"
    [action] = rule["actions"]
    assert action["id"] == EMAIL and action["targetType"] == "IssueOwners"
    assert rule["environment"] is None and rule["owner"] is None


@pytest.mark.django_db
def test_a_rule_changed_on_our_side_is_described_as_it_now_is(call, alice, channels):
    rule_id = call(alice, "post", RULES, terraform_body(channels)).json()["id"]
    changed = call(alice, "put", f"{OURS}{rule_id}/", {
        "triggers": [{"type": "event_frequency", "value": 7, "minutes": 30}],
        "filters": {"level": "warning", "max_level": "error", "release": "1.0",
                    "max_age_minutes": 120},
        "channels": [str(channels["slack"].pk)]})
    assert changed.status_code == 200
    rule = call(alice, "get", f"{RULES}{rule_id}/").json()
    assert rule["conditions"] == [{"id": FREQUENCY, "comparisonType": "count", "value": 7,
                                   "interval": "30m",
                                   "name": "The issue is seen more than 7 times in 30m"}]
    assert [(f["id"], f.get("match"), f.get("level")) for f in rule["filters"]] == [
        (LEVEL, "gte", "30"), (LEVEL, "lte", "40"), (AGE, None, None), (TAGGED, "eq", None)]
    assert rule["filters"][2]["value"] == 2 and rule["filters"][2]["time"] == "hour"
    assert rule["filters"][3]["key"] == "release" and rule["environment"] is None
    [action] = rule["actions"]
    assert action["id"] == SLACK and action["workspace"] == str(channels["slack"].pk)


@pytest.mark.django_db
def test_rate_only_rules_are_not_issue_alerts(call, alice, web_project):
    rate = alert_actions.create_rule(web_project, "rate", [
        {"type": "error_rate", "value": 1, "minutes": 5}])
    assert str(rate.pk) not in [r["id"] for r in call(alice, "get", RULES).json()]
    assert call(alice, "get", f"{RULES}{rate.pk}/").status_code == 404
    assert call(alice, "delete", f"{RULES}{rate.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_member_target_mails_that_member(call, alice, bob, channels):
    body = {**terraform_body(channels),
            "actions": [{"id": EMAIL, "targetType": "Member", "targetIdentifier": str(bob.pk),
                         "fallthroughType": "NoOne"}]}
    created = call(alice, "post", RULES, body)
    assert created.status_code == 201, created.json()
    [channel] = Rule.objects.get(pk=created.json()["id"]).channels.all()
    assert channel.kind == "email" and channel.config == {"addresses": ["bob@example.com"]}


@pytest.mark.django_db
def test_email_without_a_fallthrough_gets_sentrys_default(call, alice, channels):
    body = {**terraform_body(channels), "actions": [{"id": EMAIL, "targetType": "IssueOwners"}]}
    [action] = call(alice, "post", RULES, body).json()["actions"]
    assert action["fallthroughType"] == "ActiveMembers"


@pytest.mark.django_db
def test_terraforms_unset_filter_match_and_computed_names_are_taken(call, alice, channels):
    """Terraform sends an unset `filter_match` as "" and a computed `name` as "" (Go
    `ValueString()` of a null, `ValueStringPointer()` of an unknown)."""
    body = {**terraform_body(channels), "filterMatch": "",
            "conditions": [{"id": FIRST_SEEN, "name": ""}]}
    created = call(alice, "post", RULES, body)
    assert created.status_code == 201, created.json()
    rule = created.json()
    assert rule["filterMatch"] == ""
    assert rule["conditions"] == [{"id": FIRST_SEEN, "name": "A new issue is created"}]


@pytest.mark.django_db
def test_the_list_pages(call, alice, channels):
    for n in range(3):
        call(alice, "post", RULES, {**terraform_body(channels), "name": f"r{n}"})
    first = call(alice, "get", f"{RULES}?limit=2")
    assert len(first.json()) == 2 and 'rel="next"; results="true"' in first["Link"]


# --- refused -------------------------------------------------------------------------------------

UNSUPPORTED = [
    ("conditions", {"id": "sentry.rules.conditions.reappeared_event.ReappearedEventCondition"},
     "ReappearedEventCondition"),
    ("conditions", {"id": "sentry.rules.conditions.event_frequency."
                          "EventFrequencyPercentCondition", "value": 5, "interval": "1h"},
     "EventFrequencyPercentCondition"),
    ("conditions", {"id": FREQUENCY, "comparisonType": "percent", "value": 5,
                    "interval": "1h", "comparisonInterval": "1d"}, "percent"),
    ("conditions", {"id": FREQUENCY, "value": 5, "interval": "30d"}, "interval"),
    ("filters", {"id": "sentry.rules.filters.issue_occurrences.IssueOccurrencesFilter",
                 "value": 10}, "IssueOccurrencesFilter"),
    ("filters", {"id": AGE, "comparison_type": "older", "value": 3, "time": "week"}, "older"),
    ("filters", {"id": "sentry.rules.filters.assigned_to.AssignedToFilter",
                 "targetType": "Unassigned"}, "AssignedToFilter"),
    ("filters", {"id": TAGGED, "key": "url", "match": "co", "value": "x"}, "match eq"),
    ("filters", {"id": LEVEL, "match": "gte", "level": "0"}, "LevelFilter"),
    ("actions", {"id": "sentry.rules.actions.notify_event_sentry_app."
                       "NotifyEventSentryAppAction", "sentryAppInstallationUuid": "x",
                 "hasSchemaFormConfig": False}, "NotifyEventSentryAppAction"),
    ("actions", {"id": EMAIL, "targetType": "Team", "targetIdentifier": "1"}, "Team"),
    ("actions", {"id": EMAIL, "targetType": "Member", "targetIdentifier": "999999"},
     "targetIdentifier"),
    ("actions", {"id": SLACK, "workspace": "999999", "channel": "#x"}, "workspace"),
    ("actions", {"id": PAGERDUTY, "account": "slack", "service": "x", "severity": "info"},
     "account"),
    ("actions", {"id": SERVICE, "service": "opsgenie"}, "service"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("key,entry,named", UNSUPPORTED)
def test_what_we_cannot_honour_is_a_400_that_names_it(call, alice, channels, key, entry,
                                                      named):
    body = {**terraform_body(channels), key: [entry]}
    response = call(alice, "post", RULES, body)
    assert response.status_code == 400, response.json()
    assert named in response.json()["detail"]
    assert Rule.objects.filter(name="New errors").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("changes,named", [
    ({"actionMatch": "all"}, "actionMatch"),  # several conditions: all ≠ any
    ({"actionMatch": "none"}, "actionMatch"),
    ({"actionMatch": ["any"]}, "actionMatch"),
    ({"filterMatch": {"all": 1}}, "filterMatch"),
    ({"filterMatch": "any"}, "filterMatch"),  # several filters: any ≠ all
    ({"conditions": []}, "condition"),
    ({"actions": []}, "action"),
    ({"name": "x" * 101}, "name"),
    ({"name": 5}, "name"),
    ({"name": None}, "name"),
    ({"frequency": "often"}, "frequency"),
    ({"frequency": 10 ** 12}, "frequency"),
    ({"frequency": True}, "frequency"),
    ({"frequency": 0}, "frequency"),
    ({"environment": ["prod"]}, "environment"),
    ({"environment": "e" * 65}, "environment"),
    ({"owner": "team:999"}, "owner"),
    ({"owner": "root"}, "owner"),
    ({"conditions": "FirstSeen"}, "conditions"),
    ({"conditions": [[FIRST_SEEN]]}, "conditions"),
    ({"conditions": [{"name": "no id"}]}, "conditions"),
    ({"conditions": [{"id": FIRST_SEEN, "nested": {"a": 1}}]}, "keys"),
    ({"conditions": [{"id": FIRST_SEEN}] * 21}, "at most"),
    ({"conditions": [{"id": FREQUENCY, "value": -1, "interval": "1h"}]}, "value"),
    ({"conditions": [{"id": FREQUENCY, "value": 10 ** 30, "interval": "1h"}]}, "value"),
    ({"conditions": [{"id": FREQUENCY, "value": "many", "interval": "1h"}]}, "value"),
    ({"filters": [{"id": TAGGED, "key": "k" * 33, "match": "eq", "value": "v"}]}, "key"),
    ({"filters": [{"id": TAGGED, "key": "a", "match": "eq", "value": "1"},
                  {"id": TAGGED, "key": "a", "match": "eq", "value": "2"}]}, "two values"),
    ({"filters": [{"id": AGE, "comparison_type": "newer", "value": 0, "time": "day"}]},
     "value"),
])
def test_malformed_bodies_are_a_400_with_a_detail(call, alice, channels, changes, named):
    response = call(alice, "post", RULES, {**terraform_body(channels), **changes})
    assert response.status_code == 400, response.json()
    assert named in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["[]", '"rule"', "{bad json", "null", "7"])
def test_a_body_that_is_not_an_object_is_a_400(call, alice, raw):
    response = call(alice, "post", RULES, raw=raw)
    assert response.status_code == 400 and "detail" in response.json()


@pytest.mark.django_db
def test_another_organizations_channel_cannot_be_named(call, alice, charlie, channels):
    from errortrack.models import Organization

    beta = Organization.objects.get(slug="beta")
    theirs = alert_actions.create_channel(beta, "slack", "theirs",
                                          {"url": "https://hooks.slack.com/services/T/B/y"})
    body = {**terraform_body(channels),
            "actions": [{"id": SLACK, "workspace": str(theirs.pk), "channel": "#x"}]}
    response = call(alice, "post", RULES, body)
    assert response.status_code == 400 and "workspace" in response.json()["detail"]


# --- tenancy and scopes --------------------------------------------------------------------------

@pytest.mark.django_db
def test_outsiders_get_404_everywhere(call, alice, charlie, web_project, channels):
    rule_id = call(alice, "post", RULES, terraform_body(channels)).json()["id"]
    for method, url in [("get", RULES), ("post", RULES), ("get", f"{RULES}{rule_id}/"),
                        ("put", f"{RULES}{rule_id}/"), ("delete", f"{RULES}{rule_id}/")]:
        body = None if method == "get" else terraform_body(channels)
        response = call(charlie, method, url, body)
        assert response.status_code == 404 and "detail" in response.json(), (method, url)
    assert Rule.objects.filter(pk=rule_id).exists()
    beta_rule = Rule.objects.get(project__slug="web", project__organization__slug="beta")
    assert call(alice, "get", f"{RULES}{beta_rule.pk}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("rule_id", ["abc", "99999999999999999999", "²", "-1", "1.5", "0"])
def test_garbage_rule_ids_are_404(call, alice, rule_id):
    for method in ("get", "put", "delete"):
        response = call(alice, method, f"{RULES}{rule_id}/", {})
        assert response.status_code == 404 and "detail" in response.json()


@pytest.mark.django_db
def test_members_read_but_only_managers_write(call, alice, bob, channels):
    rule_id = call(alice, "post", RULES, terraform_body(channels)).json()["id"]
    assert call(bob, "get", f"{RULES}{rule_id}/").status_code == 200
    for method, url in [("post", RULES), ("put", f"{RULES}{rule_id}/"),
                        ("delete", f"{RULES}{rule_id}/")]:
        response = call(bob, method, url, terraform_body(channels))
        assert response.status_code == 403 and "detail" in response.json(), method


@pytest.mark.django_db
def test_tokens_need_project_scopes(call, alice, channels):
    rule_id = call(alice, "post", RULES, terraform_body(channels)).json()["id"]
    assert call(alice, "get", RULES, scopes=["org:read"]).status_code == 403
    for method, url in [("post", RULES), ("put", f"{RULES}{rule_id}/"),
                        ("delete", f"{RULES}{rule_id}/")]:
        response = call(alice, method, url, terraform_body(channels),
                        scopes=["project:read"])
        assert response.status_code == 403 and "project:write" in response.json()["detail"]


def test_every_supported_entry_has_a_label():
    assert set(sentry_rules.LABELS) == {*sentry_rules.CONDITIONS, *sentry_rules.FILTERS,
                                        *sentry_rules.ACTIONS}
