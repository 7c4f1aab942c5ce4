from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hub.models import Structure
from sap import actions
from sap.exceptions import SapError


class Command(BaseCommand):
    help = "Émet les attestations fiscales d'une année écoulée (idempotent : les attestations déjà émises restent)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="Année (par défaut : l'année dernière).")
        parser.add_argument("--structure", default="", help="Slug d'une structure déclarée (par défaut : toutes).")

    def handle(self, *args, year, structure, **options):
        year = year if year is not None else timezone.localdate().year - 1
        provider = None
        if structure:
            provider = Structure.objects.filter(slug=structure[:50]).first()
            if provider is None:
                raise CommandError(f"Structure inconnue : {structure}")
        try:
            issued = actions.issue_tax_certificates(year=year, structure=provider)
        except SapError as error:
            raise CommandError(error.message) from error
        for certificate in issued:
            self.stdout.write(f"{certificate.number} {certificate.customer_name} {certificate.personal_amount} €")
        self.stdout.write(self.style.SUCCESS(f"{len(issued)} attestation(s) émise(s) pour {year}."))
