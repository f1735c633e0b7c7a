"""Email through Django's backend (EMAIL_URL), as HTML and text.

Event data is inert: the subject is one line without control characters (no header
injection), the text body is plain text, and the HTML body is autoescaped by its template.
A recovery's subject starts with [Recovered] (a monitor) or [Resolved].
"""

import smtplib

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.template.loader import render_to_string

from alerts.message import headline, monitor_line, recovery_label
from alerts.notifiers.base import Notifier, NotifyError, one_line

MAX_ADDRESSES = 50
MAX_SUBJECT = 200


def context(action: str, message: dict) -> dict:
    return {"action": action, "message": message, "headline": headline(action, message),
            "recovery": recovery_label(action, message), "monitor": monitor_line(message)}


def subject(action: str, message: dict) -> str:
    return one_line(render_to_string("alerts/email_subject.txt",
                                     context(action, message)))[:MAX_SUBJECT]


class EmailNotifier(Notifier):
    @classmethod
    def clean_config(cls, config: dict) -> dict:
        if config.get("members") is True:
            return {"members": True}
        addresses = config.get("addresses") or []
        if not isinstance(addresses, list) or not 1 <= len(addresses) <= MAX_ADDRESSES:
            raise ValidationError(f"addresses: 1 to {MAX_ADDRESSES} email addresses.")
        for address in addresses:
            validate_email(address)
        return {"addresses": sorted(set(addresses))}

    def send(self, action: str, message: dict, recipients: list[str]) -> int | None:
        to = recipients or self.config.get("addresses") or []
        if not to:
            raise NotifyError("no recipients", permanent=True)
        values = context(action, message)
        mail = EmailMultiAlternatives(subject(action, message),
                                      render_to_string("alerts/email.txt", values), to=to)
        mail.attach_alternative(render_to_string("alerts/email.html", values), "text/html")
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise NotifyError(f"recipients refused: {exc}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise NotifyError(f"SMTP: {exc}"[:500]) from exc
        return None
