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
        # An app's demo may ask to be seeded right before another's (`SEED_BEFORE`): the AI's months of
        # immediate-advance invoices come before the marketplace's recent orders in its invoice series.
        modules = [import_module(f"{config.name}.demo") for config in apps.get_app_configs()
                   if find_spec(f"{config.name}.demo") is not None]  # fmt: skip
        ordered = [module for module in modules if not getattr(module, "SEED_BEFORE", "")]
        for module in modules:
            if before := getattr(module, "SEED_BEFORE", ""):
                names = [other.__name__ for other in ordered]
                ordered.insert(names.index(f"{before}.demo") if f"{before}.demo" in names else len(ordered), module)
        for module in ordered:
            if hasattr(module, "seed_demo"):
                with transaction.atomic():
                    counts.update(module.seed_demo() or {})
        # Then what needs every app's history first (accounting: the VAT returns of the periods over).
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if find_spec(module_name) is None:
                continue
            module = import_module(module_name)
            if hasattr(module, "seed_demo_last"):
                with transaction.atomic():
                    counts.update(module.seed_demo_last() or {})
        if options["verbosity"] < 1:
            return
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Pôle de démonstration chargé : {summary}"))
        self.stdout.write(f"\nComptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<28} {login.what}")
