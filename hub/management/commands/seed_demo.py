from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hub.demo import DEMO_LOGINS, DEMO_PASSWORD


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
        counts: dict[str, int] = {}
        # Each app seeds its own demo data, in INSTALLED_APPS order (lowest layer first), so a
        # lower app never has to import a higher one. Each app's seed commits on its own, so what
        # it triggers on commit (bookings confirmed by the marketplace's events) is there for the
        # apps above it; every seed is idempotent, so a run cut short is completed by the next.
        modules = []
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if find_spec(module_name) is None:
                continue
            module = import_module(module_name)
            modules.append(module)
            if hasattr(module, "seed_demo"):
                with transaction.atomic():
                    counts.update(module.seed_demo() or {})
        # A second pass, for what reads the higher apps' demo data without importing them (the
        # bank statements of accounting match the payouts and deposits the marketplace posted).
        for module in modules:
            if hasattr(module, "seed_demo_late"):
                with transaction.atomic():
                    counts.update(module.seed_demo_late() or {})
        if options["verbosity"] < 1:
            return
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Pôle de démonstration chargé : {summary}"))
        self.stdout.write(f"\nComptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<28} {login.what}")
