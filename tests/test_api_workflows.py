"""Sentry's workflow-engine API over our issue rules, as the MCP server's find_alert_rules and
get_alert_rule read it: `?projectSlug=…&sortBy=-id[&query=name:"*…*"][&per_page=…]` and
`?projectSlug=…&id=…&per_page=1`; they parse IssueAlertRuleListSchema (index.cjs) and keep
the workflows whose `detectorIds` is not empty (filterAttachedIssueAlertRules)."""

import pytest

from alerts import actions as alert_actions
from alerts import sentry_rules
from alerts.listeners import DEFAULT_RULE_NAME
from alerts.models import Channel, Rule, RuleIssueState
from errortrack import tokens
from tests.factories import digest_events, error_event, make_project

WORKFLOWS = "/api/0/organizations/alpha/workflows/"
FIRST_SEEN = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"
FREQUENCY = "sentry.rules.conditions.event_frequency.EventFrequencyCondition"
LEVEL = "sentry.rules.filters.level.LevelFilter"
TAGGED = "sentry.rules.filters.tagged_event.TaggedEventFilter"
SLACK = "sentry.integrations.slack.notify_action.SlackNotifyServiceAction"
PAGERDUTY = "sentry.integrations.pagerduty.notify_action.PagerDutyNotifyServiceAction"


@pytest.fixture
def call(api_call):
    return lambda user, url, scopes=tokens.SCOPES: api_call(user, "get", url, scopes=scopes)


def rule(project, name: str, **extra) -> Rule:
    return alert_actions.create_rule(project, name, [{"type": "new_issue"}], **extra)


def terraform_rule(project, slack: Channel, pagerduty: Channel) -> Rule:
    """A rule written through Sentry's rules API, so its stored entries are answered."""
    body = {"name": "Critical errors", "actionMatch": "any", "filterMatch": "all",
            "frequency": 15, "environment": "production",
            "conditions": [{"id": FIRST_SEEN},
                           {"id": FREQUENCY, "comparisonType": "count", "value": 100,
                            "interval": "1h"}],
            "filters": [{"id": LEVEL, "match": "gte", "level": "40"},
                        {"id": TAGGED, "key": "customer", "match": "eq", "value": "acme"}],
            "actions": [{"id": SLACK, "workspace": str(slack.pk), "channel": "#alerts"},
                        {"id": PAGERDUTY, "account": pagerduty.pk, "service": "ops",
                         "severity": "critical"}]}
    return alert_actions.save_sentry_rule(project, sentry_rules.plan(project, body))


def names(response) -> list[str]:
    return [workflow["name"] for workflow in response.json()]


@pytest.mark.django_db
def test_the_default_rule_is_a_workflow_the_mcp_server_keeps(call, alice, web_project):
    response = call(alice, f"{WORKFLOWS}?projectSlug=web&sortBy=-id")
    assert response.status_code == 200
    [workflow] = response.json()
    default = Rule.objects.get(project=web_project)
    # IssueAlertRuleSchema: id string|number, name string; conditions/filters/actions/
    # actionFilters arrays of objects; triggers an object or null; detectorIds an array of
    # strings|numbers; config an object; frequency a number; dateCreated a string.
    assert workflow["id"] == str(default.pk) and workflow["name"] == DEFAULT_RULE_NAME
    assert all(isinstance(workflow[key], list) for key in
               ("conditions", "filters", "actions", "actionFilters", "detectorIds"))
    assert all(isinstance(item, dict) for key in ("conditions", "filters", "actions",
                                                  "actionFilters") for item in workflow[key])
    assert isinstance(workflow["triggers"], dict) and isinstance(workflow["config"], dict)
    # filterAttachedIssueAlertRules: a workflow without detectors is dropped.
    assert workflow["detectorIds"] == [str(web_project.pk)]
    assert isinstance(workflow["frequency"], int) and workflow["config"] == {
        "frequency": workflow["frequency"]}
    assert isinstance(workflow["dateCreated"], str) and isinstance(workflow["dateUpdated"], str)
    assert workflow["enabled"] is True and workflow["status"] == "active"
    assert workflow["environment"] is None and workflow["lastTriggered"] is None
    assert workflow["organizationId"] == str(web_project.organization_id)
    triggers = workflow["triggers"]
    assert triggers["logicType"] == "any-short" and triggers["actions"] == []
    assert [c["type"] for c in triggers["conditions"]] == ["first_seen_event",
                                                          "regression_event"]
    assert all(c["comparison"] is True and c["conditionResult"] is True
               for c in triggers["conditions"])
    [action] = workflow["actionFilters"][0]["actions"]
    assert action["type"] == "email" and action["config"]["targetType"] == "issue_owners"
    assert action["status"] == "active" and action["integrationId"] is None


