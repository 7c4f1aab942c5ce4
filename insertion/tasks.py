"""Celery tasks: thin and idempotent, each calls one action."""

from celery import shared_task
from django.utils import timezone

from insertion import actions, jobs


@shared_task(name="insertion.sync_jobs")
def sync_jobs() -> int:
    """Derive jobs from confirmed sales (beat, every few minutes); unique per source, so safe to repeat."""
    result = jobs.sync_jobs()
    return result.created + result.updated + result.cancelled


@shared_task(name="insertion.send_alerts")
def send_alerts() -> int:
    """Daily: contracts and PASS IAE ending within 30 days, next week's team load; each alert e-mailed once."""
    return actions.send_alerts(today=timezone.localdate())
