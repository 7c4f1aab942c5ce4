"""Run the reconciliation and keep its result: each run is stored, the accountants told of any difference."""

from django.conf import settings
from django.utils.translation import gettext as _

from accounting.models import ReconciliationRun
from accounting.reconciliation import Difference, reconcile
from hub import notify
from hub.enums import StaffRole
from hub.models import StructureRole

MAX_IN_EMAIL = 50


def _amount(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _as_json(difference: Difference) -> dict:
    return {
        "check": difference.check,
        "structure": difference.structure,
        "reference": difference.reference,
        "expected": _amount(difference.expected),
        "actual": _amount(difference.actual),
        "message": difference.message,
    }


def run_reconciliation(*, codes=None, triggered_by: str = "", alert: bool = True) -> ReconciliationRun:
    """Reconcile the books (all checks, or those named), store the run, alert when not clean.

    Not atomic on purpose: the checks only read, and a Stripe balance is asked over HTTP."""
    report = reconcile(codes=codes)
    run = ReconciliationRun.objects.create(
        started_at=report.started_at,
        finished_at=report.finished_at,
        clean=report.clean,
        checks=[check.code for check in report.checks],
        skipped=report.skipped,
        differences=[_as_json(difference) for difference in report.differences],
        triggered_by=triggered_by[:150],
    )
    if alert and not run.clean:
        alert_accountants(run)
    return run


def accountant_emails() -> list[str]:
    """The accountants of every structure (the reconciliation spans them all)."""
    emails = StructureRole.objects.filter(
        role=StaffRole.ACCOUNTANT, user__is_active=True, user__email__gt=""
    ).values_list("user__email", flat=True)
    return sorted(set(emails))


def alert_accountants(run: ReconciliationRun) -> int:
    recipients = accountant_emails()
    if not recipients:
        return 0
    count = len(run.differences)
    subject = _("[%(site)s] Rapprochement des comptes : %(count)s écart(s)") % {
        "site": settings.SITE_NAME,
        "count": count,
    }
    lines = [
        _("Le rapprochement du %(date)s a trouvé %(count)s écart(s) entre la plateforme et les livres :")
        % {"date": f"{run.started_at:%d/%m/%Y %H:%M}", "count": count},
        "",
    ]
    lines += [f"- {difference['structure']} — {difference['message']}" for difference in run.differences[:MAX_IN_EMAIL]]
    if count > MAX_IN_EMAIL:
        lines.append(_("… et %(rest)s autre(s), sur la page du rapprochement.") % {"rest": count - MAX_IN_EMAIL})
    notify.message_on_commit(
        subject=subject, body="\n".join(lines), recipients=recipients, related=f"rapprochement #{run.pk}"
    )
    return len(recipients)
