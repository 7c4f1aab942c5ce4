"""The transactional outbox's sending side: every e-mail of the platform leaves through here.

`hub.notify.email_on_commit` writes an `OutboundEmail` row in the transaction of what causes the
e-mail and queues `send_outbound_email` on commit (a broker that is down is logged, never raised);
the beat sweep (every minute) queues again whatever is still pending once its next attempt is due, so
an e-mail is never lost while the broker or the SMTP server is down.

The row names a *composer* (`kind`) that an app registered in its `AppConfig.ready()`: it renders the
message when it is sent, from the row's `payload`, and may write the app's own once-only row (an
`OrderNotification`); it returns None when there is nothing to send (already sent, no recipient).
Rows queued with their message already rendered (`hub.notify.message_on_commit`) need no composer.

Sent at most once: the row is locked (`SELECT … FOR UPDATE SKIP LOCKED`) and must still be pending
while it is composed and sent; a second task for the same row finds it locked or no longer pending
and does nothing. The lock is held across the SMTP call on purpose — that lock is the idempotency
guard — and it is the outbox row's alone, which nothing else waits on. A worker killed mid-send
leaves the row pending (its transaction dies with its connection) and the task is delivered again
(`task_acks_late`). The one window left is a worker killed after the SMTP server accepted the
message and before the commit: that e-mail may go twice, as with any SMTP client.

A failure (composing or sending) is recorded on the row: one more attempt, the error (truncated, no
recipient in it), and the next attempt after an exponential backoff
(`OUTBOX_RETRY_BASE_SECONDS` × 2^(attempts − 1), at most `OUTBOX_RETRY_MAX_SECONDS`); after
`OUTBOX_MAX_ATTEMPTS` the row is failed and listed for the hub admins (Django admin, « E-mails
sortants », filtered by state).
"""

import dataclasses
import datetime
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from hub import notify
from hub.enums import EmailState
from hub.models import OutboundEmail

logger = logging.getLogger(__name__)

SEND_OUTBOUND_EMAIL = notify.SEND_OUTBOUND_EMAIL
ERROR_MAX_LENGTH = OutboundEmail._meta.get_field("last_error").max_length
SUBJECT_MAX_LENGTH = OutboundEmail._meta.get_field("subject").max_length


@dataclasses.dataclass(frozen=True)
class Message:
    subject: str
    body: str
    recipients: list[str]
    html_body: str = ""
    # (file name, content, MIME type): rendered by the composer when the e-mail leaves (a statement PDF).
    attachments: tuple[tuple[str, bytes, str], ...] = ()


Composer = Callable[..., Message | None]
_composers: dict[str, Composer] = {}


def register(kind: str, composer: Composer) -> None:
    """Let `kind`'s e-mails be composed by `composer(*args, **kwargs)` (the row's payload) when sent."""
    _composers[kind] = composer


def deliverable(address: str) -> bool:
    """An address mail can reach: not one under the reserved `.invalid` top-level domain (RFC 2606),
    which a closed account's address is (`supprime-<id>@invalid.invalid`): what still concerns a
    deleted account (the cancellation of its bookings) is never sent anywhere."""
    return bool(address) and not address.strip().rstrip(">").lower().endswith(".invalid")


def _compose(email: OutboundEmail) -> Message | None:
    if email.kind == notify.RENDERED:
        message = Message(
            subject=email.subject, body=email.body, recipients=list(email.recipients), html_body=email.html_body
        )
    else:
        composer = _composers.get(email.kind)
        if composer is None:
            raise LookupError(f"Aucun rédacteur d'e-mail enregistré pour « {email.kind} ».")
        message = composer(*email.payload.get("args", []), **email.payload.get("kwargs", {}))
    if message is None:
        return None
    return dataclasses.replace(message, recipients=[address for address in message.recipients if deliverable(address)])


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait before the next attempt after `attempts` failed ones (exponential, capped)."""
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def _send(message: Message) -> None:
    email = EmailMultiAlternatives(message.subject, message.body, None, message.recipients)
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    for name, content, mimetype in message.attachments:
        email.attach(name, content, mimetype)
    email.send()


def send_outbound_email(*, email_id: int) -> str | None:
    """Compose and send one pending e-mail; returns its state afterwards, or None if there was nothing
    to do (already sent, failed for good, or being sent by another worker right now)."""
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, state=EmailState.PENDING)
            .first()
        )
        if email is None:
            return None
        now = timezone.now()
        try:
            # A savepoint: what the composer writes (its once-only row) is undone if sending fails.
            with transaction.atomic():
                message = _compose(email)
                if message is not None and message.recipients:
                    email.recipients = list(message.recipients)
                    email.subject = message.subject[:SUBJECT_MAX_LENGTH]
                    email.body, email.html_body = message.body, message.html_body
                    delay = getattr(settings, "OUTBOX_TEST_SEND_DELAY_SECONDS", 0)
                    if delay:  # tests only: a send that takes a while, to kill the worker in the middle
                        time.sleep(delay)
                    _send(message)
        except Exception as exc:  # noqa: BLE001 — any failure is recorded on the row and retried
            email.attempts += 1
            email.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]
            if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                email.state = EmailState.FAILED
                logger.error("E-mail %s (%s) failed for good after %s attempts", email.pk, email.kind, email.attempts)
            else:
                email.next_attempt_at = now + retry_delay(email.attempts)
                logger.warning("E-mail %s (%s) not sent, attempt %s", email.pk, email.kind, email.attempts)
            email.save(
                update_fields=["attempts", "last_error", "state", "next_attempt_at", "recipients", "subject", "body"]
            )
            return email.state
        email.attempts += 1
        if message is None or not message.recipients:
            email.state = EmailState.SKIPPED
        else:
            email.state, email.sent_at = EmailState.SENT, now
            if email.payload.get("forget_body"):  # a one-time link: not kept once it has left
                email.body = email.html_body = ""
        email.save()
        return email.state


def sweep_outbox(*, at: datetime.datetime | None = None, limit: int = 500) -> int:
    """Queue again the pending e-mails whose next attempt is due (beat, every minute); returns how many."""
    due = list(OutboundEmail.objects.due(at=at).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for email_id in due:
        notify.enqueue(SEND_OUTBOUND_EMAIL, email_id)
    return len(due)


def retry_now(queryset) -> int:
    """Staff's « renvoyer »: failed or pending e-mails get a fresh round of attempts, queued now."""
    ids = list(queryset.filter(state__in=[EmailState.PENDING, EmailState.FAILED]).values_list("pk", flat=True))
    OutboundEmail.objects.filter(pk__in=ids).update(
        state=EmailState.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    for email_id in ids:
        notify.enqueue_on_commit(SEND_OUTBOUND_EMAIL, email_id)
    return len(ids)
