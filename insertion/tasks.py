"""Celery tasks: thin and idempotent, each calls one action."""

from celery import shared_task


@shared_task(name="insertion.sync_jobs")
def sync_jobs() -> int:
    """Derive jobs from confirmed sales (beat, every few minutes); unique per source, so safe to repeat."""
    from insertion.jobs import sync_jobs as sync

    result = sync()
    return result.created + result.updated + result.cancelled


@shared_task(name="insertion.send_alerts")
def send_alerts() -> int:
    """Daily: contracts and PASS IAE ending within 30 days, next week's team load; each alert e-mailed once."""
    from django.utils import timezone

    from insertion.actions import send_alerts as send

    return send(today=timezone.localdate())
