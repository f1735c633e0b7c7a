"""Hostile event text through every real notifier to a real receiver (HTTP on 127.0.0.1,
aiosmtpd): mentions, disguised links, entities, markup and header injection arrive inert.

Two ways in: an event digested as ingest would (title, culprit, tags, environment and release
as the digest keeps them, sent by the rules), and a message whose every text field is hostile,
newlines included (what the digest cuts today must still be safe if it ever arrives).
"""

import hashlib
import hmac
import re

import pytest
from django.conf import settings
from django.utils import timezone

from alerts import actions as alert_actions
from alerts.delivery import deliver_due
from alerts.message import issue_message
from alerts.notifiers import NOTIFIERS
from errortrack.models import Issue
from tests.factories import (
    digest_events,
    error_event,
    one_channel_of_each_kind,
)

HOSTILE = ("<!channel> <https://evil|click> <@U123> &lt; *bold* :skull: "
           "<script>alert(1)</script>")
WITH_NEWLINES = HOSTILE + " \r\nBcc: x@evil\r\n"
SECRET = "s" * 32
# What must never arrive where Slack parses it: mentions, foreign links, our formatting.
SLACK_RAW = ["<!channel>", "<https://evil", "<@U123>", "<script>", "*bold*"]


@pytest.fixture
def channels(receiver, web_project):
    """One channel of each kind on one rule (new issues), next to the members' email rule."""
    organization = web_project.organization
    made = one_channel_of_each_kind(organization, receiver, SECRET, ["ops@example.com"])
    alert_actions.create_rule(web_project, "all", [{"type": "new_issue"}], channels=made)
    return {channel.kind: channel for channel in made}


def hostile_event() -> dict:
    event = error_event("ValueError", HOSTILE, environment="<!channel>&lt;*prod*",
                        release="<https://evil|click>@1",
                        transaction="<@U123> <script>alert(1)</script>",
                        tags={"customer": "<!here> *vip* <script>alert(1)</script>"})
    return event


@pytest.fixture
def digested(channels, smtp, alice, web_project, django_capture_on_commit_callbacks) -> Issue:
    with django_capture_on_commit_callbacks(execute=True):
        digest_events(web_project, hostile_event())
    deliver_due(timezone.now())
    return Issue.objects.get()


def every_field_hostile(issue: Issue) -> dict:
    """The issue's message with every text an event can fill replaced by WITH_NEWLINES."""
    message = issue_message(issue, "new_issue", WITH_NEWLINES)
    for key in ("title", "culprit", "release"):
        message[key] = WITH_NEWLINES
    message["tags"] = [["customer", WITH_NEWLINES], ["server_name", HOSTILE]]
    return message


def posted(receiver, path: str) -> list:
    return [request.json() for request in receiver.requests if request.path == path]


# --- Slack -------------------------------------------------------------------------------------

