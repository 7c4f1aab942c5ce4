from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hub.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_hub


class Command(BaseCommand):
    help = "Charge le pôle de démonstration (idempotent : le relancer ne crée rien de plus)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Autorise le chargement quand DEBUG est désactivé.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG est désactivé : refus de charger des données de démonstration. "
                "Relancez avec --force si c'est bien voulu."
            )
        counts = seed_hub()
        if options["verbosity"] < 1:
            return
        self.stdout.write(
            self.style.SUCCESS(
                "Pôle de démonstration chargé : " + ", ".join(f"{count} {name}" for name, count in counts.items())
            )
        )
        self.stdout.write(f"\nComptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<28} {login.what}")