@pytest.mark.django_db
def test_a_terraform_rule_answers_its_conditions_filters_and_actions(call, alice, alpha,
                                                                     web_project):
    slack = alert_actions.create_channel(alpha, "slack", "alerts",
                                         {"url": "https://hooks.slack.com/services/T/B/x"})
    pagerduty = alert_actions.create_channel(alpha, "pagerduty", "ops",
                                             {"routing_key": "a" * 32})
    made = terraform_rule(web_project, slack, pagerduty)
    workflow = call(alice, f"{WORKFLOWS}{made.pk}/").json()
    assert workflow["environment"] == "production" and workflow["frequency"] == 15
    assert workflow["actionMatch"] == "any" and workflow["filterMatch"] == "all"
    assert [c["id"] for c in workflow["conditions"]] == [FIRST_SEEN, FREQUENCY]
    frequency = workflow["triggers"]["conditions"][1]
    assert frequency["type"] == "event_frequency_count"
    assert frequency["comparison"] == {"value": 100, "interval": "1h"}
    [group] = workflow["actionFilters"]
    assert group["logicType"] == "all"
    assert [(c["type"], c["comparison"]) for c in group["conditions"]] == [
        ("level", {"match": "gte", "level": 40}),
        ("tagged_event", {"key": "customer", "match": "eq", "value": "acme"})]
    assert [(a["type"], a["integrationId"], a["config"]["targetIdentifier"])
            for a in group["actions"]] == [("slack", str(slack.pk), "#alerts"),
                                           ("pagerduty", str(pagerduty.pk), "ops")]
    assert group["actions"][1]["data"] == {"priority": "critical"}
    ids = [group["id"], *(c["id"] for c in group["conditions"]),
           *(a["id"] for a in group["actions"]), workflow["triggers"]["id"]]
    assert len(set(ids)) == len(ids)  # made up, but distinct and stable
    assert call(alice, f"{WORKFLOWS}{made.pk}/").json() == workflow


@pytest.mark.django_db
def test_get_alert_rule_finds_one_by_id(call, alice, web_project):
    wanted = rule(web_project, "Wanted")
    rule(web_project, "Other")
    response = call(alice, f"{WORKFLOWS}?projectSlug=web&id={wanted.pk}&per_page=1")
    assert names(response) == ["Wanted"]
    assert call(alice, f"{WORKFLOWS}?projectSlug=web&id=999999&per_page=1").json() == []


@pytest.mark.django_db
def test_the_name_query_is_what_format_workflow_name_query_sends(call, alice, web_project):
    rule(web_project, 'Page "ops" now')
    rule(web_project, "Critical errors")
    rule(web_project, "Slow checkout")
    # formatWorkflowNameQuery: name:"*<text>*", with \ and " escaped.
    assert names(call(alice, f'{WORKFLOWS}?projectSlug=web&query=name:"*CRITICAL*"')) == [
        "Critical errors"]
    escaped = '?projectSlug=web&query=name:"*%5C"ops%5C"*"'
    assert names(call(alice, WORKFLOWS + escaped)) == ['Page "ops" now']
    assert names(call(alice, f"{WORKFLOWS}?query=name:%22slow%20checkout%22")) == [
        "Slow checkout"]
    assert names(call(alice, f"{WORKFLOWS}?query=name:slow")) == []  # no * : the whole name
    assert names(call(alice, f"{WORKFLOWS}?query=check")) == ["Slow checkout"]  # a free word
    assert names(call(alice, f"{WORKFLOWS}?query=" + "*a" * 400)) == []  # no backtracking


