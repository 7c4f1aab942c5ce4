from celery import shared_task
from django.utils import timezone

from sap import actions


@shared_task(name="sap.issue_tax_certificates")
def issue_tax_certificates() -> int:
    """Beat, each January: last year's certificates not issued yet (idempotent)."""
    return len(actions.issue_tax_certificates(year=timezone.localdate().year - 1))
