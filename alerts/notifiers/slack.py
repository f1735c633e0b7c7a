"""Slack incoming webhook: a Block Kit message styled by severity, and as good news for a
recovery.

Event data is never markup. Slack parses `&`, `<` and `>` in every text object (mentions such
as `<!channel>`, disguised links such as `<https://evil|click>`), so they are escaped as Slack
documents ("Formatting text for app surfaces", escaping); and event text sits in `plain_text`
objects (with `emoji` off) and in a top-level `text` with `mrkdwn` off, so `*bold*` or
`:emoji:` in an event stay what they are. Only our own words are mrkdwn.
"""

from alerts.message import headline, is_recovery, monitor_line
from alerts.notifiers.base import Notifier, one_line, post_json, require_url

COLORS = {"fatal": "#7a0019", "error": "#e03e2f", "warning": "#f2b712", "info": "#2f80ed",
          "debug": "#8d8d8d"}
EMOJI = {"fatal": ":red_circle:", "error": ":red_circle:", "warning": ":warning:",
         "info": ":information_source:", "debug": ":white_circle:"}
RECOVERED_COLOR, RECOVERED_EMOJI = "#2eb67d", ":white_check_mark:"
MAX_TEXT = 3000  # Slack's limit for a text object


def escape(text: object) -> str:
    """Slack's control characters as the entities Slack documents; nothing else is encoded."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: object, limit: int = MAX_TEXT) -> dict:
    """A plain_text object for event data: cut first, then escaped (an entity is never cut)."""
    return {"type": "plain_text", "text": escape(str(text)[:limit]) or "-", "emoji": False}


def style(action: str, level: str) -> tuple[str, str]:
    if is_recovery(action):
        return RECOVERED_COLOR, RECOVERED_EMOJI
    return COLORS.get(level, COLORS["error"]), EMOJI.get(level, "")


def heading_section(action: str, message: dict) -> dict:
    """Our words in mrkdwn; `verbatim` so Slack links nothing by itself."""
    _, emoji = style(action, message["level"])
    return {"type": "section", "text": {"type": "mrkdwn", "verbatim": True, "text": (
        f"{emoji} *{escape(headline(action, message))}* · "
        f"<{message['url']}|{escape(message['short_id'])}>")}}


def detail_fields(message: dict) -> list[dict]:
    return [plain(f"Project: {message['project']['name']}", 200),
            plain(f"Level: {message['level']}", 200),
            plain(f"Environment: {message['environment'] or '-'}", 200),
            plain(f"Release: {message.get('release') or '-'}", 200),
            plain(f"Events / users: {message['count']} / {message['users']}", 200)]


def event_blocks(message: dict) -> list[dict]:
    """The title, the culprit, the monitor, the figures and the tags: all event data."""
    found = [{"type": "section", "text": plain(message["title"], 500)}]
    context = [plain(text, 300) for text in (message["culprit"], monitor_line(message)) if text]
    if context:
        found.append({"type": "context", "elements": context})
    found.append({"type": "section", "fields": detail_fields(message)})
    tags = message.get("tags") or []
    if tags:
        found.append({"type": "context",
                      "elements": [plain(f"{key}: {value}", 200) for key, value in tags[:10]]})
    return found


def buttons(message: dict) -> dict:
    links = [("Open in errortrack", message["url"])]
    if (message.get("monitor") or {}).get("url"):
        links.append(("Open monitor", message["monitor"]["url"]))
    return {"type": "actions", "elements": [
        {"type": "button", "url": url, "text": {"type": "plain_text", "text": label}}
        for label, url in links]}


def blocks(action: str, message: dict) -> dict:
    color, _ = style(action, message["level"])
    summary = one_line(f"{headline(action, message)}: {message['title']}")
    monitor = monitor_line(message)
    if monitor:
        summary += f" · {monitor}"
    return {
        "text": escape(summary[:MAX_TEXT - 500]),  # the notification's plain text
        "mrkdwn": False,
        "attachments": [{"color": color, "blocks": [
            heading_section(action, message), *event_blocks(message), buttons(message)]}],
    }


class SlackNotifier(Notifier):
    @classmethod
    def clean_config(cls, config: dict) -> dict:
        return {"url": require_url(config)}

    def send(self, action: str, message: dict, recipients: list[str]) -> int | None:
        return post_json(self.config["url"], blocks(action, message))