@pytest.mark.django_db
def test_pages_with_per_page_and_sorts(call, alice, web_project):
    for name in ("b", "c", "a"):
        rule(web_project, name)
    first = call(alice, f"{WORKFLOWS}?projectSlug=web&sortBy=-id&per_page=2")
    assert names(first) == ["a", "c"]
    assert 'rel="next"; results="true"; cursor="0:2:0"' in first["Link"]
    second = call(alice, f"{WORKFLOWS}?projectSlug=web&sortBy=-id&per_page=2&cursor=0:2:0")
    assert names(second) == ["b", DEFAULT_RULE_NAME]
    assert 'rel="next"; results="false"' in second["Link"]
    by_name = names(call(alice, f"{WORKFLOWS}?sortBy=name"))
    assert [name for name in by_name if len(name) == 1] == ["a", "b", "c"]
    by_name_descending = names(call(alice, f"{WORKFLOWS}?sortBy=-name"))
    assert by_name_descending == by_name[::-1]


@pytest.mark.django_db
def test_rules_of_every_project_and_only_issue_rules(call, alice, alpha, web_project):
    api = make_project(alpha, "api")
    alert_actions.create_rule(web_project, "rate", [
        {"type": "error_rate", "value": 1, "minutes": 5}])
    listed = call(alice, WORKFLOWS).json()
    assert sorted(w["detectorIds"][0] for w in listed) == sorted(
        [str(web_project.pk), str(api.pk)])  # the two default rules; the rate rule is not one
    assert [w["detectorIds"] for w in call(alice, f"{WORKFLOWS}?projectSlug=api").json()] == [
        [str(api.pk)]]
    assert len(call(alice, f"{WORKFLOWS}?project={api.pk}").json()) == 1
    assert len(call(alice, f"{WORKFLOWS}?project=-1").json()) == 2
    rate = Rule.objects.get(name="rate")
    assert call(alice, f"{WORKFLOWS}{rate.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_disabled_rule_and_when_it_last_fired(call, alice, web_project,
                                                django_capture_on_commit_callbacks):
    default = Rule.objects.get(project=web_project)
    with django_capture_on_commit_callbacks(execute=True):
        digest_events(web_project, error_event())
    fired = RuleIssueState.objects.get(rule=default).last_fired_at
    alert_actions.update_rule(default, None, None, None, None, None, False)
    workflow = call(alice, f"{WORKFLOWS}{default.pk}/").json()
    assert workflow["enabled"] is False and workflow["status"] == "disabled"
    assert workflow["lastTriggered"] == fired.isoformat().replace("+00:00", "Z")


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    "?sortBy=connectedDetectors", "?sortBy=%00", "?id=abc", "?id=-5", "?project=web",
    "?query=name:%22unclosed", "?query=owner:me", "?query=" + "x" * 1001,
    "?per_page=abc", "?cursor=garbage", "?id=" + "&id=".join(map(str, range(1, 120))),
    "?projectSlug=web" + "&projectSlug=web" * 100,
])
def test_bad_parameters_are_a_400_with_detail(call, alice, web_project, query):
    response = call(alice, WORKFLOWS + query)
    assert response.status_code == 400, (query, response.content[:200])
    assert isinstance(response.json()["detail"], str)


@pytest.mark.django_db
@pytest.mark.parametrize("rule_id", ["abc", "0", "-1", "99999999999999999999999", "1.5",
                                     "%20"])
def test_garbage_ids_are_404(call, alice, web_project, rule_id):
    assert call(alice, f"{WORKFLOWS}{rule_id}/").status_code == 404


@pytest.mark.django_db
def test_another_tenants_rules_are_404(call, charlie, web_project):
    alphas = Rule.objects.get(project=web_project)
    assert call(charlie, WORKFLOWS).status_code == 404
    assert call(charlie, f"{WORKFLOWS}{alphas.pk}/").status_code == 404
    beta = "/api/0/organizations/beta/workflows/"
    assert call(charlie, f"{beta}{alphas.pk}/").status_code == 404
    assert str(alphas.pk) not in [w["id"] for w in call(charlie, beta).json()]
    assert call(charlie, f"{beta}?project={web_project.pk}").json() == []
    assert call(charlie, f"{beta}?projectSlug=nope").status_code == 404


@pytest.mark.django_db
def test_a_plain_member_reads_them_and_a_missing_scope_is_403(call, bob, web_project):
    assert call(bob, WORKFLOWS).status_code == 200
    assert call(bob, WORKFLOWS, scopes=["project:read"]).status_code == 403
    default = Rule.objects.get(project=web_project)
    assert call(bob, f"{WORKFLOWS}{default.pk}/", scopes=["event:read"]).status_code == 403
