"""Slack incoming webhook: a Block Kit message styled by severity."""

from alerts.notifiers.base import Notifier, post_json, require_url

COLORS = {"fatal": "#7a0019", "error": "#e03e2f", "warning": "#f2b712", "info": "#2f80ed",
          "debug": "#8d8d8d"}
EMOJI = {"fatal": ":red_circle:", "error": ":red_circle:", "warning": ":warning:",
         "info": ":information_source:", "debug": ":white_circle:"}


def escape(text: str) -> str:
    """Slack mrkdwn control characters; event text must not become links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def blocks(action: str, message: dict) -> dict:
    level = message["level"]
    heading = message["reason_text"]  # "Resolved" (or "… recovered") for a resolve
    fields = [f"*Project*\n{escape(message['project']['name'])}",
              f"*Level*\n{escape(level)}",
              f"*Environment*\n{escape(message['environment'] or '-')}",
              f"*Events / users*\n{message['count']} / {message['users']}"]
    return {
        "text": f"{heading}: {message['title']}"[:3000],  # the notification's plain text
        "attachments": [{"color": COLORS.get(level, COLORS["error"]), "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": (
                f"{EMOJI.get(level, '')} *{escape(heading)}* · "
                f"<{message['url']}|{escape(message['short_id'])}>\n"
                f"*{escape(message['title'])[:500]}*\n{escape(message['culprit'])[:300]}")}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
            {"type": "actions", "elements": [{"type": "button", "url": message["url"],
                                              "text": {"type": "plain_text",
                                                       "text": "Open in errortrack"}}]},
        ]}],
    }


class SlackNotifier(Notifier):
    @classmethod
    def clean_config(cls, config: dict) -> dict:
        return {"url": require_url(config)}

    def send(self, action: str, message: dict, recipients: list[str]) -> int | None:
        return post_json(self.config["url"], blocks(action, message))
