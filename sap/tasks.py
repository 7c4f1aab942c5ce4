from celery import shared_task
from django.utils import timezone

from sap import actions, advance


@shared_task(name="sap.issue_tax_certificates")
def issue_tax_certificates() -> int:
    """Beat, each January: last year's certificates not issued yet (idempotent)."""
    return len(actions.issue_tax_certificates(year=timezone.localdate().year - 1))


@shared_task(name="sap.register_client")
def register_client(client_id: int) -> str:
    """A registration saved by staff, sent to the URSSAF (the beat sends it again if this one fails)."""
    return advance.register_client(client_id).status


@shared_task(name="sap.submit_request")
def submit_request(request_id: int) -> str:
    return advance.submit_request(request_id).status


@shared_task(name="sap.follow_advance")
def follow_advance() -> dict:
    """Beat, every 15 minutes: registrations and activations, requests to make and send, statuses to read."""
    return {
        "clients": advance.follow_clients(),
        "created": len(advance.sweep_requests()),
        "changed": advance.follow_requests(),
    }
