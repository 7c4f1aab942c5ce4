from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounting.actions.reconciling import run_reconciliation
from accounting.reconciliation import checks
from hub.money import format_eur


def _eur(amount: str | None) -> str:
    from decimal import Decimal

    return "—" if amount is None else format_eur(Decimal(amount))


class Command(BaseCommand):
    help = "Rapproche les livres de ce que dit la plateforme ; liste chaque écart, code de sortie 1 s'il y en a."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="append",
            dest="codes",
            metavar="CODE",
            help="Ne lancer que ce contrôle (répétable). Contrôles : "
            + ", ".join(check.code for check in checks())
            + ".",
        )
        parser.add_argument("--no-alert", action="store_true", help="Ne pas prévenir les comptables par e-mail.")

    def handle(self, *args, codes=None, no_alert=False, **options):
        known = {check.code for check in checks()}
        unknown = sorted(set(codes or ()) - known)
        if unknown:
            raise CommandError(
                _("Contrôle inconnu : %(codes)s (connus : %(known)s).")
                % {"codes": ", ".join(unknown), "known": ", ".join(sorted(known))}
            )
        run = run_reconciliation(codes=codes, triggered_by="reconcile_books", alert=not no_alert)
        for difference in run.differences:
            self.stdout.write(
                f"[{difference['check']}] {difference['structure']} — {difference['reference']} : "
                f"attendu {_eur(difference['expected'])}, en compte {_eur(difference['actual'])}. "
                f"{difference['message']}"
            )
        for code, reason in sorted(run.skipped.items()):
            self.stdout.write(_("[%(code)s] non vérifié : %(reason)s") % {"code": code, "reason": reason})
        summary = _("%(checks)s contrôle(s), %(skipped)s non vérifié(s), %(count)s écart(s).") % {
            "checks": len(run.checks),
            "skipped": len(run.skipped),
            "count": len(run.differences),
        }
        if run.clean:
            self.stdout.write(self.style.SUCCESS(_("Livres rapprochés : ") + summary))
            return
        self.stdout.write(self.style.ERROR(_("Écarts trouvés : ") + summary))
        raise SystemExit(1)
