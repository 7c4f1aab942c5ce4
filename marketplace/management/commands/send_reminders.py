"""`manage.py send_reminders [--structure <slug>] [--date YYYY-MM-DD]`: send the reminders due (what beat does daily)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from hub.models import Structure
from marketplace.actions.dunning import send_due_reminders


class Command(BaseCommand):
    help = "Envoie les relances des factures échues impayées (le niveau suivant, jamais deux fois le même)."

    def add_arguments(self, parser):
        parser.add_argument("--structure", help="Slug d'une structure (toutes par défaut).")
        parser.add_argument("--date", help="Jour de référence AAAA-MM-JJ (aujourd'hui par défaut).")

    def handle(self, *args, structure=None, date=None, **options):
        structures = None
        if structure:
            structures = list(Structure.objects.filter(slug=structure))
            if not structures:
                raise CommandError(f"Structure inconnue : {structure}")
        on = None
        if date:
            try:
                on = datetime.date.fromisoformat(date)
            except ValueError as error:
                raise CommandError(f"Date invalide : {date}") from error
        sent = send_due_reminders(on=on, structures=structures)
        self.stdout.write(f"{sent} relance(s) envoyée(s).")
