"""allauth's e-mails (address confirmation, password reset, « ce compte existe déjà ») leave through
the e-mail outbox like every other: a mail server that is down never fails a sign-up, and the e-mail
is retried.

This adapter lives in `hub`, not in `accounts`: `accounts` sits below `hub` and cannot reach the outbox.
These e-mails carry one-time links, so the outbox forgets their text once they are sent.
"""

from django.core.mail import EmailMessage
from django.utils.html import strip_tags

from accounts.adapter import AccountAdapter
from hub import notify


class _ToOutbox:
    """What allauth renders and then `send()`s, written to the outbox instead."""

    def __init__(self, message: EmailMessage) -> None:
        self.message = message

    def send(self, fail_silently: bool = False) -> int:
        message = self.message
        if message.content_subtype == "html":  # allauth found only an HTML template
            body, html_body = strip_tags(message.body), message.body
        else:
            alternatives = [
                content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"
            ]
            body, html_body = message.body, (alternatives[0] if alternatives else "")
        email_id = notify.message_on_commit(
            subject=message.subject,
            body=body,
            html_body=html_body,
            recipients=list(message.to),
            related="compte",
            forget_body_once_sent=True,
        )
        return int(email_id is not None)


class OutboxAccountAdapter(AccountAdapter):
    def render_mail(self, template_prefix: str, email: str, context: dict, headers: dict | None = None):
        return _ToOutbox(super().render_mail(template_prefix, email, context, headers=headers))
