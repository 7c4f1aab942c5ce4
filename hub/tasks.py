from celery import shared_task

from hub import outbox


@shared_task(name="hub.ping")
def ping() -> str:
    """Round-trip check of the broker and the workers (used by the integration tests)."""
    return "pong"


@shared_task(name="hub.send_outbound_email")
def send_outbound_email(email_id: int) -> str | None:
    """Send one e-mail of the outbox (idempotent: a row sent or being sent is left alone)."""
    return outbox.send_outbound_email(email_id=email_id)


@shared_task(name="hub.sweep_outbox")
def sweep_outbox() -> int:
    """Beat, every minute: the pending e-mails whose next attempt is due are queued again."""
    return outbox.sweep_outbox()
