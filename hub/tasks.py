from celery import shared_task


@shared_task(name="hub.ping")
def ping() -> str:
    """Round-trip check of the broker and the workers (used by the integration tests)."""
    return "pong"