def slack_decode(text: str) -> str:
    """What Slack shows for escaped text (the three entities it documents)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def text_objects(node: object) -> list[dict]:
    """Every Block Kit text object in a payload."""
    if isinstance(node, list):
        return [found for item in node for found in text_objects(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if node.get("type") in ("plain_text", "mrkdwn") else []
    return own + [found for value in node.values() for found in text_objects(value)]


def assert_inert_for_slack(text: str) -> None:
    """No control character outside an entity: Slack parses nothing in it."""
    assert "<" not in text and ">" not in text, text
    assert not re.search(r"&(?!amp;|lt;|gt;)", text), text


def assert_slack_payload_inert(body: dict) -> list[str]:
    """Checks every text in `body`; returns the texts as Slack shows them."""
    assert body["mrkdwn"] is False  # the top-level text is not mrkdwn
    assert_inert_for_slack(body["text"])
    shown = [slack_decode(body["text"])]
    for item in text_objects(body["attachments"]):
        if item["type"] == "plain_text":
            assert_inert_for_slack(item["text"])
        else:  # our own words: links only to errortrack, no event text
            assert item.get("verbatim") is True
            links = re.findall(r"<([^>]*)>", item["text"])
            assert all(link.startswith(settings.BASE_URL) for link in links), links
            assert not any(raw in item["text"] for raw in SLACK_RAW), item["text"]
        shown.append(slack_decode(item["text"]))
    return shown


@pytest.mark.django_db
def test_slack_gets_every_digested_field_escaped(digested, receiver):
    [body] = posted(receiver, "/slack")
    shown = "\n".join(assert_slack_payload_inert(body))
    # Everything arrives, shown as it was sent.
    for text in (f"ValueError: {HOSTILE}", "<@U123> <script>alert(1)</script>",
                 "Environment: <!channel>&lt;*prod*", "Release: <https://evil|click>@1",
                 "customer: <!here> *vip* <script>alert(1)</script>"):
        assert text in shown
    plain_texts = [item for item in text_objects(body["attachments"])
                   if item["type"] == "plain_text" and "ValueError" in item["text"]]
    assert plain_texts and all(item["emoji"] is False for item in plain_texts)


@pytest.mark.django_db
def test_slack_gets_hostile_text_in_every_field_escaped(digested, receiver, channels):
    message = every_field_hostile(digested)
    NOTIFIERS["slack"](channels["slack"].config).send("trigger", message, [])
    body = posted(receiver, "/slack")[-1]
    shown = assert_slack_payload_inert(body)
    assert "\n" not in body["text"] and "\r" not in body["text"]
    assert sum(HOSTILE in text for text in shown) >= 5  # title, culprit, env, release, tags


# --- email -------------------------------------------------------------------------------------

def parts(mail) -> tuple[str, str]:
    text, html = (part.get_payload(decode=True).decode() for part in mail.walk()
                  if part.get_content_type() in ("text/plain", "text/html"))
    return text, html


def unfolded(mail, name: str) -> str:
    """A header as RFC 5322 reads it: a line break followed by a space continues the line."""
    return re.sub(r"\r?\n(?=[ \t])", "", str(mail[name]))


def assert_mail_inert(mail, envelope) -> tuple[str, str]:
    assert mail["Bcc"] is None and mail["Cc"] is None
    assert envelope[1] == ["ops@example.com"]  # nobody added by the text
    subject = unfolded(mail, "Subject")
    assert "\r" not in subject and "\n" not in subject
    text, html = parts(mail)
    assert "<script>" not in html and "<https://evil" not in html and "<!channel>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;lt;" in html  # an entity in the event is shown, not decoded
    return text, html


@pytest.mark.django_db
def test_email_gets_digested_fields_as_text_and_escaped_html(digested, smtp):
    envelope, mail = next((envelope, mail) for envelope, mail
                          in zip(smtp.envelopes, smtp.messages, strict=True)
                          if envelope[1] == ["ops@example.com"])
    text, html = assert_mail_inert(mail, envelope)
    assert unfolded(mail, "Subject") == f"[web] New issue: ValueError: {HOSTILE}"
    for value in (f"ValueError: {HOSTILE}", "<!channel>&lt;*prod*", "<https://evil|click>@1",
                  "customer: <!here> *vip* <script>alert(1)</script>"):
        assert value in text  # the plain-text body is text: shown as sent
    assert "&lt;!here&gt; *vip*" in html  # the tag, escaped


@pytest.mark.django_db
def test_a_newline_in_any_field_never_becomes_an_email_header(digested, smtp, channels):
    message = every_field_hostile(digested)
    message["project"]["name"] = WITH_NEWLINES
    NOTIFIERS["email"](channels["email"].config).send("trigger", message, [])
    text, _ = assert_mail_inert(smtp.messages[-1], smtp.envelopes[-1])
    subject = unfolded(smtp.messages[-1], "Subject")
    assert subject.startswith(f"[web] New issue: {HOSTILE} Bcc: x@evil")
    assert "Bcc: x@evil" in subject  # on the subject line, as text
    assert WITH_NEWLINES.strip() in text


# --- PagerDuty and webhook ---------------------------------------------------------------------

@pytest.mark.django_db
def test_pagerduty_gets_a_one_line_summary_and_exact_details(digested, receiver, channels):
    [digested_trigger] = posted(receiver, "/v2/enqueue")
    assert digested_trigger["payload"]["summary"] == f"[web] ValueError: {HOSTILE}"
    message = every_field_hostile(digested)
    NOTIFIERS["pagerduty"](channels["pagerduty"].config).send("trigger", message, [])
    payload = posted(receiver, "/v2/enqueue")[-1]["payload"]
    assert not re.search(r"[\r\n\x00-\x1f]", payload["summary"] + payload["source"])
    assert payload["summary"].startswith(f"[web] {HOSTILE}")
    details = payload["custom_details"]  # JSON values: exactly what the event said
    assert (details["culprit"], details["environment"], details["release"]) == (
        WITH_NEWLINES, WITH_NEWLINES, WITH_NEWLINES)
    assert details["tags"] == {"customer": WITH_NEWLINES, "server_name": HOSTILE}


@pytest.mark.django_db
def test_the_webhook_gets_the_message_json_encoded_and_signed(digested, receiver, channels):
    [request] = [r for r in receiver.requests if r.path == "/hook"]
    body = request.json()
    assert body["title"] == f"ValueError: {HOSTILE}"
    assert body["release"] == "<https://evil|click>@1"
    assert ["customer", "<!here> *vip* <script>alert(1)</script>"] in body["tags"]
    message = every_field_hostile(digested)
    NOTIFIERS["webhook"](channels["webhook"].config).send("trigger", message, [])
    request = [r for r in receiver.requests if r.path == "/hook"][-1]
    assert request.json() == {"action": "trigger", **message}
    expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Errortrack-Signature"], expected)
