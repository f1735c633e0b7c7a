"""Email through Django's backend (EMAIL_URL), as HTML and text."""

import smtplib

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.template.loader import render_to_string

from alerts.notifiers.base import Notifier, NotifyError

MAX_ADDRESSES = 50


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
        context = {"action": action, "message": message}
        subject = render_to_string("alerts/email_subject.txt", context).strip()[:200]
        mail = EmailMultiAlternatives(subject, render_to_string("alerts/email.txt", context),
                                      to=to)
        mail.attach_alternative(render_to_string("alerts/email.html", context), "text/html")
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise NotifyError(f"recipients refused: {exc}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise NotifyError(f"SMTP: {exc}"[:500]) from exc
        return None
