"""Generic webhook: the message as JSON, signed with HMAC-SHA256 of the body.

Headers: `X-Errortrack-Signature: sha256=<hex>` (HMAC-SHA256 of the exact body with the
channel's secret) and `X-Errortrack-Event: trigger|resolve|test|rollback`. The payload is
documented in docs/alerts.md (the webhook payload).
"""

import hashlib
import hmac
import secrets

import orjson
from django.core.exceptions import ValidationError

from alerts.notifiers.base import Notifier, post_json, require_url

SIGNATURE_HEADER = "X-Errortrack-Signature"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookNotifier(Notifier):
    @classmethod
    def clean_config(cls, config: dict) -> dict:
        secret = config.get("secret") or secrets.token_urlsafe(32)
        if not isinstance(secret, str) or len(secret) < 16:
            raise ValidationError("secret must be at least 16 characters.")
        return {"url": require_url(config), "secret": secret}

    def send(self, action: str, message: dict, recipients: list[str]) -> int | None:
        body = orjson.dumps({"action": action, **message})
        return post_json(self.config["url"], None, body=body, headers={
            SIGNATURE_HEADER: signature(self.config["secret"], body),
            "X-Errortrack-Event": action})
